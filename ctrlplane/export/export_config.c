/*
 * export_config.c - rampart.yaml's `outputs:` section -> struct export_config.
 *
 * Every error names the file, the line of the offending node (1-based) and
 * the dotted key: "rampart.yaml:42: outputs.redis.port: expected 1..65535".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctrlplane/export/export.h"

void export_config_defaults(struct export_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->eve.enabled = true;
	cfg->eve.append = true;
	snprintf(cfg->eve.filename, sizeof(cfg->eve.filename), "/var/log/rampart/eve.json");
	cfg->eve.max_queue = EXPORT_DEFAULT_MAX_QUEUE;

	cfg->syslog.enabled = false;
	cfg->syslog.transport = EXPORT_SYSLOG_UDP;
	snprintf(cfg->syslog.server, sizeof(cfg->syslog.server), "127.0.0.1");
	cfg->syslog.port = 514;
	snprintf(cfg->syslog.path, sizeof(cfg->syslog.path), "/dev/log");
	cfg->syslog.facility = 21; /* local5 */
	snprintf(cfg->syslog.ident, sizeof(cfg->syslog.ident), "rampart");
	cfg->syslog.max_queue = EXPORT_DEFAULT_MAX_QUEUE;

	cfg->redis.enabled = false;
	snprintf(cfg->redis.server, sizeof(cfg->redis.server), "127.0.0.1");
	cfg->redis.port = 6379;
	cfg->redis.mode = EXPORT_REDIS_STREAM;
	snprintf(cfg->redis.key, sizeof(cfg->redis.key), "rampart:eve");
	cfg->redis.stream_maxlen = EXPORT_DEFAULT_REDIS_MAXLEN;
	cfg->redis.timeout_ms = EXPORT_DEFAULT_REDIS_TIMEOUT_MS;
	cfg->redis.max_queue = EXPORT_DEFAULT_MAX_QUEUE;
}

struct cfg_ctx {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
	const char *sink;
};

