/*
 * policy_store.c - versioned firewall policy: open / edit / validate /
 * commit, history. The YAML side is policy_yaml.c, the blocklist blocklist.c.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "ctrlplane/common/state_file.h"
#include "ctrlplane/policy/policy_internal.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/policy/policy.h"

int policy_store_eal_init(char *err, size_t errlen)
{
	static int state; /* 0 not tried, 1 up, -1 failed */
	/* No hugepages and no shared files: the daemon only builds policies
	 * to validate them, and must never collide with a data plane's EAL.
	 * 256 MB: one policy's IPv4 rte_lpm alone takes 64 MB. */
	char *argv[] = { "rampartd", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=error", "-l", "0", NULL };
	cpu_set_t saved;
	bool have_saved;

	if (state == 1)
		return 0;
	if (state == -1) {
		snprintf(err, errlen, "DPDK EAL: initialisation failed earlier");
		return -1;
	}
	/* rte_eal_init pins the calling thread to lcore 0; the daemon's
	 * threads keep the affinity they had. */
	have_saved = sched_getaffinity(0, sizeof(saved), &saved) == 0;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		state = -1;
		snprintf(err, errlen, "DPDK EAL: rte_eal_init failed (%s)", strerror(rte_errno));
		return -1;
	}
	if (have_saved)
		sched_setaffinity(0, sizeof(saved), &saved);
	state = 1;
	return 0;
}

/* policy_internal.h's names for the shared state-file helpers (blocklist.c
 * writes through them). */
int policy_write_atomic(const char *path, const void *data, size_t len)
{
	return state_file_write_atomic(path, data, len);
}

char *policy_read_file(const char *path, size_t *len)
{
	return state_file_read(path, len);
}

static char *store_path(const struct policy_store *s, const char *fmt, unsigned v)
{
	char rel[64], *p;

	snprintf(rel, sizeof(rel), fmt, v);
	return asprintf(&p, "%s/%s", s->state_dir, rel) < 0 ? NULL : p;
}

/* "policy:12: firewall.rules[1] (x): ..." -> "firewall.rules[1] (x): ...":
 * the line is in the rendered text, which the operator never sees. */
static void strip_location(char *msg, const char *name)
{
	size_t n = strlen(name);
	char *p = msg + n;

	if (strncmp(msg, name, n) != 0 || *p != ':')
		return;
	p++;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] == ':' && p[1] == ' ')
		memmove(msg, p + 2, strlen(p + 2) + 1);
}

static int validate_once(const struct policy_store *s, const json_t *firewall, const json_t *blocklist,
			 char *err, size_t errlen)
{
	struct engine_config cfg;
	struct fw_policy *pol;
	size_t len;
	char *text = policy_render_dataplane(s->extras, firewall, blocklist, &len);
	int rc = -1;

	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	engine_config_init(&cfg);
	if (engine_config_load_string(&cfg, text, len, "policy", err, errlen) != 0) {
		strip_location(err, "policy");
		goto out;
	}
	if (policy_store_eal_init(err, errlen) != 0)
		goto out;
	pol = fw_policy_build(&cfg, NULL, err, errlen);
	if (pol) {
		fw_policy_free(pol);
		rc = 0;
	}
out:
	engine_config_free(&cfg);
	free(text);
	return rc;
}

int policy_validate(const struct policy_store *s, const json_t *firewall, const json_t *blocklist,
		    char *err, size_t errlen)
{
	char why[512];

	if (!json_is_object(firewall)) {
		snprintf(err, errlen, "firewall: expected a mapping");
		return -1;
	}
	/* first as the operator wrote it (rule indexes are theirs), then as
	 * the data plane gets it */
	if (validate_once(s, firewall, NULL, err, errlen) != 0)
		return -1;
	if (json_array_size(blocklist) && validate_once(s, firewall, blocklist, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "with the blocklist: %s", why);
		return -1;
	}
	return 0;
}

static void iso_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Write vN.yaml, history.json, then current (the commit point). */
static int write_version(struct policy_store *s, uint32_t v, const json_t *firewall, json_t *history,
			 char *err, size_t errlen)
{
	size_t len;
	char *text = policy_render_firewall(firewall, &len);
	char *hist = json_dumps(history, JSON_INDENT(2));
	char *path = NULL, num[24];
	int rc = -1;

	if (!text || !hist) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	path = store_path(s, "policy/v%u.yaml", v);
	if (!path || state_file_write_atomic(path, text, len) != 0)
		goto io;
	free(path);
	path = store_path(s, "policy/history.json", 0);
	if (!path || state_file_write_atomic(path, hist, strlen(hist)) != 0)
		goto io;
	free(path);
	path = store_path(s, "policy/current", 0);
	snprintf(num, sizeof(num), "%u\n", v);
	if (!path || state_file_write_atomic(path, num, strlen(num)) != 0)
		goto io;
	rc = 0;
	goto out;
io:
	snprintf(err, errlen, "%s: %s", path ? path : "policy state", strerror(errno));
out:
	free(path);
	free(text);
	free(hist);
	return rc;
}

