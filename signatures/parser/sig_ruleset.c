/*
 * sig_ruleset.c - rule files and directories into a rule set: line joining,
 * comments, duplicate gid:sid detection, the loading summary.
 *
 * struct sig_ruleset (rule.h) has no capacity fields, so its arrays grow by
 * an implicit rule: capacity 16, doubled whenever the count reaches a power
 * of two (grow_needed below).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "signatures/parser/sig_parser_internal.h"

static bool grow_needed(size_t n)
{
	return n == 0 || (n >= 16 && (n & (n - 1)) == 0);
}

static void *grow(void *v, size_t n, size_t elem)
{
	if (!grow_needed(n))
		return v;
	return realloc(v, (n ? n * 2 : 16) * elem);
}

struct sig_ruleset *sig_ruleset_new(void)
{
	return calloc(1, sizeof(struct sig_ruleset));
}

void sig_ruleset_free(struct sig_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_rules; i++)
		sig_rule_free(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->n_errors; i++)
		sig_load_error_free(&rs->errors[i]);
	free(rs->errors);
	for (size_t i = 0; i < rs->n_flowbits; i++)
		free(rs->flowbit_names[i]);
	free(rs->flowbit_names);
	sig_threshold_config_free(rs);
	free(rs);
}

/* ---- gid:sid index for duplicate detection (rebuilt per load call) ---- */

struct sid_index {
	uint64_t *keys;  /* (gid << 32 | sid) + 1; 0 = empty */
	size_t *rule;    /* index in rs->rules */
	size_t cap, n;
};

static uint64_t sid_key(const struct sig_rule *r)
{
	return (((uint64_t)r->gid << 32) | r->sid) + 1;
}

static size_t sid_slot(const struct sid_index *ix, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 20) & (ix->cap - 1);
	while (ix->keys[i] && ix->keys[i] != key)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

static int sid_index_put(struct sid_index *ix, uint64_t key, size_t rule);

