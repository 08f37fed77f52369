/*
 * rules_mgr.c - the rule manager's state: configuration, persistence of the
 * current bundle / generation / toggles, and the build -> commit cycle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "ctrlplane/common/state_file.h"
#include "ctrlplane/rules/rules_internal.h"

void rules_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	static const char hex[] = "0123456789abcdef";

	SHA256(data, len, md);
	for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* rules_internal.h's name for the shared atomic write. */
int rules_write_atomic(const char *path, const void *data, size_t len)
{
	return state_file_write_atomic(path, data, len);
}

static char *state_path(const struct rules_mgr *m, const char *rel)
{
	char *p;

	return asprintf(&p, "%s/%s", m->state_dir, rel) < 0 ? NULL : p;
}

static int load_state(struct rules_mgr *m, char *err, size_t errlen)
{
	char *path = state_path(m, "rules-toggles.json");
	char *gen_text, *text;
	size_t len;
	int rc;

	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = rules_toggle_load(&m->committed, path, err, errlen);
	free(path);
	if (rc != 0 || rules_toggle_set_copy(&m->toggles, &m->committed) != 0)
		return -1;

	path = state_path(m, "rules/current.rules");
	text = path ? state_file_read(path, &len) : NULL;
	free(path);
	if (!text)
		return 0; /* no bundle committed yet */
	/* the compiled blob is optional: a data plane compiles without it */
	path = state_path(m, "rules/current.hsdb");
	m->cur_hsdb = path ? (uint8_t *)state_file_read(path, &m->cur_hsdb_len) : NULL;
	if (!m->cur_hsdb)
		m->cur_hsdb_len = 0;
	free(path);
	path = state_path(m, "generation");
	gen_text = path ? state_file_read(path, &(size_t){ 0 }) : NULL;
	free(path);
	m->cur_text = text;
	m->cur_len = len;
	rules_sha256_hex(text, len, m->cur_sha);
	m->generation = gen_text ? strtoull(gen_text, NULL, 10) : 1;
	if (m->generation == 0)
		m->generation = 1;
	free(gen_text);
	return 0;
}

struct rules_mgr *rules_mgr_new(const struct rules_mgr_config *cfg, const char *state_dir,
				char *err, size_t errlen)
{
	struct rules_mgr *m = calloc(1, sizeof(*m));
	char *rules_dir = NULL;

	if (!m)
		goto oom;
	m->engine = cfg->engine;
	m->state_dir = strdup(state_dir);
	if (!m->state_dir)
		goto oom;
	if (cfg->default_rule_path && !(m->default_rule_path = strdup(cfg->default_rule_path)))
		goto oom;
	if (cfg->classification_file && !(m->classification_file = strdup(cfg->classification_file)))
		goto oom;
	if (cfg->threshold_file && !(m->threshold_file = strdup(cfg->threshold_file)))
		goto oom;
	if (cfg->n_rule_files) {
		m->rule_files = calloc(cfg->n_rule_files, sizeof(char *));
		if (!m->rule_files)
			goto oom;
		for (; m->n_rule_files < cfg->n_rule_files; m->n_rule_files++)
			if (!(m->rule_files[m->n_rule_files] = strdup(cfg->rule_files[m->n_rule_files])))
				goto oom;
	}
	if (state_file_mkdir_p(state_dir, err, errlen) != 0)
		goto fail;
	if (asprintf(&rules_dir, "%s/rules", state_dir) < 0) {
		rules_dir = NULL;
		goto oom;
	}
	if (state_file_mkdir_p(rules_dir, err, errlen) != 0)
		goto fail;
	free(rules_dir);
	rules_dir = NULL;
	if (load_state(m, err, errlen) != 0)
		goto fail;
	return m;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(rules_dir);
	rules_mgr_free(m);
	return NULL;
}

void rules_mgr_free(struct rules_mgr *m)
{
	if (!m)
		return;
	free(m->default_rule_path);
	for (size_t i = 0; i < m->n_rule_files; i++)
		free(m->rule_files[i]);
	free(m->rule_files);
	free(m->classification_file);
	free(m->threshold_file);
	free(m->state_dir);
	rules_toggle_set_clear(&m->toggles);
	rules_toggle_set_clear(&m->committed);
	free(m->cur_text);
	free(m->cur_hsdb);
	free(m);
}

int rules_mgr_build(struct rules_mgr *m, struct rules_build_result *out, char *err, size_t errlen)
{
	struct rules_bundle b;
	int rc;

	memset(out, 0, sizeof(*out));
	out->rss_kb = out->rss_peak_kb = out->hwm_delta_kb = -1;
	if (rules_bundle_build(m, &b, err, errlen) != 0) {
		rules_bundle_free(&b);
		return -1;
	}
	out->n_files = b.n_files;
	out->n_enabled = b.n_rules;
	out->n_disabled = b.n_disabled;
	rc = rules_validate(m, &b, out, err, errlen);
	out->text = b.text;
	out->len = b.len;
	b.text = NULL;
	rules_sha256_hex(out->text, out->len, out->sha256);
	rules_bundle_free(&b);
	return rc;
}