/* The firewall of stored version v (new reference), or NULL with err. */
static json_t *load_version(const struct policy_store *s, uint32_t v, char *err, size_t errlen)
{
	char *path = store_path(s, "policy/v%u.yaml", v), *text;
	json_t *fw = NULL;
	size_t len;

	text = path ? state_file_read(path, &len) : NULL;
	if (!text) {
		snprintf(err, errlen, "policy version %u: %s", v, path ? strerror(errno) : "out of memory");
		free(path);
		return NULL;
	}
	if (policy_yaml_read(text, len, path, &fw, NULL, err, errlen) == 0 && !fw)
		snprintf(err, errlen, "%s: no firewall section", path);
	free(text);
	free(path);
	return fw;
}

static int load_current(struct policy_store *s, bool *found, char *err, size_t errlen)
{
	char *path = store_path(s, "policy/current", 0), *text, *end;
	unsigned long v;
	json_error_t jerr;

	*found = false;
	text = path ? state_file_read(path, NULL) : NULL;
	if (!text) {
		int e = errno;

		free(path);
		if (e == ENOENT)
			return 0;
		snprintf(err, errlen, "policy/current: %s", strerror(e));
		return -1;
	}
	v = strtoul(text, &end, 10);
	if (end == text || v == 0 || v > UINT32_MAX) {
		snprintf(err, errlen, "%s: expected a version number", path);
		free(text);
		free(path);
		return -1;
	}
	free(text);
	free(path);
	s->version = (uint32_t)v;
	s->firewall = load_version(s, s->version, err, errlen);
	if (!s->firewall)
		return -1;
	path = store_path(s, "policy/history.json", 0);
	s->history = path ? json_load_file(path, 0, &jerr) : NULL;
	free(path);
	if (!json_is_array(s->history)) {
		/* history is informative: a lost file restarts it */
		json_decref(s->history);
		s->history = json_array();
	}
	*found = true;
	return 0;
}

