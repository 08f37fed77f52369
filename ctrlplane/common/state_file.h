/*
 * state_file.h - rampartd's durable state files: whole-file read, atomic
 * replace, mkdir -p.
 *
 * Owns nothing: plain functions on paths. Callers are the control-plane
 * stores that keep their state under the daemon's state directory
 * (ctrlplane/rules: bundle, generation, toggles; ctrlplane/policy: policy
 * versions, history, blocklist). Never called on a packet path.
 *
 * Thread rules: each call is independent; two writers of the same path at
 * once race on "<path>.tmp" and must be serialised by the caller (both
 * stores do all writes from the daemon's control thread).
 */
#ifndef RAMPART_CTRLPLANE_COMMON_STATE_FILE_H
#define RAMPART_CTRLPLANE_COMMON_STATE_FILE_H

#include <stddef.h>

/*
 * Replace `path` with `len` bytes of `data`, all or nothing: written to
 * "<path>.tmp" (mode 0640), fsync'd, then renamed over `path`, so a crash
 * leaves either the old file or the new one, never a torn one.
 * 0, or -1 with errno set (the temporary file is removed).
 */
int state_file_write_atomic(const char *path, const void *data, size_t len);

/*
 * The whole file, NUL-terminated, in one malloc'd buffer the caller frees;
 * its length (without the NUL) in *len when `len` is not NULL.
 * NULL with errno set: ENOENT when missing, EIO on a read error.
 */
char *state_file_read(const char *path, size_t *len);

/*
 * mkdir -p `path`, each created level mode 0750; existing levels are fine.
 * 0, or -1 with "<level>: <reason>" in err.
 */
int state_file_mkdir_p(const char *path, char *err, size_t errlen);

#endif
