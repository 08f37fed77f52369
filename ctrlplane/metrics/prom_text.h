/*
 * prom_text.h - Prometheus text exposition format 0.0.4 into a growable buffer.
 *
 * Contract: a render callback (metrics.h) writes metric families with
 * prom_family (the `# HELP` and `# TYPE` lines, once per family) followed by
 * its samples (prom_u64 / prom_f64). Label values are escaped as the format
 * requires (backslash, double quote, newline); HELP text escapes backslash
 * and newline. Metric and label names are the caller's constants and must
 * match [a-zA-Z_:][a-zA-Z0-9_:]* (checked: a bad name sets failed).
 * An allocation failure also sets failed; later calls then do nothing, and
 * the HTTP server answers 500 instead of a truncated page.
 *
 * Thread rules: a buffer belongs to one thread at a time.
 */
#ifndef RAMPART_CTRLPLANE_PROM_TEXT_H
#define RAMPART_CTRLPLANE_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_buf {
	char *data; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool failed;
};

struct prom_label {
	const char *name;
	const char *value;
};

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_UNTYPED };

void prom_buf_init(struct prom_buf *b);
void prom_buf_free(struct prom_buf *b);
/* Empties the buffer (keeps its memory) and clears failed. */
void prom_buf_reset(struct prom_buf *b);

/* Raw text (the caller formats it). */
void prom_append(struct prom_buf *b, const char *s, size_t n);
void prom_printf(struct prom_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "# HELP name help\n# TYPE name counter|gauge|untyped\n" */
void prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help);

/* name{l1="v1",...} value\n ; labels may be NULL when n_labels is 0. */
void prom_u64(struct prom_buf *b, const char *name, const struct prom_label *labels, unsigned n_labels,
	      uint64_t value);
/* Doubles print with 15 significant digits (17 when needed to read back
 * exactly); NaN / +Inf / -Inf as the format spells them. */
void prom_f64(struct prom_buf *b, const char *name, const struct prom_label *labels, unsigned n_labels,
	      double value);

/* True when name is a valid metric / label name. */
bool prom_name_valid(const char *name);

#endif /* RAMPART_CTRLPLANE_PROM_TEXT_H */
