/*
 * sig_kw_packet.c - header and flow keywords: dsize ttl itype icode icmp_id
 * icmp_seq ack seq window id tos fragoffset urilen bsize (numeric compares),
 * flags fragbits ipopts ip_proto sameip flow flowbits threshold
 * detection_filter.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

static int64_t numcmp_max(uint8_t kind)
{
	switch (kind) {
	case SIG_M_TTL: case SIG_M_ITYPE: case SIG_M_ICODE: case SIG_M_TOS:
		return 255;
	case SIG_M_DSIZE: case SIG_M_ICMP_ID: case SIG_M_ICMP_SEQ: case SIG_M_WINDOW: case SIG_M_ID:
		return 65535;
	case SIG_M_FRAGOFFSET:
		return 65535;
	default:
		return UINT32_MAX;
	}
}

static bool parse_bounded(const char *s, int64_t max, int64_t *out)
{
	s += strspn(s, " \t");
	return sig_parse_i64(s, out) && *out >= 0 && *out <= max && s[0] != '-';
}

/* N, <N, >N, <=N, >=N, !N, N<>M, N-M. */
static int parse_numcmp(const char *s, int64_t max, struct sig_numcmp *out)
{
	memset(out, 0, sizeof(*out));
	const char *range = strstr(s, "<>");
	size_t skip = 2;
	if (!range && isdigit((unsigned char)s[0]) && strchr(s, '-')) {
		range = strchr(s, '-');
		skip = 1;
	}
	if (range) {
		char lo[32];
		size_t n = (size_t)(range - s);
		if (n == 0 || n >= sizeof(lo))
			return -1;
		memcpy(lo, s, n);
		lo[n] = '\0';
		if (!parse_bounded(sig_trim(lo), max, &out->lo) || !parse_bounded(range + skip, max, &out->hi) ||
		    out->lo >= out->hi)
			return -1;
		out->cmp = SIG_CMP_RANGE;
		return 0;
	}
	if (s[0] == '<' && s[1] == '=')
		out->cmp = SIG_CMP_LE, s += 2;
	else if (s[0] == '>' && s[1] == '=')
		out->cmp = SIG_CMP_GE, s += 2;
	else if (s[0] == '<')
		out->cmp = SIG_CMP_LT, s++;
	else if (s[0] == '>')
		out->cmp = SIG_CMP_GT, s++;
	else if (s[0] == '!')
		out->cmp = SIG_CMP_NE, s++;
	else if (s[0] == '=')
		out->cmp = SIG_CMP_EQ, s++;
	else
		out->cmp = SIG_CMP_EQ;
	return parse_bounded(s, max, &out->lo) ? 0 : -1;
}

SIG_KW_HANDLER(sig_kw_numcmp)
{
	uint8_t kind = (uint8_t)kw->param;
	if (kind == SIG_M_URILEN) {
		/* urilen:N[,norm|raw] */
		char *comma = strchr(arg, ',');
		if (comma) {
			*comma = '\0';
			const char *mode = sig_trim(comma + 1);
			if (strcmp(mode, "norm") != 0 && strcmp(mode, "raw") != 0)
				return sig_fail(ctx, kw->name, "expected norm or raw, got '%s'", mode);
			arg = sig_trim(arg);
		}
	}
	struct sig_numcmp num;
	if (parse_numcmp(arg, numcmp_max(kind), &num))
		return sig_fail(ctx, kw->name, "bad value '%s'", arg);
	struct sig_match *m = sig_add_match(ctx, kind, kw->name);
	if (!m)
		return sig_fail(ctx, kw->name, "out of memory");
	m->u.num = num;
	if (kind == SIG_M_URILEN) {
		m->buffer = SIG_BUF_HTTP_URI;
		sig_needs(ctx, "http.uri");
	}
	return 0;
}