static int fail(struct cfg_ctx *c, const yaml_node_t *n, const char *key, const char *msg)
{
	if (key)
		snprintf(c->err, c->errlen, "%s:%lu: outputs.%s.%s: %s", c->file, (unsigned long)n->start_mark.line + 1,
			 c->sink, key, msg);
	else
		snprintf(c->err, c->errlen, "%s:%lu: outputs.%s: %s", c->file, (unsigned long)n->start_mark.line + 1,
			 c->sink, msg);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_bool(struct cfg_ctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
	const char *v = scalar(n);

	for (unsigned i = 0; v && i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(c, n, key, "expected yes or no");
}

static int get_uint(struct cfg_ctx *c, const yaml_node_t *n, const char *key, unsigned long long lo,
		    unsigned long long hi, unsigned long long *out)
{
	const char *v = scalar(n);
	char *end;
	char msg[80];

	snprintf(msg, sizeof(msg), "expected an integer in %llu..%llu", lo, hi);
	if (!v || !*v || *v == '-')
		return fail(c, n, key, msg);
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || *end || *out < lo || *out > hi)
		return fail(c, n, key, msg);
	return 0;
}

static int get_string(struct cfg_ctx *c, const yaml_node_t *n, const char *key, char *out, size_t cap)
{
	const char *v = scalar(n);
	char msg[64];

	if (!v || !*v)
		return fail(c, n, key, "expected a non-empty string");
	if (strlen(v) >= cap) {
		snprintf(msg, sizeof(msg), "longer than %zu bytes", cap - 1);
		return fail(c, n, key, msg);
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int facility_from_name(const char *v)
{
	static const char *const names[] = {"kern",   "user",   "mail",   "daemon", "auth",   "syslog",
					    "lpr",    "news",   "uucp",   "cron",   "authpriv", "ftp",
					    "ntp",    "audit",  "alert",  "clock",  "local0", "local1",
					    "local2", "local3", "local4", "local5", "local6", "local7"};

	for (int i = 0; i < 24; i++)
		if (!strcasecmp(v, names[i]))
			return i;
	return -1;
}

static int parse_queue(struct cfg_ctx *c, const yaml_node_t *v, const char *key, uint32_t *out)
{
	unsigned long long n;

	if (get_uint(c, v, key, 1, 16u * 1024 * 1024, &n) < 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int parse_eve(struct cfg_ctx *c, const char *key, const yaml_node_t *v, struct export_eve_config *e)
{
	if (!strcmp(key, "enabled"))
		return get_bool(c, v, key, &e->enabled);
	if (!strcmp(key, "append"))
		return get_bool(c, v, key, &e->append);
	if (!strcmp(key, "filename"))
		return get_string(c, v, key, e->filename, sizeof(e->filename));
	if (!strcmp(key, "max-queue"))
		return parse_queue(c, v, key, &e->max_queue);
	return fail(c, v, key, "unknown key");
}

static bool ident_valid(const char *s)
{
	for (; *s; s++)
		if (*s <= 32 || *s >= 127)
			return false;
	return true;
}

static int parse_syslog(struct cfg_ctx *c, const char *key, const yaml_node_t *v, struct export_syslog_config *y)
{
	unsigned long long n;
	const char *s = scalar(v);

	if (!strcmp(key, "enabled"))
		return get_bool(c, v, key, &y->enabled);
	if (!strcmp(key, "transport")) {
		if (s && !strcmp(s, "udp"))
			y->transport = EXPORT_SYSLOG_UDP;
		else if (s && !strcmp(s, "unix"))
			y->transport = EXPORT_SYSLOG_UNIX;
		else
			return fail(c, v, key, "expected udp or unix");
		return 0;
	}
	if (!strcmp(key, "server"))
		return get_string(c, v, key, y->server, sizeof(y->server));
	if (!strcmp(key, "port")) {
		if (get_uint(c, v, key, 1, 65535, &n) < 0)
			return -1;
		y->port = (uint16_t)n;
		return 0;
	}
	if (!strcmp(key, "path"))
		return get_string(c, v, key, y->path, sizeof(y->path));
	if (!strcmp(key, "facility")) {
		int f = s ? facility_from_name(s) : -1;

		if (f < 0 && s && *s >= '0' && *s <= '9') {
			if (get_uint(c, v, key, 0, 23, &n) < 0)
				return -1;
			f = (int)n;
		}
		if (f < 0)
			return fail(c, v, key, "expected a facility name (kern .. local7) or 0..23");
		y->facility = f;
		return 0;
	}
	if (!strcmp(key, "ident")) {
		if (get_string(c, v, key, y->ident, sizeof(y->ident)) < 0)
			return -1;
		if (!ident_valid(y->ident))
			return fail(c, v, key, "printable ASCII without spaces only (RFC 5424 APP-NAME)");
		return 0;
	}
	if (!strcmp(key, "max-queue"))
		return parse_queue(c, v, key, &y->max_queue);
	return fail(c, v, key, "unknown key");
}

static int parse_redis(struct cfg_ctx *c, const char *key, const yaml_node_t *v, struct export_redis_config *r)
{
	unsigned long long n;
	const char *s = scalar(v);

	if (!strcmp(key, "enabled"))
		return get_bool(c, v, key, &r->enabled);
	if (!strcmp(key, "server"))
		return get_string(c, v, key, r->server, sizeof(r->server));
	if (!strcmp(key, "port")) {
		if (get_uint(c, v, key, 1, 65535, &n) < 0)
			return -1;
		r->port = (uint16_t)n;
		return 0;
	}
	if (!strcmp(key, "socket"))
		return get_string(c, v, key, r->socket, sizeof(r->socket));
	if (!strcmp(key, "mode")) {
		if (s && !strcmp(s, "stream"))
			r->mode = EXPORT_REDIS_STREAM;
		else if (s && !strcmp(s, "list"))
			r->mode = EXPORT_REDIS_LIST;
		else
			return fail(c, v, key, "expected stream or list");
		return 0;
	}
	if (!strcmp(key, "key"))
		return get_string(c, v, key, r->key, sizeof(r->key));
	if (!strcmp(key, "max-len")) {
		if (get_uint(c, v, key, 0, 1000000000000ull, &n) < 0)
			return -1;
		r->stream_maxlen = n;
		return 0;
	}
	if (!strcmp(key, "timeout-ms")) {
		if (get_uint(c, v, key, 1, 60000, &n) < 0)
			return -1;
		r->timeout_ms = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "max-queue"))
		return parse_queue(c, v, key, &r->max_queue);
	return fail(c, v, key, "unknown key");
}

int export_config_parse(const yaml_document_t *cdoc, const yaml_node_t *outputs, const char *file,
			struct export_config *cfg, char *err, size_t errlen)
{
	/* libyaml's accessors take a non-const document; nothing here writes. */
	yaml_document_t *doc = (yaml_document_t *)cdoc;
	struct cfg_ctx c = {.doc = doc, .file = file ? file : "-", .err = err, .errlen = errlen, .sink = ""};

	if (!outputs)
		return 0;
	if (outputs->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s:%lu: outputs: expected a mapping of sinks (eve, syslog, redis)", c.file,
			 (unsigned long)outputs->start_mark.line + 1);
		return -1;
	}
	for (yaml_node_pair_t *p = outputs->data.mapping.pairs.start; p < outputs->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key), *v = yaml_document_get_node(doc, p->value);
		const char *name = scalar(k);

		if (!name || !v) {
			snprintf(err, errlen, "%s:%lu: outputs: expected a sink name", c.file,
				 (unsigned long)(k ? k->start_mark.line : 0) + 1);
			return -1;
		}
		c.sink = name;
		if (strcmp(name, "eve") && strcmp(name, "syslog") && strcmp(name, "redis"))
			return fail(&c, k, NULL, "unknown sink (expected eve, syslog or redis)");
		if (v->type != YAML_MAPPING_NODE)
			return fail(&c, v, NULL, "expected a mapping");
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *kk = yaml_document_get_node(doc, q->key), *vv = yaml_document_get_node(doc, q->value);
			const char *key = scalar(kk);
			int rc;

			if (!key || !vv)
				return fail(&c, kk ? kk : v, NULL, "expected scalar keys");
			if (!strcmp(name, "eve"))
				rc = parse_eve(&c, key, vv, &cfg->eve);
			else if (!strcmp(name, "syslog"))
				rc = parse_syslog(&c, key, vv, &cfg->syslog);
			else
				rc = parse_redis(&c, key, vv, &cfg->redis);
			if (rc < 0)
				return -1;
		}
		if (!strcmp(name, "eve") && cfg->eve.enabled && !cfg->eve.filename[0])
			return fail(&c, v, "filename", "required when the sink is enabled");
	}
	return 0;
}

int export_config_load_file(const char *path, struct export_config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		fclose(f);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
			const char *k = scalar(yaml_document_get_node(&doc, p->key));

			if (k && !strcmp(k, "outputs")) {
				rc = export_config_parse(&doc, yaml_document_get_node(&doc, p->value), path, cfg, err,
							 errlen);
				break;
			}
		}
	} else if (root) {
		snprintf(err, errlen, "%s:%lu: expected a mapping at the top level", path,
			 (unsigned long)root->start_mark.line + 1);
		rc = -1;
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}
