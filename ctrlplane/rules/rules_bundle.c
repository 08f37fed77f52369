/*
 * rules_bundle.c - rule files + toggles -> the bundle text, with the origin
 * (file, line) of every bundle line so rejections name the original place.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctrlplane/rules/rules_internal.h"

/* Suricata's rule actions: a commented line starting with one of them and
 * carrying a sid is a disabled rule, anything else is a comment. */
static const char *const rule_actions[] = { "alert", "drop", "reject", "rejectsrc", "rejectdst",
					    "rejectboth", "pass", "log", NULL };

static int append(struct rules_bundle *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->text, cap);
		if (!grown)
			return -1;
		b->text = grown;
		b->cap = cap;
	}
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
	return 0;
}

static bool starts_with_action(const char *s)
{
	for (size_t i = 0; rule_actions[i]; i++) {
		size_t n = strlen(rule_actions[i]);

		if (strncmp(s, rule_actions[i], n) == 0 && (s[n] == ' ' || s[n] == '\t'))
			return true;
	}
	return false;
}

/* Copy the option value text of one option ("classtype: x" -> "x"). */
static void option_value(const char *v, size_t n, char *out, size_t cap)
{
	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

void rules_meta_scan(const char *rule, struct rules_meta *meta)
{
	const char *p = strchr(rule, '(');

	meta->gid = 1;
	meta->sid = 0;
	meta->classtype[0] = '\0';
	if (!p)
		return;
	p++;
	while (*p) {
		const char *start, *colon = NULL;
		bool quoted = false;
		char key[32], val[128];
		size_t klen;

		while (isspace((unsigned char)*p))
			p++;
		start = p;
		/* an option ends at an unquoted, unescaped ';' */
		for (; *p && (*p != ';' || quoted); p++) {
			if (*p == '\\' && p[1]) {
				p++;
				continue;
			}
			if (*p == '"')
				quoted = !quoted;
			else if (*p == ':' && !colon && !quoted)
				colon = p;
		}
		if (!*p)
			return;
		if (colon) {
			klen = (size_t)(colon - start);
			option_value(start, klen, key, sizeof(key));
			option_value(colon + 1, (size_t)(p - colon - 1), val, sizeof(val));
			if (strcmp(key, "sid") == 0)
				meta->sid = (uint32_t)strtoul(val, NULL, 10);
			else if (strcmp(key, "gid") == 0)
				meta->gid = (uint32_t)strtoul(val, NULL, 10);
			else if (strcmp(key, "classtype") == 0)
				snprintf(meta->classtype, sizeof(meta->classtype), "%s", val);
		}
		p++;
	}
}

/* Strip the trailing newline / CR; returns the new length. */
static size_t chomp(char *line, size_t n)
{
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return n;
}

/* One logical line (continuations joined) of a rules file: a rule that the
 * file enables, a rule it comments out, or something else (skipped). */
static int bundle_file(const struct rules_mgr *m, struct rules_bundle *b, const char *path,
		       char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *logical = NULL;
	size_t cap = 0, lcap = 0, llen = 0;
	ssize_t n;
	uint32_t lineno = 0, start_line = 0;
	bool continuing = false, commented = false;
	const char *category = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *file_ref;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	file_ref = b->files[b->n_files - 1];
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = chomp(line, (size_t)n);
		const char *piece = line;
		bool more;

		lineno++;
		if (!continuing) {
			const char *s = line;

			while (isspace((unsigned char)*s))
				s++;
			commented = false;
			if (*s == '#') {
				while (*s == '#' || isspace((unsigned char)*s))
					s++;
				if (!starts_with_action(s))
					continue; /* a plain comment */
				commented = true;
			}
			if (*s == '\0')
				continue;
			piece = s;
			start_line = lineno;
			llen = 0;
		} else if (commented) {
			/* a commented multi-line rule comments every line */
			while (*piece == '#')
				piece++;
		}
		len = strlen(piece);
		more = len && piece[len - 1] == '\\';
		if (more)
			len--;
		if (llen + len + 1 > lcap) {
			char *grown = realloc(logical, lcap = (llen + len + 1) * 2);

			if (!grown) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			logical = grown;
		}
		memcpy(logical + llen, piece, len);
		llen += len;
		logical[llen] = '\0';
		continuing = more;
		if (continuing)
			continue;

		struct rules_meta meta;

		rules_meta_scan(logical, &meta);
		if (commented && meta.sid == 0)
			continue; /* "# alert: see below" and the like */
		while (llen && isspace((unsigned char)logical[llen - 1]))
			logical[--llen] = '\0';
		if (!rules_toggle_decide(&m->toggles, &meta, category, !commented)) {
			b->n_disabled++;
			continue;
		}
		struct rules_origin *grown = realloc(b->origin, (b->n_rules + 1) * sizeof(*b->origin));

		if (!grown || append(b, logical, llen) != 0 || append(b, "\n", 1) != 0) {
			if (grown)
				b->origin = grown;
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		b->origin = grown;
		b->origin[b->n_rules++] = (struct rules_origin){ .file = file_ref, .line = start_line };
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	free(line);
	free(logical);
	fclose(f);
	return rc;
}

static int add_file_name(struct rules_bundle *b, const char *path)
{
	char **grown = realloc(b->files, (b->n_files + 1) * sizeof(*b->files));

	if (!grown)
		return -1;
	b->files = grown;
	b->files[b->n_files] = strdup(path);
	if (!b->files[b->n_files])
		return -1;
	b->n_files++;
	return 0;
}

static int rules_name_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".rules") == 0;
}

