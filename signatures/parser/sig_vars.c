/*
 * sig_vars.c - the variable table ($HOME_NET, $HTTP_PORTS, ...).
 *
 * Values are kept as text and resolved when a rule uses them (sig_addr.c), so
 * an override of HOME_NET also changes EXTERNAL_NET = !$HOME_NET, as in
 * Suricata. A handful of variables: a flat array is the right structure.
 */
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

struct sig_var {
	char *name;   /* without '$' */
	char *value;
};

struct sig_vars {
	struct sig_var *v;
	size_t n, cap;
};

/* suricata.yaml's shipped vars: section (address-groups, then port-groups). */
static const char *const default_vars[][2] = {
	{ "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]" },
	{ "EXTERNAL_NET", "!$HOME_NET" },
	{ "HTTP_SERVERS", "$HOME_NET" },
	{ "SMTP_SERVERS", "$HOME_NET" },
	{ "SQL_SERVERS", "$HOME_NET" },
	{ "DNS_SERVERS", "$HOME_NET" },
	{ "TELNET_SERVERS", "$HOME_NET" },
	{ "AIM_SERVERS", "$EXTERNAL_NET" },
	{ "DC_SERVERS", "$HOME_NET" },
	{ "DNP3_SERVER", "$HOME_NET" },
	{ "DNP3_CLIENT", "$HOME_NET" },
	{ "MODBUS_CLIENT", "$HOME_NET" },
	{ "MODBUS_SERVER", "$HOME_NET" },
	{ "ENIP_CLIENT", "$HOME_NET" },
	{ "ENIP_SERVER", "$HOME_NET" },
	{ "HTTP_PORTS", "80" },
	{ "SHELLCODE_PORTS", "!80" },
	{ "ORACLE_PORTS", "1521" },
	{ "SSH_PORTS", "22" },
	{ "DNP3_PORTS", "20000" },
	{ "MODBUS_PORTS", "502" },
	{ "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ "FTP_PORTS", "21" },
	{ "GENEVE_PORTS", "6081" },
	{ "VXLAN_PORTS", "4789" },
	{ "TEREDO_PORTS", "3544" },
};

struct sig_vars *sig_vars_new(void)
{
	return calloc(1, sizeof(struct sig_vars));
}

struct sig_vars *sig_vars_new_defaults(void)
{
	struct sig_vars *v = sig_vars_new();
	if (!v)
		return NULL;
	for (size_t i = 0; i < sizeof(default_vars) / sizeof(default_vars[0]); i++) {
		char err[128];
		if (sig_vars_set(v, default_vars[i][0], default_vars[i][1], err, sizeof(err)) != 0) {
			sig_vars_free(v);
			return NULL;
		}
	}
	return v;
}

static struct sig_var *vars_find(const struct sig_vars *v, const char *name)
{
	if (name[0] == '$')
		name++;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i].name, name) == 0)
			return &v->v[i];
	return NULL;
}

const char *sig_vars_get(const struct sig_vars *v, const char *name)
{
	const struct sig_var *var = v ? vars_find(v, name) : NULL;
	return var ? var->value : NULL;
}

int sig_vars_set(struct sig_vars *v, const char *name, const char *value, char *err, size_t errlen)
{
	if (name[0] == '$')
		name++;
	if (!name[0]) {
		snprintf(err, errlen, "empty variable name");
		return -1;
	}
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-')) {
			snprintf(err, errlen, "bad variable name '%s'", name);
			return -1;
		}
	}
	/* Balanced brackets are the one thing checkable without knowing whether
	 * the variable is an address or a port group. */
	int depth = 0;
	for (const char *p = value; *p; p++) {
		depth += (*p == '[') - (*p == ']');
		if (depth < 0)
			break;
	}
	if (depth != 0 || !value[strspn(value, " \t")]) {
		snprintf(err, errlen, "bad value for variable %s: '%s'", name, value);
		return -1;
	}
	char *copy = sig_strdup(value);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct sig_var *var = vars_find(v, name);
	if (var) {
		free(var->value);
		var->value = copy;
		return 0;
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		struct sig_var *nv = realloc(v->v, cap * sizeof(*nv));
		if (!nv) {
			free(copy);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].name = sig_strdup(name);
	if (!v->v[v->n].name) {
		free(copy);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	v->v[v->n++].value = copy;
	return 0;
}

void sig_vars_free(struct sig_vars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].value);
	}
	free(v->v);
	free(v);
}