static int flag_bit(char c)
{
	switch (c) {
	case 'F': case 'f': return TCP_FLAG_FIN;
	case 'S': case 's': return TCP_FLAG_SYN;
	case 'R': case 'r': return TCP_FLAG_RST;
	case 'P': case 'p': return TCP_FLAG_PSH;
	case 'A': case 'a': return TCP_FLAG_ACK;
	case 'U': case 'u': return TCP_FLAG_URG;
	case 'C': case 'c': case '1': return TCP_FLAG_CWR;
	case 'E': case 'e': case '2': return TCP_FLAG_ECE;
	default: return -1;
	}
}

static int frag_bit(char c)
{
	switch (c) {
	case 'M': return SIG_FRAGBIT_MF;
	case 'D': return SIG_FRAGBIT_DF;
	case 'R': return SIG_FRAGBIT_RB;
	default: return -1;
	}
}

/* [+*!]LETTERS[+*!][,MASK] into tcp_flags; bit() maps a letter. */
static int parse_bits(struct sig_parse_ctx *ctx, const char *kw, char *arg, int (*bit)(char),
		      bool allow_zero, struct sig_tcp_flags *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = '=';
	char *comma = strchr(arg, ',');
	if (comma) {
		*comma = '\0';
		char *mask = sig_trim(comma + 1);
		if (!*mask)
			return sig_fail(ctx, kw, "empty mask");
		for (char *p = mask; *p; p++) {
			int b = bit(*p);
			if (b < 0)
				return sig_fail(ctx, kw, "bad mask flag '%c'", *p);
			out->mask |= (uint8_t)b;
		}
	}
	bool any = false;
	for (char *p = sig_trim(arg); *p; p++) {
		if (*p == '+' || *p == '*' || *p == '!') {
			if (out->mode != '=' && out->mode != *p)
				return sig_fail(ctx, kw, "more than one modifier");
			out->mode = (uint8_t)*p;
			continue;
		}
		if (*p == ' ' || *p == '\t')
			continue;
		if (allow_zero && *p == '0') {
			out->no_flags = true;
			any = true;
			continue;
		}
		int b = bit(*p);
		if (b < 0)
			return sig_fail(ctx, kw, "bad flag '%c'", *p);
		out->flags |= (uint8_t)b;
		any = true;
	}
	if (!any)
		return sig_fail(ctx, kw, "no flags given");
	if (out->no_flags && out->flags)
		return sig_fail(ctx, kw, "'0' cannot be combined with other flags");
	return 0;
}

SIG_KW_HANDLER(sig_kw_flags)
{
	struct sig_tcp_flags f;
	if (parse_bits(ctx, kw->name, arg, flag_bit, true, &f))
		return -1;
	struct sig_match *m = sig_add_match(ctx, SIG_M_FLAGS, kw->name);
	if (!m)
		return sig_fail(ctx, kw->name, "out of memory");
	m->u.tcp_flags = f;
	return 0;
}

SIG_KW_HANDLER(sig_kw_fragbits)
{
	struct sig_tcp_flags f;
	if (parse_bits(ctx, kw->name, arg, frag_bit, false, &f))
		return -1;
	struct sig_match *m = sig_add_match(ctx, SIG_M_FRAGBITS, kw->name);
	if (!m)
		return sig_fail(ctx, kw->name, "out of memory");
	m->u.tcp_flags = f;
	return 0;
}

SIG_KW_HANDLER(sig_kw_ipopts)
{
	static const struct { const char *name; int code; } opts[] = {
		{ "rr", 7 }, { "eol", 0 }, { "nop", 1 }, { "ts", 68 }, { "sec", 130 }, { "esec", 133 },
		{ "lsrr", 131 }, { "lsrre", 131 }, { "ssrr", 137 }, { "satid", 136 }, { "rtralt", 148 }, { "any", -1 },
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(arg, opts[i].name) == 0) {
			struct sig_match *m = sig_add_match(ctx, SIG_M_IPOPTS, kw->name);
			if (!m)
				return sig_fail(ctx, kw->name, "out of memory");
			m->u.num.cmp = SIG_CMP_EQ;
			m->u.num.lo = opts[i].code;
			return 0;
		}
	}
	return sig_fail(ctx, kw->name, "unknown IP option '%s'", arg);
}

