/*
 * policy_yaml.c - YAML <-> the store's JSON tree: read a config's sections
 * with libyaml, write block-style YAML that libyaml reads back to the same
 * scalar texts (the engine's loader only looks at scalar text).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ctrlplane/policy/policy_internal.h"

/* Top-level keys the data plane gets from the daemon besides `firewall`. */
static const char *const extra_sections[] = { "vars", "geoip-database", "reputation-categories-file",
					      "default-reputation-path", "reputation-files", NULL };

static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *node, unsigned depth)
{
	json_t *out;

	if (!node || depth > 32)
		return NULL;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		/* an empty plain scalar ("key:" with nothing) stays empty */
		if (node->data.scalar.length == 0 && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return json_null();
		/* "\0" escapes: every consumer reads C strings, so a NUL would
		 * silently cut the value (found by fuzz_policy_yaml) */
		if (memchr(node->data.scalar.value, 0, node->data.scalar.length))
			return NULL;
		return json_stringn((const char *)node->data.scalar.value, node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     out && it < node->data.sequence.items.top; it++) {
			json_t *v = node_to_json(doc, yaml_document_get_node(doc, *it), depth + 1);

			if (!v || json_array_append_new(out, v) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	case YAML_MAPPING_NODE:
		out = json_object();
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     out && p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v;

			if (!k || k->type != YAML_SCALAR_NODE ||
			    memchr(k->data.scalar.value, 0, k->data.scalar.length)) {
				json_decref(out);
				return NULL;
			}
			v = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
			if (!v || json_object_set_new(out, (const char *)k->data.scalar.value, v) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	default:
		return NULL;
	}
}

int policy_yaml_read(const char *yaml, size_t len, const char *name, json_t **firewall, json_t **extras,
		     char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc = -1;

	*firewall = NULL;
	if (extras)
		*extras = NULL;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s", name, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (extras && !(*extras = json_object())) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!root) {
		rc = 0; /* empty document */
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s:%zu: expected a mapping of sections", name, root->start_mark.line + 1);
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		const char *key;
		bool wanted = false;
		json_t *j;

		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		key = (const char *)k->data.scalar.value;
		for (size_t i = 0; extras && extra_sections[i]; i++)
			wanted |= strcmp(key, extra_sections[i]) == 0;
		if (strcmp(key, "firewall") != 0 && !wanted)
			continue;
		j = node_to_json(&doc, v, 0);
		if (!j) {
			snprintf(err, errlen, "%s:%zu: %s: unsupported YAML (non-scalar key or nesting too deep)",
				 name, v ? v->start_mark.line + 1 : 0, key);
			goto out;
		}
		if (strcmp(key, "firewall") == 0) {
			json_decref(*firewall);
			*firewall = j;
		} else {
			json_object_set_new(*extras, key, j);
		}
	}
	rc = 0;
out:
	if (rc != 0) {
		json_decref(*firewall);
		*firewall = NULL;
		if (extras) {
			json_decref(*extras);
			*extras = NULL;
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

void policy_text_append(struct policy_text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *grown;

		while (cap < t->len + n + 1)
			cap *= 2;
		grown = realloc(t->s, cap);
		if (!grown) {
			t->oom = true;
			return;
		}
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void put(struct policy_text *t, const char *s)
{
	policy_text_append(t, s, strlen(s));
}

static void indent(struct policy_text *t, unsigned n)
{
	static const char spaces[] = "                                                                ";

	while (n) {
		unsigned k = n < sizeof(spaces) - 1 ? n : (unsigned)sizeof(spaces) - 1;

		policy_text_append(t, spaces, k);
		n -= k;
	}
}

/* A scalar libyaml reads back as the same text when written plain: no
 * indicator first, nothing that starts a comment, mapping or flow. */
static bool plain_safe(const char *s)
{
	if (!*s || !(isalnum((unsigned char)*s) || *s == '_' || *s == '/' || *s == '.' || *s == '$'))
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_./$+-", *p)))
			return false;
	return true;
}

static void put_scalar(struct policy_text *t, const char *s)
{
	char esc[8];

	if (plain_safe(s)) {
		put(t, s);
		return;
	}
	put(t, "\"");
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			policy_text_append(t, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			put(t, esc);
		} else {
			policy_text_append(t, p, 1);
		}
	}
	put(t, "\"");
}

static void put_json_scalar(struct policy_text *t, const json_t *v)
{
	char num[64];

	if (json_is_string(v)) {
		put_scalar(t, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		put(t, num);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		put(t, num);
	} else if (json_is_boolean(v)) {
		put(t, json_is_true(v) ? "true" : "false");
	}
	/* null: nothing (an empty plain scalar) */
}

static void emit_mapping(struct policy_text *t, const json_t *obj, unsigned ind, bool first_inline);
static void emit_sequence(struct policy_text *t, const json_t *arr, unsigned ind);

/* The value after "key:" or "-". */
static void emit_child(struct policy_text *t, const json_t *v, unsigned ind)
{
	if (json_is_object(v) && json_object_size(v)) {
		put(t, "\n");
		emit_mapping(t, v, ind + 2, false);
	} else if (json_is_array(v) && json_array_size(v)) {
		put(t, "\n");
		emit_sequence(t, v, ind + 2);
	} else if (json_is_object(v)) {
		put(t, " {}\n");
	} else if (json_is_array(v)) {
		put(t, " []\n");
	} else if (json_is_null(v)) {
		put(t, "\n");
	} else {
		put(t, " ");
		put_json_scalar(t, v);
		put(t, "\n");
	}
}

static void emit_mapping(struct policy_text *t, const json_t *obj, unsigned ind, bool first_inline)
{
	const char *key;
	json_t *v;
	bool first = true;

	json_object_foreach((json_t *)obj, key, v) {
		if (!(first && first_inline))
			indent(t, ind);
		first = false;
		put_scalar(t, key);
		put(t, ":");
		emit_child(t, v, ind);
	}
}

static void emit_sequence(struct policy_text *t, const json_t *arr, unsigned ind)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		indent(t, ind);
		put(t, "-");
		if (json_is_object(v) && json_object_size(v)) {
			put(t, " ");
			emit_mapping(t, v, ind + 2, true);
		} else {
			emit_child(t, v, ind);
		}
	}
}

void policy_yaml_emit_section(struct policy_text *t, const char *key, const json_t *value)
{
	put_scalar(t, key);
	put(t, ":");
	emit_child(t, value, 0);
}

static char *finish(struct policy_text *t, size_t *len)
{
	if (t->oom || !t->s) {
		free(t->s);
		return NULL;
	}
	if (len)
		*len = t->len;
	return t->s;
}

char *policy_render_firewall(const json_t *firewall, size_t *len)
{
	struct policy_text t = { 0 };

	policy_yaml_emit_section(&t, "firewall", firewall);
	return finish(&t, len);
}

char *policy_render_dataplane(const json_t *extras, const json_t *firewall, const json_t *blocklist,
			      size_t *len)
{
	struct policy_text t = { 0 };
	const char *key;
	json_t *v, *fw;

	put(&t, "# rampartd: the data plane's policy (vars, firewall, geoip / reputation keys)\n");
	if (extras)
		json_object_foreach((json_t *)extras, key, v)
			policy_yaml_emit_section(&t, key, v);
	fw = policy_blocklist_inject(firewall, blocklist);
	if (!fw) {
		free(t.s);
		return NULL;
	}
	policy_yaml_emit_section(&t, "firewall", fw);
	json_decref(fw);
	return finish(&t, len);
}
