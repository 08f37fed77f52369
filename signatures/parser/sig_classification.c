/*
 * sig_classification.c - classification.config: classtype name ->
 * description and default priority.
 *
 * Format, one per line: "config classification: name,description,priority";
 * '#' comments and blank lines are skipped. A malformed line fails the load
 * with its line number: a half-read table would silently change priorities.
 */
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

struct sig_class {
	char *name, *description;
	unsigned priority;
};

struct sig_classifications {
	struct sig_class *v;
	size_t n, cap;
};

static int class_add(struct sig_classifications *c, const char *name, const char *desc, unsigned prio)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].name, name) == 0) { /* later definition wins */
			char *d = sig_strdup(desc);
			if (!d)
				return -1;
			free(c->v[i].description);
			c->v[i].description = d;
			c->v[i].priority = prio;
			return 0;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct sig_class *nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		c->v = nv;
		c->cap = cap;
	}
	struct sig_class *e = &c->v[c->n];
	e->name = sig_strdup(name);
	e->description = sig_strdup(desc);
	e->priority = prio;
	if (!e->name || !e->description) {
		free(e->name);
		free(e->description);
		return -1;
	}
	c->n++;
	return 0;
}

struct sig_classifications *sig_classifications_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	struct sig_classifications *c = calloc(1, sizeof(*c));
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = sig_trim(line);
		if (!*s || *s == '#')
			continue;
		static const char prefix[] = "config classification:";
		if (strncmp(s, prefix, sizeof(prefix) - 1) != 0) {
			snprintf(err, errlen, "%s:%u: expected 'config classification:'", path, lineno);
			goto fail;
		}
		char *parts[4];
		size_t n = sig_split_commas(s + sizeof(prefix) - 1, parts, 4);
		uint32_t prio;
		if (n != 3 || !parts[0][0] || !sig_parse_u32(parts[2], &prio) || prio == 0 || prio > 255) {
			snprintf(err, errlen, "%s:%u: expected 'name,description,priority'", path, lineno);
			goto fail;
		}
		if (class_add(c, parts[0], parts[1], prio)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	free(line);
	fclose(f);
	return c;
fail:
	free(line);
	fclose(f);
	sig_classifications_free(c);
	return NULL;
}

int sig_classifications_find(const struct sig_classifications *c, const char *name,
			     const char **description, unsigned *priority)
{
	if (!c)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].name, name) == 0) {
			if (description)
				*description = c->v[i].description;
			if (priority)
				*priority = c->v[i].priority;
			return 0;
		}
	}
	return -1;
}

size_t sig_classifications_count(const struct sig_classifications *c)
{
	return c ? c->n : 0;
}

void sig_classifications_free(struct sig_classifications *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].description);
	}
	free(c->v);
	free(c);
}
