/*
 * sig_rule_parse.c - one rule: header, option list, keyword dispatch, final
 * validation. Keyword handlers live in sig_kw_*.c.
 *
 * Option syntax follows Suricata: "name[:value];" where value runs to the
 * first ';' not escaped by a backslash (quotes do not protect ';'), and the
 * option list must end with ';' before the closing ')'.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

int sig_fail(struct sig_parse_ctx *ctx, const char *keyword, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!ctx->error->reason) {
		ctx->error->reason = sig_strdup(buf);
		ctx->error->keyword = keyword ? sig_strdup(keyword) : NULL;
	}
	return -1;
}

void sig_needs(struct sig_parse_ctx *ctx, const char *feature)
{
	if (ctx->r->inactive_reason)
		return;
	size_t n = strlen(feature) + sizeof("needs ");
	char *s = malloc(n);
	if (!s)
		return;
	snprintf(s, n, "needs %s", feature);
	ctx->r->inactive_reason = s;
}

struct sig_match *sig_add_match(struct sig_parse_ctx *ctx, uint8_t kind, const char *keyword)
{
	struct sig_rule *r = ctx->r;
	if (r->n_matches == ctx->matches_cap) {
		size_t cap = ctx->matches_cap ? ctx->matches_cap * 2 : 8;
		struct sig_match *nv = realloc(r->matches, cap * sizeof(*nv));
		if (!nv)
			return NULL;
		r->matches = nv;
		ctx->matches_cap = cap;
	}
	struct sig_match *m = &r->matches[r->n_matches++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	/* Payload keywords inspect the current sticky buffer; header and flow
	 * keywords (flags, ttl, flowbits, ...) always look at the packet. */
	switch (kind) {
	case SIG_M_CONTENT: case SIG_M_PCRE: case SIG_M_ISDATAAT: case SIG_M_BYTE_TEST:
	case SIG_M_BYTE_JUMP: case SIG_M_BYTE_EXTRACT: case SIG_M_BSIZE: case SIG_M_OTHER:
		m->buffer = ctx->cur_buffer;
		m->transforms = ctx->cur_xforms;
		break;
	default:
		m->buffer = SIG_BUF_PAYLOAD;
		break;
	}
	m->keyword = keyword;  /* points into the static keyword table */
	return m;
}

long sig_prev_payload_match(const struct sig_parse_ctx *ctx, size_t before, uint8_t buffer)
{
	for (size_t i = before; i-- > 0;) {
		const struct sig_match *m = &ctx->r->matches[i];
		if ((m->kind == SIG_M_CONTENT || m->kind == SIG_M_PCRE) && m->buffer == buffer)
			return (long)i;
	}
	return -1;
}

int sig_find_var(const struct sig_parse_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->r->n_vars; i++)
		if (strcmp(ctx->r->vars[i], name) == 0)
			return (int)i;
	return -1;
}

int sig_intern_flowbit(struct sig_parse_ctx *ctx, const char *name, size_t len)
{
	struct sig_ruleset *rs = ctx->rs;
	for (size_t i = 0; i < rs->n_flowbits; i++)
		if (strlen(rs->flowbit_names[i]) == len && memcmp(rs->flowbit_names[i], name, len) == 0)
			return (int)i;
	if (rs->n_flowbits >= UINT16_MAX)
		return -1;
	/* capacity is implicit: 16, then doubled each time n reaches a power of two */
	size_t n = rs->n_flowbits;
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		char **nv = realloc(rs->flowbit_names, (n ? n * 2 : 16) * sizeof(*nv));
		if (!nv)
			return -1;
		rs->flowbit_names = nv;
	}
	rs->flowbit_names[n] = sig_strndup(name, len);
	if (!rs->flowbit_names[n])
		return -1;
	rs->n_flowbits++;
	return (int)n;
}

/* ---- header ---- */

struct proto_name {
	const char *name;
	uint8_t proto;
	uint32_t flow; /* tcp-pkt / tcp-stream */
};

static const struct proto_name protos[] = {
	{ "ip", SIG_PROTO_IP, 0 },       { "tcp", SIG_PROTO_TCP, 0 },
	{ "udp", SIG_PROTO_UDP, 0 },     { "icmp", SIG_PROTO_ICMP, 0 },
	{ "icmpv4", SIG_PROTO_ICMP, 0 }, { "icmpv6", SIG_PROTO_ICMP, 0 },
	{ "tcp-pkt", SIG_PROTO_TCP, SIG_FLOW_NO_STREAM },
	{ "tcp-stream", SIG_PROTO_TCP, SIG_FLOW_ONLY_STREAM },
	{ "http", SIG_PROTO_HTTP, 0 },   { "http1", SIG_PROTO_HTTP, 0 },
	{ "tls", SIG_PROTO_TLS, 0 },     { "dns", SIG_PROTO_DNS, 0 },
};