static int sid_index_grow(struct sid_index *ix)
{
	struct sid_index old = *ix;
	ix->cap = old.cap ? old.cap * 2 : 1024;
	ix->n = 0;
	ix->keys = calloc(ix->cap, sizeof(*ix->keys));
	ix->rule = calloc(ix->cap, sizeof(*ix->rule));
	if (!ix->keys || !ix->rule) {
		free(ix->keys);
		free(ix->rule);
		*ix = old;
		return -1;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			sid_index_put(ix, old.keys[i], old.rule[i]);
	free(old.keys);
	free(old.rule);
	return 0;
}

static int sid_index_put(struct sid_index *ix, uint64_t key, size_t rule)
{
	if ((ix->n + 1) * 2 > ix->cap && sid_index_grow(ix))
		return -1;
	size_t i = sid_slot(ix, key);
	if (!ix->keys[i])
		ix->n++;
	ix->keys[i] = key;
	ix->rule[i] = rule;
	return 0;
}

/* Index of an earlier rule with the same gid:sid, or -1. */
static long sid_index_get(const struct sid_index *ix, uint64_t key)
{
	if (!ix->cap)
		return -1;
	size_t i = sid_slot(ix, key);
	return ix->keys[i] ? (long)ix->rule[i] : -1;
}

/* ---- loading ---- */

struct loader {
	struct sig_ruleset *rs;
	const struct sig_load_options *opt;
	struct sid_index sids;
};

static void add_error(struct sig_ruleset *rs, const char *file, uint32_t line, const char *keyword,
		      const char *reason)
{
	struct sig_load_error *nv = grow(rs->errors, rs->n_errors, sizeof(*nv));
	if (!nv)
		return;
	rs->errors = nv;
	struct sig_load_error *e = &nv[rs->n_errors++];
	e->file = sig_strdup(file);
	e->line = line;
	e->keyword = keyword ? sig_strdup(keyword) : NULL;
	e->reason = sig_strdup(reason);
}

static void load_one_rule(struct loader *ld, const char *text, const char *file, uint32_t line)
{
	struct sig_ruleset *rs = ld->rs;
	struct sig_rule r;
	struct sig_load_error e;
	rs->n_read++;
	if (sig_parse_rule(text, ld->opt, rs, &r, &e) != 0) {
		e.file = sig_strdup(file);
		e.line = line;
		struct sig_load_error *nv = grow(rs->errors, rs->n_errors, sizeof(*nv));
		if (!nv) {
			sig_load_error_free(&e);
			return;
		}
		rs->errors = nv;
		nv[rs->n_errors++] = e;
		return;
	}
	r.file = sig_strdup(file);
	r.line = line;
	long prev = sid_index_get(&ld->sids, sid_key(&r));
	if (prev >= 0) {
		char reason[512];
		const struct sig_rule *p = &rs->rules[prev];
		snprintf(reason, sizeof(reason), "duplicate sid %u (gid %u): first loaded at %s:%u", r.sid, r.gid,
			 p->file ? p->file : "?", p->line);
		add_error(rs, file, line, "sid", reason);
		sig_rule_free(&r);
		return;
	}
	struct sig_rule *nv = grow(rs->rules, rs->n_rules, sizeof(*nv));
	if (!nv) {
		add_error(rs, file, line, NULL, "out of memory");
		sig_rule_free(&r);
		return;
	}
	rs->rules = nv;
	nv[rs->n_rules] = r;
	sid_index_put(&ld->sids, sid_key(&r), rs->n_rules);
	rs->n_rules++;
	if (r.active)
		rs->n_active++;
}

/* The line that ends the rules of a text and starts its threshold.config part
 * (rampartd's bundle, see sig_parser.h). */
static bool is_threshold_marker(const char *s)
{
	static const char marker[] = "# rampart: threshold.config";
	size_t n = sizeof(marker) - 1;
	return strncmp(s, marker, n) == 0 && s[n + strspn(s + n, " \t")] == '\0';
}

/* Append line (n bytes) and a newline to the growing buffer *buf. */
static int append_line(char **buf, size_t *len, size_t *cap, const char *line, size_t n)
{
	if (*len + n + 2 > *cap) {
		size_t nc = (*len + n + 2) * 2;
		char *nb = realloc(*buf, nc);
		if (!nb)
			return -1;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, line, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
	return 0;
}

/* Read rules from f; `name` is the file name for rules and errors. The one
 * reader behind sig_ruleset_load_path and sig_ruleset_load_buffer. */
static void load_stream(struct loader *ld, FILE *f, const char *name)
{
	char *line = NULL, *rule = NULL, *thresholds = NULL;
	size_t cap = 0, rule_len = 0, rule_cap = 0, th_len = 0, th_cap = 0;
	uint32_t lineno = 0, rule_line = 0, th_line = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		lineno++;
		size_t n = (size_t)got;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (th_line) {
			if (append_line(&thresholds, &th_len, &th_cap, line, n)) {
				add_error(ld->rs, name, lineno, "threshold.config", "out of memory");
				break;
			}
			continue;
		}
		if (rule_len == 0) {
			const char *s = line + strspn(line, " \t");
			if (is_threshold_marker(s)) {
				th_line = lineno + 1;
				continue;
			}
			if (!*s || *s == '#')
				continue; /* blank, comment, or disabled rule: not read */
			rule_line = lineno;
		}
		bool more = n && line[n - 1] == '\\';
		if (more)
			line[--n] = '\0';
		if (rule_len + n + 1 > rule_cap) {
			size_t nc = (rule_len + n + 1) * 2;
			char *nr = realloc(rule, nc);
			if (!nr) {
				add_error(ld->rs, name, rule_line, NULL, "out of memory");
				break;
			}
			rule = nr;
			rule_cap = nc;
		}
		memcpy(rule + rule_len, line, n + 1);
		rule_len += n;
		if (more)
			continue;
		load_one_rule(ld, rule, name, rule_line);
		rule_len = 0;
	}
	if (rule_len) /* text ended inside a continued rule */
		load_one_rule(ld, rule, name, rule_line);
	if (th_line && th_len) {
		char err[256];
		if (sig_threshold_config_apply_at(ld->rs, thresholds, th_len, name, th_line,
						  ld->opt ? ld->opt->vars : NULL, err, sizeof(err)) < 0)
			add_error(ld->rs, name, th_line, "threshold.config", err);
	}
	free(thresholds);
	free(line);
	free(rule);
}

static int load_file(struct loader *ld, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	load_stream(ld, f, path);
	fclose(f);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct loader *ld, const char *path, char *err, size_t errlen)
{
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".rules") != 0 || de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nv = realloc(names, cap * sizeof(*nv));
			if (!nv)
				break;
			names = nv;
		}
		if (!(names[n] = malloc(strlen(path) + len + 2)))
			break;
		sprintf(names[n++], "%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (load_file(ld, names[i]))
			add_error(ld->rs, names[i], 0, NULL, strerror(errno));
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Index the rules already in rs (duplicates across load calls) and start the clock. */
static void loader_begin(struct loader *ld, struct sig_ruleset *rs, const struct sig_load_options *opt,
			 struct timespec *t0)
{
	clock_gettime(CLOCK_MONOTONIC, t0);
	*ld = (struct loader){ .rs = rs, .opt = opt };
	for (size_t i = 0; i < rs->n_rules; i++)
		sid_index_put(&ld->sids, sid_key(&rs->rules[i]), i);
}

static void loader_end(struct loader *ld, const struct timespec *t0)
{
	struct timespec t1;
	free(ld->sids.keys);
	free(ld->sids.rule);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ld->rs->load_seconds += (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int sig_ruleset_load_path(struct sig_ruleset *rs, const char *path, const struct sig_load_options *opt,
			  char *err, size_t errlen)
{
	struct timespec t0;
	struct loader ld;
	loader_begin(&ld, rs, opt, &t0);
	struct stat st;
	int rc = 0;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	} else if (S_ISDIR(st.st_mode)) {
		rc = load_dir(&ld, path, err, errlen);
	} else if (load_file(&ld, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	loader_end(&ld, &t0);
	return rc;
}

int sig_ruleset_load_buffer(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
			    const struct sig_load_options *opt, char *err, size_t errlen)
{
	if (!rs || !name || (!text && len)) {
		snprintf(err, errlen, "sig_ruleset_load_buffer: %s", !rs ? "no rule set" : !name ? "no name" : "no text");
		return -1;
	}
	if (len == 0)
		return 0; /* an empty file: nothing read */
	/* fmemopen reads the caller's bytes in place ("r" never writes them). */
	FILE *f = fmemopen((void *)text, len, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	struct timespec t0;
	struct loader ld;
	loader_begin(&ld, rs, opt, &t0);
	load_stream(&ld, f, name);
	loader_end(&ld, &t0);
	fclose(f);
	return 0;
}

/* ---- reporting ---- */

struct reason_count {
	const char *text;
	size_t count;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int count_cmp(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* Print "  reason  count" lines for strs[0..n), most frequent first. */
static void print_grouped(FILE *out, const char **strs, size_t n)
{
	if (!n)
		return;
	qsort(strs, n, sizeof(*strs), str_cmp);
	struct reason_count *g = malloc(n * sizeof(*g));
	if (!g)
		return;
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		if (ng && strcmp(g[ng - 1].text, strs[i]) == 0)
			g[ng - 1].count++;
		else
			g[ng++] = (struct reason_count){ strs[i], 1 };
	}
	qsort(g, ng, sizeof(*g), count_cmp);
	for (size_t i = 0; i < ng; i++)
		fprintf(out, "  %7zu  %s\n", g[i].count, g[i].text);
	free(g);
}

void sig_ruleset_print_summary(const struct sig_ruleset *rs, FILE *out)
{
	size_t n_inactive = rs->n_rules - rs->n_active;
	fprintf(out, "rules read:     %zu\n", rs->n_read);
	fprintf(out, "loaded:         %zu\n", rs->n_rules);
	fprintf(out, "  active:       %zu\n", rs->n_active);
	fprintf(out, "  inactive:     %zu\n", n_inactive);
	const char **strs = malloc((rs->n_rules + rs->n_errors + 1) * sizeof(*strs));
	char **owned = calloc(rs->n_errors + 1, sizeof(*owned));
	if (strs && owned) {
		size_t n = 0;
		for (size_t i = 0; i < rs->n_rules; i++)
			if (!rs->rules[i].active && rs->rules[i].inactive_reason)
				strs[n++] = rs->rules[i].inactive_reason;
		if (n)
			fprintf(out, "inactive by reason:\n");
		print_grouped(out, strs, n);
		fprintf(out, "rejected:       %zu\n", rs->n_errors);
		n = 0;
		for (size_t i = 0; i < rs->n_errors; i++) {
			const struct sig_load_error *e = &rs->errors[i];
			const char *reason = e->reason ? e->reason : "?";
			/* Group duplicate sids together; their text names each sid. */
			if (strncmp(reason, "duplicate sid", 13) == 0)
				reason = "duplicate sid";
			size_t len = strlen(reason) + (e->keyword ? strlen(e->keyword) : 1) + 3;
			if (!(owned[i] = malloc(len)))
				continue;
			snprintf(owned[i], len, "%s: %s", e->keyword ? e->keyword : "-", reason);
			strs[n++] = owned[i];
		}
		if (n)
			fprintf(out, "rejected by reason:\n");
		print_grouped(out, strs, n);
		for (size_t i = 0; i < rs->n_errors; i++)
			free(owned[i]);
	}
	free(strs);
	free(owned);
	if (rs->n_threshold_applied || rs->n_threshold_errors)
		fprintf(out, "threshold.config: %zu applied, %zu refused\n", rs->n_threshold_applied,
			rs->n_threshold_errors);
	fprintf(out, "flowbits:       %zu\n", rs->n_flowbits);
	fprintf(out, "load time:      %.3f s\n", rs->load_seconds);
}

static void print_error_list(const struct sig_load_error *errors, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct sig_load_error *e = &errors[i];
		fprintf(out, "%s:%u: %s: %s\n", e->file ? e->file : "?", e->line, e->keyword ? e->keyword : "-",
			e->reason ? e->reason : "?");
	}
}

void sig_ruleset_print_errors(const struct sig_ruleset *rs, FILE *out)
{
	print_error_list(rs->errors, rs->n_errors, out);
	print_error_list(rs->threshold_errors, rs->n_threshold_errors, out);
}
