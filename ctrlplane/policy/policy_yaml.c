/*
 * policy_yaml.c - YAML <-> the store's JSON tree: read a config's sections
 * with libyaml, write block-style YAML that libyaml reads back to the same
 * scalar texts (the engine's loader only looks at scalar text).
 *
 * Round trip (checked by tests/fuzz/fuzz_policy_yaml.c): whatever the reader
 * accepts renders to YAML that reads back to the same tree. The reader
 * refuses control characters in any scalar or key, and `vars` shapes the
 * engine would refuse; the renderer double-quotes every string value.
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

/*
 * Text a policy never needs and YAML treats specially: C0 controls (tab and
 * line breaks included), DEL, C1 controls (NEL U+0085 is a YAML line break)
 * and U+2028 / U+2029. Refusing them at the reader keeps every accepted
 * string one line of printable text that renders and reads back unchanged.
 * libyaml has already checked the input is valid UTF-8.
 */
static bool scalar_text_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			return false; /* U+0080..U+009F */
		if (s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
			return false; /* U+2028, U+2029 */
	}
	return true;
}

/* Alias fan-out ("billion laughs") is bounded by a budget of visited nodes. */
struct yaml_walk {
	yaml_document_t *doc;
	size_t budget;
};

static json_t *node_to_json(struct yaml_walk *w, yaml_node_t *node, unsigned depth)
{
	json_t *out;

	if (!node || depth > 32 || w->budget == 0)
		return NULL;
	w->budget--;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		/* an empty plain scalar ("key:" with nothing) stays empty */
		if (node->data.scalar.length == 0 && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return json_null();
		if (!scalar_text_ok(node->data.scalar.value, node->data.scalar.length))
			return NULL;
		return json_stringn((const char *)node->data.scalar.value, node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     out && it < node->data.sequence.items.top; it++) {
			json_t *v = node_to_json(w, yaml_document_get_node(w->doc, *it), depth + 1);

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
			yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
			json_t *v;

			if (!k || k->type != YAML_SCALAR_NODE ||
			    !scalar_text_ok(k->data.scalar.value, k->data.scalar.length)) {
				json_decref(out);
				return NULL;
			}
			v = node_to_json(w, yaml_document_get_node(w->doc, p->value), depth + 1);
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

/*
 * `vars` as the engine's loader (dataplane/engine/config.c) takes it: empty,
 * or a mapping of address-groups / port-groups, each empty or a mapping of
 * variable name -> scalar. Anything else would be accepted here and refused
 * by the data plane on every reload, so it is refused up front.
 */
static const char *vars_shape_problem(const json_t *vars)
{
	const char *group, *name;
	json_t *members, *value;

	if (json_is_null(vars))
		return NULL;
	if (!json_is_object(vars))
		return "vars: expected a mapping of address-groups / port-groups";
	json_object_foreach((json_t *)vars, group, members) {
		if (strcmp(group, "address-groups") != 0 && strcmp(group, "port-groups") != 0)
			return "vars: only address-groups and port-groups are allowed";
		if (json_is_null(members))
			continue;
		if (!json_is_object(members))
			return "vars: address-groups / port-groups must be mappings of name: value";
		json_object_foreach(members, name, value) {
			if (!json_is_string(value) && !json_is_null(value))
				return "vars: a variable's value must be a string";
			if (name[0] == '\0' || strpbrk(name, " \t$[],!"))
				return "vars: invalid variable name";
		}
	}
	return NULL;
}

static size_t document_node_count(const yaml_document_t *doc)
{
	return (size_t)(doc->nodes.top - doc->nodes.start);
}

int policy_yaml_read(const char *yaml, size_t len, const char *name, json_t **firewall, json_t **extras,
		     char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct yaml_walk walk;
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
	walk.doc = &doc;
	walk.budget = 16 * document_node_count(&doc) + 65536;
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
		j = node_to_json(&walk, v, 0);
		if (!j) {
			snprintf(err, errlen,
				 "%s:%zu: %s: unsupported YAML (non-scalar key, control character, nesting too deep "
				 "or aliases expanding too far)",
				 name, v ? v->start_mark.line + 1 : 0, key);
			goto out;
		}
		if (strcmp(key, "vars") == 0 && vars_shape_problem(j)) {
			snprintf(err, errlen, "%s:%zu: %s", name, v ? v->start_mark.line + 1 : 0,
				 vars_shape_problem(j));
			json_decref(j);
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

/* A key written plain: a name libyaml reads back as the same text (no
 * indicator first, nothing that starts a comment, mapping or flow). */
static bool plain_safe(const char *s)
{
	if (!*s || !(isalnum((unsigned char)*s) || *s == '_' || *s == '/' || *s == '.' || *s == '$'))
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_./$+-", *p)))
			return false;
	return true;
}

/* Length of the valid UTF-8 sequence at s and its code point, or 0. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* A code point libyaml takes raw inside a double-quoted scalar (ASCII
 * controls are escaped before this is asked): its "printable" set (no C1,
 * U+FEFF, U+FFFE, U+FFFF) less the line breaks U+2028 / U+2029. */
static bool yaml_raw_ok(uint32_t cp)
{
	if (cp < 0x80 || cp >= 0x10000)
		return true;
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
		return false;
	return (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd);
}

/*
 * A double-quoted YAML scalar that libyaml reads back as exactly s: '\\' and
 * '"' escaped, every ASCII control and every code point YAML treats as a
 * break, a control or non-printable (C1, U+2028/2029, U+FEFF, U+FFFE/FFFF)
 * as \xNN / \uXXXX;
 * other UTF-8 text is copied as is, so the file stays valid, readable UTF-8.
 * Strings come from jansson and are valid UTF-8; a stray byte would be
 * written as \xNN (its Latin-1 code point) rather than break the file.
 */
static void put_quoted(struct policy_text *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[16];

	put(t, "\"");
	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp);

		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			put(t, esc);
			p++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			policy_text_append(t, esc, 2);
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
			put(t, esc);
		} else if (!yaml_raw_ok(cp)) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			put(t, esc);
		} else {
			policy_text_append(t, (const char *)p, n);
		}
		p += n;
	}
	put(t, "\"");
}

static void put_key(struct policy_text *t, const char *s)
{
	if (plain_safe(s))
		put(t, s);
	else
		put_quoted(t, s);
}

static void put_json_scalar(struct policy_text *t, const json_t *v)
{
	char num[64];

	if (json_is_string(v)) {
		/* values always quoted: no reader guesses a type ("yes", "1.0", "~") */
		put_quoted(t, json_string_value(v));
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
		put_key(t, key);
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
	put_key(t, key);
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