/* App-layer protocols Suricata knows: they parse, their engine comes later. */
static const char *const other_app_protos[] = {
	"ftp", "ftp-data", "smb", "smtp", "ssh", "dcerpc", "krb5", "nfs", "ntp", "dhcp", "tftp",
	"ike", "ikev2", "snmp", "sip", "rfb", "mqtt", "rdp", "http2", "modbus", "dnp3", "enip",
	"imap", "pop3", "quic", "template", "bittorrent-dht", "ldap", "telnet", "websocket",
	"pgsql", "doh2", "irc", "msn", "jabber", "failed", "llmnr", "vxlan", "geneve", "teredo",
	"bittorrent", "arp", "pop3s", "imaps", "smtps", "ftps", "ssl",
};

static int parse_action(struct sig_parse_ctx *ctx, const char *s)
{
	static const struct { const char *name; uint8_t action; } actions[] = {
		{ "alert", SIG_ACTION_ALERT },    { "drop", SIG_ACTION_DROP },
		{ "reject", SIG_ACTION_REJECT },  { "rejectsrc", SIG_ACTION_REJECT },
		{ "rejectdst", SIG_ACTION_REJECT }, { "rejectboth", SIG_ACTION_REJECT },
		{ "pass", SIG_ACTION_PASS },
	};
	/* Suricata 8 firewall rules: "accept:hook", "drop:flow", "accept:tx,alert" */
	char name[32];
	size_t n = strcspn(s, ":");
	bool scoped = s[n] == ':';
	if (n >= sizeof(name))
		return sig_fail(ctx, "header", "unknown action '%s'", s);
	memcpy(name, s, n);
	name[n] = '\0';
	if (scoped && strcmp(name, "accept") == 0) {
		ctx->r->action = SIG_ACTION_PASS;
		sig_needs(ctx, "firewall action accept");
		return 0;
	}
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(name, actions[i].name) == 0) {
			ctx->r->action = actions[i].action;
			if (scoped)
				sig_needs(ctx, "action scope");
			return 0;
		}
	}
	return sig_fail(ctx, "header", "unknown action '%s'", s);
}

static int parse_proto(struct sig_parse_ctx *ctx, const char *written)
{
	struct sig_rule *r = ctx->r;
	r->proto_name = sig_strdup(written);
	if (!r->proto_name)
		return sig_fail(ctx, "header", "out of memory");
	/* Suricata 8 hooks: "tls:client_hello_done", "http2:global:request_complete" */
	char s[32];
	size_t n = strcspn(written, ":");
	if (n >= sizeof(s))
		return sig_fail(ctx, "header", "unknown protocol '%s'", written);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)written[i]); /* Suricata ignores case */
	s[n] = '\0';
	if (written[n] == ':')
		sig_needs(ctx, "app-layer hook");
	static const char *const l3l4_only[] = { "ipv4", "ip4", "ipv6", "ip6", "igmp", "sctp", "gre", "esp", "ah" };
	for (size_t i = 0; i < sizeof(l3l4_only) / sizeof(l3l4_only[0]); i++) {
		if (strcmp(s, l3l4_only[i]) == 0) {
			char feat[64];
			r->proto = SIG_PROTO_IP;
			snprintf(feat, sizeof(feat), "protocol %s", s);
			sig_needs(ctx, feat);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcmp(s, protos[i].name) == 0) {
			r->proto = protos[i].proto;
			r->flow |= protos[i].flow;
			if (r->proto >= SIG_PROTO_HTTP) {
				char feat[64];
				snprintf(feat, sizeof(feat), "app-layer protocol %s", s);
				sig_needs(ctx, feat);
			}
			return 0;
		}
	}
	if (strcmp(s, "pkthdr") == 0) {
		r->proto = SIG_PROTO_IP;
		sig_needs(ctx, "protocol pkthdr");
		return 0;
	}
	for (size_t i = 0; i < sizeof(other_app_protos) / sizeof(other_app_protos[0]); i++) {
		if (strcmp(s, other_app_protos[i]) == 0) {
			char feat[64];
			r->proto = SIG_PROTO_OTHER;
			snprintf(feat, sizeof(feat), "app-layer protocol %s", s);
			sig_needs(ctx, feat);
			return 0;
		}
	}
	return sig_fail(ctx, "header", "unknown protocol '%s'", s);
}

