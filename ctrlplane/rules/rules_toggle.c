/*
 * rules_toggle.c - the operator's enable/disable toggles: values, precedence
 * and their JSON file (see rules_mgr.h for the precedence).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlplane/rules/rules_internal.h"

static const char *const kind_names[] = { "sid", "classtype", "category" };

const char *rules_toggle_kind_name(uint8_t kind)
{
	return kind < 3 ? kind_names[kind] : "unknown";
}

static int kind_from_name(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

/* A decimal uint32 covering the whole of text[0..len). */
static bool parse_u32(const char *text, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			return false;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int rules_toggle_normalize(enum rules_toggle_kind kind, const char *value, char **out,
			   char *err, size_t errlen)
{
	size_t len = value ? strlen(value) : 0;

	*out = NULL;
	if (len == 0) {
		snprintf(err, errlen, "%s: empty value", rules_toggle_kind_name(kind));
		return -1;
	}
	if (kind == RULES_TOGGLE_SID) {
		const char *colon = strchr(value, ':');
		uint32_t gid = 1, sid;
		bool ok = colon ? parse_u32(value, (size_t)(colon - value), &gid) &&
					  parse_u32(colon + 1, strlen(colon + 1), &sid)
				: parse_u32(value, len, &sid);

		if (!ok || sid == 0 || gid == 0) {
			snprintf(err, errlen, "sid: '%s' is not N or GID:SID", value);
			return -1;
		}
		if (asprintf(out, "%u:%u", gid, sid) < 0) {
			*out = NULL;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (isspace(c) || c == '/' || c < 0x20) {
			snprintf(err, errlen, "%s: '%s' may not contain spaces or '/'",
				 rules_toggle_kind_name(kind), value);
			return -1;
		}
	}
	if (kind == RULES_TOGGLE_CATEGORY && (len < 7 || strcmp(value + len - 6, ".rules") != 0)) {
		snprintf(err, errlen, "category: '%s' is not a rules file name (x.rules)", value);
		return -1;
	}
	*out = strdup(value);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int rules_toggle_set_put(struct rules_toggle_set *t, enum rules_toggle_kind kind, bool enable,
			 const char *normalized)
{
	struct rules_toggle *grown;
	char *copy;

	/* a later toggle of the same kind and value replaces the earlier one */
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].kind == kind && strcmp(t->v[i].value, normalized) == 0) {
			t->v[i].enable = enable;
			return 0;
		}
	}
	copy = strdup(normalized);
	grown = copy ? realloc(t->v, (t->n + 1) * sizeof(*t->v)) : NULL;
	if (!grown) {
		free(copy);
		return -1;
	}
	t->v = grown;
	t->v[t->n++] = (struct rules_toggle){ .kind = (uint8_t)kind, .enable = enable, .value = copy };
	return 0;
}

void rules_toggle_set_clear(struct rules_toggle_set *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].value);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

int rules_toggle_set_copy(struct rules_toggle_set *dst, const struct rules_toggle_set *src)
{
	struct rules_toggle_set tmp = { 0 };

	for (size_t i = 0; i < src->n; i++) {
		if (rules_toggle_set_put(&tmp, src->v[i].kind, src->v[i].enable, src->v[i].value) != 0) {
			rules_toggle_set_clear(&tmp);
			return -1;
		}
	}
	rules_toggle_set_clear(dst);
	*dst = tmp;
	return 0;
}

bool rules_toggle_decide(const struct rules_toggle_set *t, const struct rules_meta *meta,
			 const char *category, bool file_enabled)
{
	char sid[32];
	bool group_enable = false, group_disable = false;

	snprintf(sid, sizeof(sid), "%u:%u", meta->gid, meta->sid);
	for (size_t i = 0; i < t->n; i++) {
		const struct rules_toggle *tg = &t->v[i];
		bool hit;

		switch (tg->kind) {
		case RULES_TOGGLE_SID:
			if (meta->sid != 0 && strcmp(tg->value, sid) == 0)
				return tg->enable; /* the exact sid decides */
			continue;
		case RULES_TOGGLE_CLASSTYPE:
			hit = meta->classtype[0] && strcmp(tg->value, meta->classtype) == 0;
			break;
		default:
			hit = category && strcmp(tg->value, category) == 0;
			break;
		}
		if (hit) {
			if (tg->enable)
				group_enable = true;
			else
				group_disable = true;
		}
	}
	if (group_disable)
		return false;
	if (group_enable)
		return true;
	return file_enabled;
}

json_t *rules_toggle_to_json(const struct rules_toggle_set *t)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < t->n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "action",
						     t->v[i].enable ? "enable" : "disable", "kind",
						     rules_toggle_kind_name(t->v[i].kind), "value",
						     t->v[i].value));
	return arr;
}

int rules_toggle_load(struct rules_toggle_set *t, const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *arr, *item;
	size_t i;

	rules_toggle_set_clear(t);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		FILE *f = fopen(path, "r");

		if (!f && errno == ENOENT)
			return 0; /* no toggles yet */
		if (f)
			fclose(f);
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	arr = json_object_get(root, "toggles");
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "%s: expected {\"toggles\": [...]}", path);
		json_decref(root);
		return -1;
	}
	json_array_foreach(arr, i, item) {
		const char *action = NULL, *kind = NULL, *value = NULL;
		char *norm = NULL, why[160];
		int k;

		if (json_unpack(item, "{s:s, s:s, s:s}", "action", &action, "kind", &kind, "value", &value) != 0 ||
		    (k = kind_from_name(kind)) < 0 ||
		    (strcmp(action, "enable") != 0 && strcmp(action, "disable") != 0)) {
			snprintf(err, errlen, "%s: toggles[%zu]: expected action enable|disable, kind sid|classtype|category, value",
				 path, i);
			goto fail;
		}
		if (rules_toggle_normalize((enum rules_toggle_kind)k, value, &norm, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: toggles[%zu]: %s", path, i, why);
			goto fail;
		}
		if (rules_toggle_set_put(t, (enum rules_toggle_kind)k, strcmp(action, "enable") == 0, norm) != 0) {
			free(norm);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		free(norm);
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	rules_toggle_set_clear(t);
	return -1;
}