SIG_KW_HANDLER(sig_kw_ip_proto)
{
	static const struct { const char *name; uint8_t num; } names[] = {
		{ "ip", 0 }, { "hopopt", 0 }, { "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "ipv4", 4 },
		{ "tcp", 6 }, { "egp", 8 }, { "pup", 12 }, { "udp", 17 }, { "idp", 22 }, { "ipv6", 41 },
		{ "ipv6-route", 43 }, { "ipv6-frag", 44 }, { "rsvp", 46 }, { "gre", 47 }, { "esp", 50 },
		{ "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 }, { "ipv6-nonxt", 59 }, { "ipv6-opts", 60 },
		{ "eigrp", 88 }, { "ospf", 89 }, { "pim", 103 }, { "vrrp", 112 }, { "l2tp", 115 },
		{ "sctp", 132 }, { "udplite", 136 }, { "mpls-in-ip", 137 },
	};
	bool negated = false;
	int8_t cmp = '=';
	if (arg[0] == '!')
		negated = true, arg = sig_trim(arg + 1);
	else if (arg[0] == '<' || arg[0] == '>')
		cmp = arg[0], arg = sig_trim(arg + 1);
	int64_t v = -1;
	if (isdigit((unsigned char)arg[0])) {
		if (!sig_parse_i64(arg, &v) || v < 0 || v > 255)
			return sig_fail(ctx, kw->name, "bad protocol number '%s'", arg);
	} else {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcasecmp(arg, names[i].name) == 0)
				v = names[i].num;
		if (v < 0)
			return sig_fail(ctx, kw->name, "unknown protocol name '%s'", arg);
	}
	struct sig_match *m = sig_add_match(ctx, SIG_M_IP_PROTO, kw->name);
	if (!m)
		return sig_fail(ctx, kw->name, "out of memory");
	m->u.ip_proto.proto = (uint8_t)v;
	m->u.ip_proto.negated = negated;
	m->u.ip_proto.cmp = cmp;
	return 0;
}

SIG_KW_HANDLER(sig_kw_sameip)
{
	return sig_add_match(ctx, SIG_M_SAMEIP, kw->name) ? 0 : sig_fail(ctx, kw->name, "out of memory");
}

SIG_KW_HANDLER(sig_kw_flow)
{
	static const struct { const char *name; uint32_t bit; } opts[] = {
		{ "established", SIG_FLOW_ESTABLISHED }, { "not_established", SIG_FLOW_NOT_ESTABLISHED },
		{ "stateless", SIG_FLOW_STATELESS },     { "to_server", SIG_FLOW_TO_SERVER },
		{ "from_client", SIG_FLOW_TO_SERVER },   { "to_client", SIG_FLOW_TO_CLIENT },
		{ "from_server", SIG_FLOW_TO_CLIENT },   { "only_stream", SIG_FLOW_ONLY_STREAM },
		{ "no_stream", SIG_FLOW_NO_STREAM },     { "only_frag", SIG_FLOW_ONLY_FRAG },
		{ "no_frag", SIG_FLOW_NO_FRAG },
	};
	char *parts[8];
	size_t n = sig_split_commas(arg, parts, 7);
	if (n > 7)
		return sig_fail(ctx, kw->name, "too many options");
	uint32_t flow = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strcmp(parts[i], opts[k].name) == 0)
				break;
		if (k == sizeof(opts) / sizeof(opts[0]))
			return sig_fail(ctx, kw->name, "unknown flow option '%s'", parts[i]);
		if (flow & opts[k].bit)
			return sig_fail(ctx, kw->name, "flow option '%s' given twice", parts[i]);
		flow |= opts[k].bit;
	}
	const uint32_t pairs[][2] = {
		{ SIG_FLOW_TO_SERVER, SIG_FLOW_TO_CLIENT },
		{ SIG_FLOW_ESTABLISHED, SIG_FLOW_NOT_ESTABLISHED },
		{ SIG_FLOW_ESTABLISHED, SIG_FLOW_STATELESS },
		{ SIG_FLOW_ONLY_STREAM, SIG_FLOW_NO_STREAM },
		{ SIG_FLOW_ONLY_FRAG, SIG_FLOW_NO_FRAG },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if ((flow & pairs[i][0]) && (flow & pairs[i][1]))
			return sig_fail(ctx, kw->name, "conflicting flow options");
	ctx->r->flow |= flow;
	return 0;
}