/* Split the header at whitespace outside brackets; returns token count. */
static size_t header_tokens(char *s, char **tok, size_t max)
{
	size_t n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (n == max)
			return max + 1;
		char *start = s, *w = s;
		int depth = 0;
		while (*s && (depth > 0 || (*s != ' ' && *s != '\t'))) {
			depth += (*s == '[') - (*s == ']');
			if (*s != ' ' && *s != '\t')
				*w++ = *s; /* drop blanks inside lists */
			s++;
		}
		if (*s)
			s++;
		*w = '\0';
		tok[n++] = start;
	}
	return n;
}

static int parse_header(struct sig_parse_ctx *ctx, char *hdr)
{
	struct sig_rule *r = ctx->r;
	char *tok[8];
	char err[256];
	size_t n = header_tokens(hdr, tok, 7);
	if (n != 7)
		return sig_fail(ctx, "header", "expected 'action proto src sport -> dst dport', got %zu fields", n);
	if (parse_action(ctx, tok[0]) || parse_proto(ctx, tok[1]))
		return -1;
	if (strcmp(tok[4], "->") == 0)
		r->bidirectional = false;
	else if (strcmp(tok[4], "<>") == 0)
		r->bidirectional = true;
	else if (strcmp(tok[4], "=>") == 0)
		sig_needs(ctx, "transactional rule (=>)");
	else
		return sig_fail(ctx, "header", "bad direction '%s'", tok[4]);
	const struct sig_vars *vars = ctx->opt->vars;
	if (sig_addr_resolve(vars, tok[2], &r->src, err, sizeof(err)) ||
	    sig_port_resolve(vars, tok[3], &r->sport, err, sizeof(err)) ||
	    sig_addr_resolve(vars, tok[5], &r->dst, err, sizeof(err)) ||
	    sig_port_resolve(vars, tok[6], &r->dport, err, sizeof(err)))
		return sig_fail(ctx, "header", "%s", err);
	return 0;
}

/* ---- options ---- */

static int parse_options(struct sig_parse_ctx *ctx, char *p)
{
	while (1) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			return 0;
		char *name = p;
		while (*p && *p != ':' && *p != ';')
			p++;
		if (!*p)
			return sig_fail(ctx, sig_trim(name), "option without terminating ';'");
		char *arg = NULL;
		if (*p == ':') {
			*p++ = '\0';
			arg = p;
			bool escaped = false;
			for (; *p; p++) {
				if (escaped)
					escaped = false;
				else if (*p == '\\')
					escaped = true;
				else if (*p == ';')
					break;
			}
			if (!*p)
				return sig_fail(ctx, sig_trim(name), "option without terminating ';'");
		}
		*p++ = '\0';
		name = sig_trim(name);
		if (arg)
			arg = sig_trim(arg);
		if (!*name)
			return sig_fail(ctx, NULL, "empty option");
		const struct sig_keyword *kw = sig_keyword_find(name);
		if (!kw)
			return sig_fail(ctx, name, "unknown keyword");
		if (kw->arg == KW_ARG_NONE && arg)
			return sig_fail(ctx, name, "takes no value");
		if (kw->arg == KW_ARG_REQUIRED && (!arg || !*arg))
			return sig_fail(ctx, name, "needs a value");
		if (kw->fn(ctx, kw, arg))
			return -1;
		ctx->after_later = kw->fn == sig_kw_later;
	}
}

static void parse_ctx_init(struct sig_parse_ctx *ctx, const struct sig_load_options *opt,
			   struct sig_ruleset *rs, struct sig_rule *out, struct sig_load_error *error)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->opt = opt;
	ctx->rs = rs;
	ctx->r = out;
	ctx->error = error;
	ctx->cur_buffer = SIG_BUF_PAYLOAD;
	ctx->last_content = -1;
	ctx->fp_content = -1;
}

/* Built once, kept for the process lifetime: for parse calls without vars. */
static struct sig_vars *shared_default_vars;
static pthread_once_t shared_default_vars_once = PTHREAD_ONCE_INIT;

static void build_default_vars(void)
{
	shared_default_vars = sig_vars_new_defaults();
}

static const struct sig_vars *default_vars(void)
{
	pthread_once(&shared_default_vars_once, build_default_vars);
	return shared_default_vars;
}