int rules_mgr_commit(struct rules_mgr *m, struct rules_build_result *res, char *err, size_t errlen)
{
	char *path = NULL, gen[32];
	json_t *doc = NULL;
	char *toggles_text = NULL;
	int rc = -1;

	if (!res->text) {
		snprintf(err, errlen, "nothing to commit");
		return -1;
	}
	doc = json_pack("{s:i, s:o}", "version", 1, "toggles", rules_toggle_to_json(&m->toggles));
	toggles_text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	if (!toggles_text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* the blob first: a crash between the two leaves a stale blob, which
	 * only costs the data plane a compile (its keys no longer match) */
	path = state_path(m, "rules/current.hsdb");
	if (path && !res->hsdb && unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!path || (res->hsdb && state_file_write_atomic(path, res->hsdb, res->hsdb_len) != 0)) {
		snprintf(err, errlen, "%s: %s", path ? path : "state", strerror(errno));
		goto out;
	}
	free(path);
	path = state_path(m, "rules/current.rules");
	if (!path || state_file_write_atomic(path, res->text, res->len) != 0) {
		snprintf(err, errlen, "%s: %s", path ? path : "state", strerror(errno));
		goto out;
	}
	free(path);
	snprintf(gen, sizeof(gen), "%" PRIu64 "\n", m->generation + 1);
	path = state_path(m, "generation");
	if (!path || state_file_write_atomic(path, gen, strlen(gen)) != 0) {
		snprintf(err, errlen, "%s: %s", path ? path : "state", strerror(errno));
		goto out;
	}
	free(path);
	path = state_path(m, "rules-toggles.json");
	if (!path || state_file_write_atomic(path, toggles_text, strlen(toggles_text)) != 0) {
		snprintf(err, errlen, "%s: %s", path ? path : "state", strerror(errno));
		goto out;
	}
	if (rules_toggle_set_copy(&m->committed, &m->toggles) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	free(m->cur_text);
	m->cur_text = res->text;
	m->cur_len = res->len;
	memcpy(m->cur_sha, res->sha256, sizeof(m->cur_sha));
	res->text = NULL;
	free(m->cur_hsdb);
	m->cur_hsdb = res->hsdb;
	m->cur_hsdb_len = res->hsdb ? res->hsdb_len : 0;
	res->hsdb = NULL;
	res->hsdb_len = 0;
	m->generation++;
	rc = 0;
out:
	free(path);
	free(toggles_text);
	json_decref(doc);
	return rc;
}

void rules_mgr_current(const struct rules_mgr *m, const char **text, size_t *len,
		       const char **sha256_hex, uint64_t *generation)
{
	if (text)
		*text = m->cur_text;
	if (len)
		*len = m->cur_len;
	if (sha256_hex)
		*sha256_hex = m->cur_text ? m->cur_sha : NULL;
	if (generation)
		*generation = m->cur_text ? m->generation : 0;
}

void rules_mgr_current_hsdb(const struct rules_mgr *m, const uint8_t **hsdb, size_t *len)
{
	if (hsdb)
		*hsdb = m->cur_text ? m->cur_hsdb : NULL;
	if (len)
		*len = m->cur_text && m->cur_hsdb ? m->cur_hsdb_len : 0;
}

int rules_mgr_toggle(struct rules_mgr *m, bool enable, enum rules_toggle_kind kind, const char *value,
		     char *err, size_t errlen)
{
	char *norm;
	int rc;

	if ((unsigned)kind > RULES_TOGGLE_CATEGORY) {
		snprintf(err, errlen, "unknown toggle kind");
		return -1;
	}
	if (rules_toggle_normalize(kind, value, &norm, err, errlen) != 0)
		return -1;
	rc = rules_toggle_set_put(&m->toggles, kind, enable, norm);
	free(norm);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void rules_mgr_revert_toggles(struct rules_mgr *m)
{
	rules_toggle_set_copy(&m->toggles, &m->committed);
}

json_t *rules_mgr_list_toggles(const struct rules_mgr *m)
{
	json_t *disabled = json_array(), *enabled = json_array();

	for (size_t i = 0; disabled && enabled && i < m->toggles.n; i++) {
		const struct rules_toggle *t = &m->toggles.v[i];

		json_array_append_new(t->enable ? enabled : disabled,
				      json_pack("{s:s, s:s}", "kind", rules_toggle_kind_name(t->kind),
						"value", t->value));
	}
	return json_pack("{s:o, s:o}", "disabled", disabled, "enabled", enabled);
}

json_t *rules_build_result_json(const struct rules_build_result *r)
{
	json_t *rej = json_array();

	for (size_t i = 0; rej && i < r->n_rejections; i++)
		json_array_append_new(rej, json_string(r->rejections[i]));
	return json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I}, s:o,"
			 " s:{s:f, s:f}, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}}",
			 "sha256", r->text || r->sha256[0] ? r->sha256 : NULL,
			 "files", (json_int_t)r->n_files, "enabled", (json_int_t)r->n_enabled,
			 "disabled", (json_int_t)r->n_disabled, "loaded", (json_int_t)r->n_loaded,
			 "active", (json_int_t)r->n_active, "inactive", (json_int_t)r->n_inactive,
			 "rejected", (json_int_t)r->n_rejected, "compiled", (json_int_t)r->n_compiled,
			 "skipped", (json_int_t)r->n_skipped,
			 "threshold", "applied", (json_int_t)r->n_threshold_applied,
			 "rejected", (json_int_t)r->n_threshold_rejected, "rejections", rej,
			 "timing", "parse_s", r->parse_seconds, "compile_s", r->compile_seconds,
			 "memory", "detect_bytes", (json_int_t)r->detect_bytes, "rss_kb", (json_int_t)r->rss_kb,
			 "rss_peak_kb", (json_int_t)r->rss_peak_kb, "hwm_delta_kb", (json_int_t)r->hwm_delta_kb,
			 "hs_cache", "bytes", (json_int_t)r->hsdb_len, "entries", (json_int_t)r->hs_cache_entries);
}

void rules_build_result_free(struct rules_build_result *r)
{
	free(r->text);
	free(r->hsdb);
	for (size_t i = 0; i < r->n_rejections; i++)
		free(r->rejections[i]);
	free(r->rejections);
	memset(r, 0, sizeof(*r));
}
