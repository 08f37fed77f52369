/*
 * prom_text.c - Prometheus text format 0.0.4 writer (see prom_text.h).
 */
#include "ctrlplane/metrics/prom_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prom_buf_init(struct prom_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->data);
	prom_buf_init(b);
}

void prom_buf_reset(struct prom_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

static bool reserve(struct prom_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return false;
	need = b->len + more + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void prom_append(struct prom_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void append_str(struct prom_buf *b, const char *s)
{
	prom_append(b, s, strlen(s));
}

void prom_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

bool prom_name_valid(const char *name)
{
	if (!name || !*name)
		return false;
	for (const char *p = name; *p; p++) {
		char ch = *p;
		bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == ':';

		if (!alpha && !(p != name && ch >= '0' && ch <= '9'))
			return false;
	}
	return true;
}

/* Escapes backslash and newline always, the double quote when in_label. */
static void append_escaped(struct prom_buf *b, const char *s, bool in_label)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && in_label)
			rep = "\\\"";
		if (!rep)
			continue;
		prom_append(b, run, (size_t)(s - run));
		append_str(b, rep);
		run = s + 1;
	}
	prom_append(b, run, (size_t)(s - run));
}

void prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help)
{
	static const char *const types[] = {"counter", "gauge", "untyped"};

	if (!prom_name_valid(name) || (unsigned)type > PROM_UNTYPED) {
		b->failed = true;
		return;
	}
	append_str(b, "# HELP ");
	append_str(b, name);
	append_str(b, " ");
	append_escaped(b, help ? help : "", false);
	append_str(b, "\n# TYPE ");
	append_str(b, name);
	append_str(b, " ");
	append_str(b, types[type]);
	append_str(b, "\n");
}

static bool sample_head(struct prom_buf *b, const char *name, const struct prom_label *labels, unsigned n)
{
	if (!prom_name_valid(name)) {
		b->failed = true;
		return false;
	}
	append_str(b, name);
	if (n) {
		append_str(b, "{");
		for (unsigned i = 0; i < n; i++) {
			if (!prom_name_valid(labels[i].name)) {
				b->failed = true;
				return false;
			}
			if (i)
				append_str(b, ",");
			append_str(b, labels[i].name);
			append_str(b, "=\"");
			append_escaped(b, labels[i].value ? labels[i].value : "", true);
			append_str(b, "\"");
		}
		append_str(b, "}");
	}
	return !b->failed;
}

void prom_u64(struct prom_buf *b, const char *name, const struct prom_label *labels, unsigned n_labels,
	      uint64_t value)
{
	if (sample_head(b, name, labels, n_labels))
		prom_printf(b, " %llu\n", (unsigned long long)value);
}

void prom_f64(struct prom_buf *b, const char *name, const struct prom_label *labels, unsigned n_labels,
	      double value)
{
	if (!sample_head(b, name, labels, n_labels))
		return;
	if (isnan(value))
		append_str(b, " NaN\n");
	else if (isinf(value))
		append_str(b, value > 0 ? " +Inf\n" : " -Inf\n");
	else {
		/* Shortest of 15 or 17 digits that reads back exactly. */
		char tmp[40];

		snprintf(tmp, sizeof(tmp), "%.15g", value);
		if (strtod(tmp, NULL) != value)
			snprintf(tmp, sizeof(tmp), "%.17g", value);
		prom_printf(b, " %s\n", tmp);
	}
}