/* A rule-files entry: a file, or a directory (every *.rules, sorted). */
static int bundle_entry(const struct rules_mgr *m, struct rules_bundle *b, const char *entry,
			char *err, size_t errlen)
{
	char *path;
	struct stat st;
	int rc = 0;

	if (entry[0] == '/' || !m->default_rule_path)
		path = strdup(entry);
	else if (asprintf(&path, "%s/%s", m->default_rule_path, entry) < 0)
		path = NULL;
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "rule-files: %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int n = scandir(path, &names, rules_name_filter, alphasort);

		if (n < 0) {
			snprintf(err, errlen, "rule-files: %s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			char *file = NULL;

			if (rc == 0) {
				if (asprintf(&file, "%s/%s", path, names[i]->d_name) < 0 ||
				    add_file_name(b, file) != 0) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
				} else {
					rc = bundle_file(m, b, file, err, errlen);
				}
				free(file);
			}
			free(names[i]);
		}
		free(names);
	} else if (add_file_name(b, path) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else {
		rc = bundle_file(m, b, path, err, errlen);
	}
	free(path);
	return rc;
}

static int append_threshold(const char *path, struct rules_bundle *b, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "threshold-file: %s: %s", path, strerror(errno));
		return -1;
	}
	if (append(b, RULES_BUNDLE_THRESHOLD_MARKER "\n", strlen(RULES_BUNDLE_THRESHOLD_MARKER) + 1) != 0)
		rc = -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (append(b, buf, n) != 0)
			rc = -1;
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "threshold-file: %s: read error", path);
		rc = -1;
	} else if (rc != 0) {
		snprintf(err, errlen, "out of memory");
	}
	fclose(f);
	return rc;
}

int rules_bundle_build(const struct rules_mgr *m, struct rules_bundle *b, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	if (append(b, "", 0) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < m->n_rule_files; i++)
		if (bundle_entry(m, b, m->rule_files[i], err, errlen) != 0)
			return -1;
	b->rules_len = b->len;
	if (m->threshold_file && append_threshold(m->threshold_file, b, err, errlen) != 0)
		return -1;
	return 0;
}

void rules_bundle_free(struct rules_bundle *b)
{
	free(b->text);
	free(b->origin);
	for (size_t i = 0; i < b->n_files; i++)
		free(b->files[i]);
	free(b->files);
	memset(b, 0, sizeof(*b));
}