SIG_KW_HANDLER(sig_kw_flowbits)
{
	static const struct { const char *name; uint8_t cmd; } cmds[] = {
		{ "set", SIG_FLOWBITS_SET }, { "isset", SIG_FLOWBITS_ISSET },
		{ "isnotset", SIG_FLOWBITS_ISNOTSET }, { "unset", SIG_FLOWBITS_UNSET },
		{ "toggle", SIG_FLOWBITS_TOGGLE }, { "noalert", SIG_FLOWBITS_NOALERT },
	};
	char *comma = strchr(arg, ',');
	char *names = NULL;
	if (comma) {
		*comma = '\0';
		names = sig_trim(comma + 1);
	}
	char *cmd_s = sig_trim(arg);
	size_t k;
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(cmd_s, cmds[k].name) == 0)
			break;
	if (k == sizeof(cmds) / sizeof(cmds[0]))
		return sig_fail(ctx, kw->name, "unknown flowbits command '%s'", cmd_s);
	uint8_t cmd = cmds[k].cmd;
	if (cmd == SIG_FLOWBITS_NOALERT) {
		if (names && *names)
			return sig_fail(ctx, kw->name, "noalert takes no name");
		ctx->r->noalert = true;
		struct sig_match *m = sig_add_match(ctx, SIG_M_FLOWBITS, kw->name);
		if (!m)
			return sig_fail(ctx, kw->name, "out of memory");
		m->u.flowbits.cmd = cmd;
		return 0;
	}
	if (!names || !*names)
		return sig_fail(ctx, kw->name, "%s needs a flowbit name", cmd_s);
	if (!ctx->rs)
		return sig_fail(ctx, kw->name, "flowbits need a rule set to intern names");
	bool has_or = strchr(names, '|') != NULL, has_and = strchr(names, '&') != NULL;
	if (has_or && has_and)
		return sig_fail(ctx, kw->name, "cannot mix '|' and '&' in flowbit names");
	char sep = has_or ? '|' : '&';
	size_t count = 1;
	for (const char *p = names; *p; p++)
		count += *p == sep;
	uint16_t *bits = calloc(count, sizeof(*bits));
	if (!bits)
		return sig_fail(ctx, kw->name, "out of memory");
	size_t nb = 0;
	for (char *p = names; p;) {
		char *next = strchr(p, sep);
		if (next)
			*next++ = '\0';
		char *name = sig_trim(p);
		p = next;
		if (!*name || strpbrk(name, " \t,")) {
			free(bits);
			return sig_fail(ctx, kw->name, "bad flowbit name '%s'", name);
		}
		int idx = sig_intern_flowbit(ctx, name, strlen(name));
		if (idx < 0) {
			free(bits);
			return sig_fail(ctx, kw->name, "out of memory");
		}
		bits[nb++] = (uint16_t)idx;
	}
	struct sig_match *m = sig_add_match(ctx, SIG_M_FLOWBITS, kw->name);
	if (!m) {
		free(bits);
		return sig_fail(ctx, kw->name, "out of memory");
	}
	m->u.flowbits.cmd = cmd;
	m->u.flowbits.any_of = has_or;
	m->u.flowbits.bits = bits;
	m->u.flowbits.n_bits = (uint16_t)nb;
	return 0;
}