int sig_parse_rule(const char *text, const struct sig_load_options *opt, struct sig_ruleset *rs,
		   struct sig_rule *out, struct sig_load_error *error)
{
	struct sig_load_options defaults = { 0 };
	struct sig_parse_ctx ctx;
	memset(out, 0, sizeof(*out));
	memset(error, 0, sizeof(*error));
	if (!opt)
		opt = &defaults;
	struct sig_load_options o = *opt;
	if (!o.vars)
		o.vars = default_vars();
	parse_ctx_init(&ctx, &o, rs, out, error);
	out->gid = 1;
	out->priority = 3;
	out->text = sig_strdup(text);
	char *buf = sig_strdup(text);
	if (!buf || !out->text) {
		free(buf);
		sig_fail(&ctx, NULL, "out of memory");
		sig_rule_free(out);
		return -1;
	}
	char *s = sig_trim(buf);
	char *open = strchr(s, '(');
	size_t len = strlen(s);
	int rc = -1;
	if (!open) {
		sig_fail(&ctx, "header", "no option list: missing '('");
		goto out;
	}
	if (s[len - 1] != ')') {
		sig_fail(&ctx, "options", "unterminated option list: missing ')' at the end");
		goto out;
	}
	*open = '\0';
	s[len - 1] = '\0';
	if (parse_header(&ctx, s) || parse_options(&ctx, open + 1) || sig_rule_finish(&ctx))
		goto out;
	out->active = out->inactive_reason == NULL;
	rc = 0;
out:
	free(buf);
	if (rc) {
		if (!error->reason)
			sig_fail(&ctx, NULL, "out of memory");
		sig_rule_free(out);
	}
	return rc;
}

/* ---- validation after the last option ---- */

int sig_rule_finish(struct sig_parse_ctx *ctx)
{
	struct sig_rule *r = ctx->r;
	if (!ctx->has_sid)
		return sig_fail(ctx, "sid", "rule has no sid");
	if (ctx->unknown_classtype && ctx->opt->warnings)
		fprintf(ctx->opt->warnings, "warning: sid %u: unknown classtype '%s' (priority %u)\n", r->sid,
			r->classtype, r->priority);
	for (size_t i = 0; i < r->n_matches; i++) {
		const struct sig_match *m = &r->matches[i];
		if (m->kind != SIG_M_CONTENT)
			continue;
		const struct sig_content *c = &m->u.content;
		if ((c->flags & SIG_CONTENT_HAS_DEPTH) && c->depth.var_index < 0 &&
		    c->depth.literal < (int64_t)c->len)
			return sig_fail(ctx, "depth", "depth %lld is smaller than the content length %u",
					(long long)c->depth.literal, c->len);
		if ((c->flags & SIG_CONTENT_HAS_WITHIN) && c->within.var_index < 0 &&
		    c->within.literal < (int64_t)c->len)
			return sig_fail(ctx, "within", "within %lld is smaller than the content length %u",
					(long long)c->within.literal, c->len);
		if ((c->flags & SIG_CONTENT_FP_ONLY) &&
		    (c->flags & (SIG_CONTENT_NEGATED | SIG_CONTENT_HAS_OFFSET | SIG_CONTENT_HAS_DEPTH |
				 SIG_CONTENT_HAS_DISTANCE | SIG_CONTENT_HAS_WITHIN)))
			return sig_fail(ctx, "fast_pattern", "fast_pattern:only cannot be combined with "
					"negation or position modifiers");
	}
	return 0;
}

/* ---- freeing ---- */

static void match_free(struct sig_match *m)
{
	switch (m->kind) {
	case SIG_M_CONTENT:
		free(m->u.content.bytes);
		break;
	case SIG_M_PCRE:
		free(m->u.pcre.pattern);
		break;
	case SIG_M_FLOWBITS:
		free(m->u.flowbits.bits);
		break;
	case SIG_M_APP_LAYER_PROTOCOL:
	case SIG_M_OTHER:
		free(m->u.other.value);
		break;
	case SIG_M_GEOIP:
	case SIG_M_IPREP:
		sig_ipmatch_clear(&m->u.ipmatch);
		break;
	default:
		break;
	}
}

void sig_rule_free(struct sig_rule *r)
{
	if (!r)
		return;
	free(r->proto_name);
	sig_addr_set_clear(&r->src);
	sig_addr_set_clear(&r->dst);
	sig_port_set_clear(&r->sport);
	sig_port_set_clear(&r->dport);
	free(r->msg);
	free(r->classtype);
	free(r->class_description);
	for (size_t i = 0; i < r->n_references; i++) {
		free(r->references[i].type);
		free(r->references[i].value);
	}
	free(r->references);
	for (size_t i = 0; i < r->n_metadata; i++)
		free(r->metadata[i]);
	free(r->metadata);
	free(r->target);
	for (size_t i = 0; i < r->n_matches; i++)
		match_free(&r->matches[i]);
	free(r->matches);
	for (size_t i = 0; i < r->n_vars; i++)
		free(r->vars[i]);
	free(r->vars);
	free(r->inactive_reason);
	free(r->text);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

void sig_load_error_free(struct sig_load_error *e)
{
	if (!e)
		return;
	free(e->file);
	free(e->keyword);
	free(e->reason);
	memset(e, 0, sizeof(*e));
}
