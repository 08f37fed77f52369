/*
 * audit.h - the audit log: one JSON line per configuration-changing command
 * and per refused command.
 *
 *   {"timestamp":"2026-11-25T12:00:00.000000+0000","uid":0,"pid":123,
 *    "command":"policy add --name x ...","result":"ok"|"refused: why"}
 *
 * The file is opened O_APPEND (so concurrent writers and logrotate's
 * copytruncate keep whole lines); each record is one write(). No fsync: the
 * log records who changed what, it is not a transaction journal.
 *
 * Thread rules: main thread only.
 */
#ifndef RAMPART_CTRLPLANE_AUDIT_H
#define RAMPART_CTRLPLANE_AUDIT_H

#include <stddef.h>
#include <sys/types.h>

struct audit_log;

/* Open (create 0640, parent directory 0750 if missing). NULL with err set. */
struct audit_log *audit_open(const char *path, char *err, size_t errlen);

/* Append one record. `result` is "ok" or "refused: reason". 0, or -1 errno. */
int audit_record(struct audit_log *a, uid_t uid, pid_t pid, const char *command, const char *result);

/* Re-open the path (after logrotate moved the file). 0 or -1. */
int audit_reopen(struct audit_log *a);

void audit_close(struct audit_log *a);

/* "2026-11-25T12:00:00.000000+0000" for now, into buf (>= 40 bytes). */
void audit_timestamp(char *buf, size_t len);

#endif /* RAMPART_CTRLPLANE_AUDIT_H */