struct policy_store *policy_store_open(const char *config_yaml, size_t len, const char *config_name,
				       const char *state_dir, char *err, size_t errlen)
{
	struct policy_store *s = calloc(1, sizeof(*s));
	json_t *initial = NULL;
	char *dir = NULL, when[32];
	bool found;

	if (!s || !(s->state_dir = strdup(state_dir)) || !(s->config_name = strdup(config_name))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (policy_yaml_read(config_yaml, len, config_name, &initial, &s->extras, err, errlen) != 0)
		goto fail;
	if (state_file_mkdir_p(state_dir, err, errlen) != 0)
		goto fail;
	if (asprintf(&dir, "%s/policy", state_dir) < 0) {
		dir = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (state_file_mkdir_p(dir, err, errlen) != 0 || policy_blocklist_load(s, err, errlen) != 0 ||
	    load_current(s, &found, err, errlen) != 0)
		goto fail;
	if (!found) {
		if (!initial || json_is_null(initial))
			initial = json_pack("{s:s, s:[]}", "default-action", "allow", "rules");
		iso_time(time(NULL), when, sizeof(when));
		s->history = json_pack("[{s:i, s:s, s:s+}]", "version", 1, "time", when, "summary",
				       "initial policy from ", config_name);
		if (!initial || !s->history) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (policy_validate(s, initial, s->blocklist, err, errlen) != 0 ||
		    write_version(s, 1, initial, s->history, err, errlen) != 0)
			goto fail;
		s->version = 1;
		s->firewall = initial;
		initial = NULL;
	}
	json_decref(initial);
	free(dir);
	return s;
fail:
	json_decref(initial);
	free(dir);
	policy_store_free(s);
	return NULL;
}

struct policy_store *policy_store_open_file(const char *config_path, const char *state_dir,
					    char *err, size_t errlen)
{
	size_t len;
	char *text = state_file_read(config_path, &len);
	struct policy_store *s;

	if (!text) {
		snprintf(err, errlen, "%s: %s", config_path, strerror(errno));
		return NULL;
	}
	s = policy_store_open(text, len, config_path, state_dir, err, errlen);
	free(text);
	return s;
}

void policy_store_free(struct policy_store *s)
{
	if (!s)
		return;
	free(s->state_dir);
	free(s->config_name);
	json_decref(s->extras);
	json_decref(s->firewall);
	json_decref(s->history);
	json_decref(s->blocklist);
	free(s);
}

uint32_t policy_store_version(const struct policy_store *s)
{
	return s->version;
}

static ssize_t rule_index(const json_t *rules, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(rules, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));

		if (n && strcmp(n, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/* The candidate's rules array (created when the section has none). */
static json_t *rules_of(json_t *fw)
{
	json_t *rules = json_object_get(fw, "rules");

	if (!json_is_array(rules)) {
		rules = json_array();
		json_object_set_new(fw, "rules", rules);
	}
	return rules;
}

/* Validate fw, then wrap it as a candidate (takes fw and summary). */
static int make_candidate(struct policy_store *s, json_t *fw, char *summary, struct policy_candidate **out,
			  char *err, size_t errlen)
{
	struct policy_candidate *c = NULL;

	*out = NULL;
	if (!fw || !summary) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (policy_validate(s, fw, s->blocklist, err, errlen) != 0)
		goto fail;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	c->firewall = fw;
	c->summary = summary;
	*out = c;
	return 0;
fail:
	json_decref(fw);
	free(summary);
	return -1;
}

static void set_opt(json_t *rule, const char *key, const char *value)
{
	if (value && *value)
		json_object_set_new(rule, key, json_string(value));
}

int policy_store_add(struct policy_store *s, const struct policy_rule_spec *spec, unsigned position,
		     struct policy_candidate **out, char *err, size_t errlen)
{
	json_t *fw, *rules, *rule;
	size_t n;
	char *summary;

	*out = NULL;
	if (!spec->name || !*spec->name) {
		snprintf(err, errlen, "policy add: --name is required");
		return -1;
	}
	if (strncmp(spec->name, "rampart-", 8) == 0) {
		snprintf(err, errlen, "policy add: names starting with 'rampart-' are reserved (%s)", spec->name);
		return -1;
	}
	if (!spec->action || (strcmp(spec->action, "allow") && strcmp(spec->action, "deny") &&
			      strcmp(spec->action, "reject"))) {
		snprintf(err, errlen, "policy add: --action must be allow, deny or reject");
		return -1;
	}
	n = json_array_size(json_object_get(s->firewall, "rules"));
	if (rule_index(json_object_get(s->firewall, "rules"), spec->name) >= 0) {
		snprintf(err, errlen, "policy add: a rule named '%s' exists", spec->name);
		return -1;
	}
	if (position > n + 1) {
		snprintf(err, errlen, "policy add: --position %u out of range 1..%zu", position, n + 1);
		return -1;
	}
	if (position == 0)
		position = (unsigned)n + 1;
	fw = json_deep_copy(s->firewall);
	rules = fw ? rules_of(fw) : NULL;
	rule = json_object();
	if (!rules || !rule) {
		json_decref(fw);
		json_decref(rule);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	set_opt(rule, "name", spec->name);
	set_opt(rule, "ingress", spec->ingress);
	set_opt(rule, "proto", spec->proto);
	set_opt(rule, "src", spec->src);
	set_opt(rule, "dst", spec->dst);
	set_opt(rule, "src-port", spec->src_port);
	set_opt(rule, "dst-port", spec->dst_port);
	set_opt(rule, "action", spec->action);
	if (spec->log)
		set_opt(rule, "log", "true");
	json_array_insert_new(rules, position - 1, rule);
	if (asprintf(&summary, "add rule %s at position %u", spec->name, position) < 0)
		summary = NULL;
	return make_candidate(s, fw, summary, out, err, errlen);
}

int policy_store_remove(struct policy_store *s, const char *name, struct policy_candidate **out,
			char *err, size_t errlen)
{
	ssize_t at = rule_index(json_object_get(s->firewall, "rules"), name ? name : "");
	json_t *fw;
	char *summary;

	*out = NULL;
	if (at < 0) {
		snprintf(err, errlen, "policy remove: no rule named '%s'", name ? name : "");
		return -1;
	}
	fw = json_deep_copy(s->firewall);
	if (fw)
		json_array_remove(rules_of(fw), (size_t)at);
	if (asprintf(&summary, "remove rule %s (was at position %zd)", name, at + 1) < 0)
		summary = NULL;
	return make_candidate(s, fw, summary, out, err, errlen);
}

int policy_store_move(struct policy_store *s, const char *name, unsigned position,
		      struct policy_candidate **out, char *err, size_t errlen)
{
	const json_t *cur_rules = json_object_get(s->firewall, "rules");
	ssize_t at = rule_index(cur_rules, name ? name : "");
	size_t n = json_array_size(cur_rules);
	json_t *fw, *rules, *rule;
	char *summary;

	*out = NULL;
	if (at < 0) {
		snprintf(err, errlen, "policy move: no rule named '%s'", name ? name : "");
		return -1;
	}
	if (position < 1 || position > n) {
		snprintf(err, errlen, "policy move: --position %u out of range 1..%zu", position, n);
		return -1;
	}
	fw = json_deep_copy(s->firewall);
	if (fw) {
		rules = rules_of(fw);
		rule = json_incref(json_array_get(rules, (size_t)at));
		json_array_remove(rules, (size_t)at);
		json_array_insert_new(rules, position - 1, rule);
	}
	if (asprintf(&summary, "move rule %s from position %zd to %u", name, at + 1, position) < 0)
		summary = NULL;
	return make_candidate(s, fw, summary, out, err, errlen);
}

int policy_store_rollback(struct policy_store *s, uint32_t version, struct policy_candidate **out,
			  char *err, size_t errlen)
{
	json_t *fw;
	char *summary;

	*out = NULL;
	if (version == 0) {
		if (s->version < 2) {
			snprintf(err, errlen, "policy rollback: version %u is the first, nothing before it",
				 s->version);
			return -1;
		}
		version = s->version - 1;
	}
	if (version > s->version) {
		snprintf(err, errlen, "policy rollback: no version %u (current is %u)", version, s->version);
		return -1;
	}
	fw = load_version(s, version, err, errlen);
	if (!fw)
		return -1;
	if (asprintf(&summary, "rollback to version %u", version) < 0)
		summary = NULL;
	return make_candidate(s, fw, summary, out, err, errlen);
}

int policy_candidate_render_dataplane(const struct policy_store *s, const struct policy_candidate *c,
				      char **yaml, size_t *len)
{
	*yaml = policy_render_dataplane(s->extras, c->firewall, s->blocklist, len);
	return *yaml ? 0 : -1;
}

const char *policy_candidate_summary(const struct policy_candidate *c)
{
	return c->summary;
}

void policy_candidate_free(struct policy_candidate *c)
{
	if (!c)
		return;
	json_decref(c->firewall);
	free(c->summary);
	free(c);
}

uint32_t policy_store_commit(struct policy_store *s, struct policy_candidate *c, char *err, size_t errlen)
{
	uint32_t v = s->version + 1;
	json_t *history = json_deep_copy(s->history);
	char when[32];

	iso_time(time(NULL), when, sizeof(when));
	if (!history || json_array_append_new(history, json_pack("{s:i, s:s, s:s}", "version", (int)v, "time",
								 when, "summary", c->summary)) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (write_version(s, v, c->firewall, history, err, errlen) != 0)
		goto fail;
	json_decref(s->history);
	s->history = history;
	json_decref(s->firewall);
	s->firewall = json_incref(c->firewall);
	s->version = v;
	policy_candidate_free(c);
	return v;
fail:
	json_decref(history);
	policy_candidate_free(c);
	return 0;
}

int policy_store_render_dataplane(const struct policy_store *s, char **yaml, size_t *len)
{
	*yaml = policy_render_dataplane(s->extras, s->firewall, s->blocklist, len);
	return *yaml ? 0 : -1;
}

char *policy_store_render_version(const struct policy_store *s, uint32_t version)
{
	char *path, *text;

	if (version == 0 || version == s->version)
		return policy_render_firewall(s->firewall, NULL);
	if (version > s->version)
		return NULL;
	path = store_path(s, "policy/v%u.yaml", version);
	text = path ? state_file_read(path, NULL) : NULL;
	free(path);
	return text;
}

json_t *policy_store_list(const struct policy_store *s)
{
	json_t *out = json_deep_copy(s->firewall);

	if (!json_is_object(out)) {
		json_decref(out);
		out = json_object();
	}
	if (out) {
		json_object_set_new(out, "version", json_integer(s->version));
		json_object_set_new(out, "blocklist", json_integer((json_int_t)json_array_size(s->blocklist)));
		if (!json_object_get(out, "rules"))
			json_object_set_new(out, "rules", json_array());
	}
	return out;
}

json_t *policy_store_history(const struct policy_store *s)
{
	return json_deep_copy(s->history);
}