/* threshold: type T, track K, count N, seconds S;  detection_filter: track, count, seconds */
SIG_KW_HANDLER(sig_kw_threshold)
{
	bool is_df = kw->param == SIG_THRESH_DETECTION_FILTER;
	struct sig_rule *r = ctx->r;
	if (is_df ? r->has_detection_filter : r->has_threshold)
		return sig_fail(ctx, kw->name, "given twice");
	struct sig_threshold t = { .type = SIG_THRESH_DETECTION_FILTER };
	bool have_type = is_df, have_track = false, have_count = false, have_seconds = false;
	bool backoff = false; /* Suricata 8: count + multiplier, no seconds */
	char *parts[8];
	size_t n = sig_split_commas(arg, parts, 7);
	if (n > 7)
		return sig_fail(ctx, kw->name, "too many options");
	for (size_t i = 0; i < n; i++) {
		char *key = parts[i], *val = key + strcspn(key, " \t");
		if (*val)
			*val++ = '\0';
		val = sig_trim(val);
		if (!is_df && strcmp(key, "type") == 0) {
			if (strcmp(val, "limit") == 0)
				t.type = SIG_THRESH_LIMIT;
			else if (strcmp(val, "threshold") == 0)
				t.type = SIG_THRESH_THRESHOLD;
			else if (strcmp(val, "both") == 0)
				t.type = SIG_THRESH_BOTH;
			else if (strcmp(val, "backoff") == 0)
				t.type = SIG_THRESH_THRESHOLD, backoff = true, sig_needs(ctx, "threshold type backoff");
			else
				return sig_fail(ctx, kw->name, "unknown type '%s'", val);
			have_type = true;
		} else if (strcmp(key, "track") == 0) {
			if (strcmp(val, "by_src") == 0)
				t.track = SIG_TRACK_BY_SRC;
			else if (strcmp(val, "by_dst") == 0)
				t.track = SIG_TRACK_BY_DST;
			else if (strcmp(val, "by_rule") == 0)
				t.track = SIG_TRACK_BY_RULE;
			else if (strcmp(val, "by_both") == 0)
				t.track = SIG_TRACK_BY_BOTH;
			else if (strcmp(val, "by_flow") == 0)
				t.track = SIG_TRACK_BY_BOTH, sig_needs(ctx, "threshold track by_flow");
			else
				return sig_fail(ctx, kw->name, "unknown track '%s'", val);
			have_track = true;
		} else if (strcmp(key, "count") == 0) {
			if (!sig_parse_u32(val, &t.count) || t.count == 0)
				return sig_fail(ctx, kw->name, "bad count '%s'", val);
			have_count = true;
		} else if (strcmp(key, "seconds") == 0) {
			if (!sig_parse_u32(val, &t.seconds) || t.seconds == 0)
				return sig_fail(ctx, kw->name, "bad seconds '%s'", val);
			have_seconds = true;
		} else if (strcmp(key, "multiplier") == 0 || (is_df && strcmp(key, "unique_on") == 0)) {
			/* Suricata 8 (backoff multiplier, distinct-value counting) */
			if (!*val)
				return sig_fail(ctx, kw->name, "%s needs a value", key);
			char feat[64];
			snprintf(feat, sizeof(feat), "%s %s", kw->name, key);
			sig_needs(ctx, feat);
		} else {
			return sig_fail(ctx, kw->name, "unknown option '%s'", key);
		}
	}
	if (!have_type || !have_track || !have_count || (!have_seconds && !backoff))
		return sig_fail(ctx, kw->name, is_df ? "needs track, count and seconds" :
				"needs type, track, count and seconds");
	if (is_df) {
		r->has_detection_filter = true;
		r->detection_filter = t;
	} else {
		r->has_threshold = true;
		r->threshold = t;
	}
	return 0;
}
