/*
 * eve_writer.h - writes alert records to an EVE JSON file, one line each.
 *
 * Contract: owns the output file and a write buffer allocated at open. The
 * writer thread (output_thread.h) or rampartd drains alert rings and hands
 * each record to eve_writer_write_record, which formats it (eve_format.h)
 * and buffers it; the buffer goes to the file when full, on
 * eve_writer_flush and on eve_writer_close.
 *
 * The file is truncated at open unless `append` (the config option) is set.
 * The path "-" writes to standard output (left open at close).
 *
 * Failures never stop the writer: a record that names no rule or is
 * malformed is skipped and counted; a failed write() drops the buffered
 * lines, counts a write error and the lost records, and the next flush tries
 * again with new lines.
 *
 * Thread rules: one thread calls every function except eve_writer_get_stats,
 * which any thread may call at any time (counters are atomic snapshots).
 */
#ifndef RAMPART_EVE_WRITER_H
#define RAMPART_EVE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine/output/alert_record.h"
#include "dataplane/engine/output/eve_format.h"

struct eve_writer;

struct eve_writer_stats {
	uint64_t records_written; /* lines that reached the file */
	uint64_t records_lost;    /* formatted lines a failed write() dropped */
	uint64_t write_errors;    /* failed write() calls */
	uint64_t unknown_rule;    /* records skipped: ruleset NULL or rule_index out of range */
	uint64_t bad_records;     /* records skipped: malformed (kind, l3, vlan_count, time) */
	uint64_t format_errors;   /* records skipped: out of memory while formatting */
	uint64_t bytes_written;
};

/*
 * Opens (creating, mode 0644) `path` for EVE output: truncated, or appended
 * to when `append`. Returns NULL with errno set (from open(2) or ENOMEM).
 */
struct eve_writer *eve_writer_open(const char *path, bool append);

/* Replaces the formatting options (defaults: eve_format.h). */
void eve_writer_set_options(struct eve_writer *w, const struct eve_format_options *opts);

/*
 * Formats and buffers one record. Returns 0, or -1 with errno: ENOENT /
 * EINVAL / EOVERFLOW / ENOMEM (record skipped, counted), or the errno of a
 * failed write() when the buffer had to be flushed (counted; the record
 * itself is still buffered).
 */
int eve_writer_write_record(struct eve_writer *w, const struct alert_record *rec);

/* Writes buffered lines to the file. 0, or -1 with write()'s errno. */
int eve_writer_flush(struct eve_writer *w);

/* True when lines are waiting in the buffer. */
bool eve_writer_pending(const struct eve_writer *w);

/* Flushes, closes and frees. 0, or -1 with errno of the failed flush or
 * close (the writer is freed either way). NULL is a no-op. */
int eve_writer_close(struct eve_writer *w);

void eve_writer_get_stats(const struct eve_writer *w, struct eve_writer_stats *out);

#endif /* RAMPART_EVE_WRITER_H */
