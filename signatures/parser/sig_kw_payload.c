/*
 * sig_kw_payload.c - content and its modifiers, sticky buffers, Snort 2.9
 * buffer modifiers, transforms, and pcre.
 *
 * Validation follows Suricata's (detect-content.c, detect-distance.c, ...):
 * a modifier needs a preceding content; relative and absolute modifiers do
 * not mix on one content; each modifier at most once per content; one
 * fast_pattern per rule. A relative first content is allowed (it is relative
 * to the buffer start), as in Suricata.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode a quoted content string: |hex| blocks, \-escapes. `s` starts at the
 * opening quote. On success *out / *len hold a malloc'd pattern.
 */
static int decode_content(struct sig_parse_ctx *ctx, const char *kw, const char *s, uint8_t **out,
			  uint32_t *len)
{
	size_t n = strlen(s);
	if (n < 2 || s[0] != '"')
		return sig_fail(ctx, kw, "content must be a quoted string");
	uint8_t *buf = malloc(n);
	if (!buf)
		return sig_fail(ctx, kw, "out of memory");
	size_t w = 0;
	bool hex = false, closed = false;
	int hi = -1;
	const char *p = s + 1;
	for (; *p; p++) {
		if (hex) {
			if (*p == '"' && p[1] == '\0')
				break; /* reported as an unterminated hex block */
			if (*p == '|') {
				if (hi >= 0)
					goto bad_hex;
				hex = false;
			} else if (*p == ' ' || *p == '\t') {
				if (hi >= 0)
					goto bad_hex; /* "|4 1|": a split byte */
			} else {
				int v = hexval((unsigned char)*p);
				if (v < 0)
					goto bad_hex;
				if (hi < 0) {
					hi = v;
				} else {
					buf[w++] = (uint8_t)(hi << 4 | v);
					hi = -1;
				}
			}
			continue;
		}
		if (*p == '\\') {
			if (!p[1])
				break;
			/* Suricata accepts exactly these escapes in content */
			if (!strchr(";:\"\\", p[1])) {
				free(buf);
				return sig_fail(ctx, kw, "invalid escape '\\%c' (only \\; \\: \\\" \\\\)", p[1]);
			}
			buf[w++] = (uint8_t)*++p;
		} else if (*p == '|') {
			hex = true;
		} else if (*p == '"') {
			closed = true;
			break;
		} else {
			buf[w++] = (uint8_t)*p;
		}
	}
	if (hex) {
		free(buf);
		return sig_fail(ctx, kw, "unterminated |hex| block");
	}
	if (!closed || p[1] != '\0') {
		free(buf);
		return sig_fail(ctx, kw, closed ? "text after the closing quote" : "unterminated quoted string");
	}
	if (w == 0) {
		free(buf);
		return sig_fail(ctx, kw, "content is empty");
	}
	*out = buf;
	*len = (uint32_t)w;
	return 0;
bad_hex:
	free(buf);
	return sig_fail(ctx, kw, "bad hex in content near '%.16s'", p);
}

static int add_content(struct sig_parse_ctx *ctx, const struct sig_keyword *kw, char *arg)
{
	bool negated = false;
	if (arg[0] == '!') {
		negated = true;
		arg = sig_trim(arg + 1);
	}
	uint8_t *bytes = NULL;
	uint32_t len = 0;
	if (decode_content(ctx, kw->name, arg, &bytes, &len))
		return -1;
	struct sig_match *m = sig_add_match(ctx, SIG_M_CONTENT, kw->name);
	if (!m) {
		free(bytes);
		return sig_fail(ctx, kw->name, "out of memory");
	}
	struct sig_content *c = &m->u.content;
	c->bytes = bytes;
	c->len = len;
	c->flags = negated ? SIG_CONTENT_NEGATED : 0;
	c->offset.var_index = c->depth.var_index = -1;
	c->distance.var_index = c->within.var_index = -1;
	ctx->last_content = (long)ctx->r->n_matches - 1;
	return 0;
}

SIG_KW_HANDLER(sig_kw_content)
{
	return add_content(ctx, kw, arg);
}

/* Snort's uricontent:"x" == content:"x"; http_uri; */
SIG_KW_HANDLER(sig_kw_uricontent)
{
	if (add_content(ctx, kw, arg))
		return -1;
	ctx->r->matches[ctx->last_content].buffer = SIG_BUF_HTTP_URI;
	sig_needs(ctx, kw->feature);
	return 0;
}

/* Literal, or the name of an earlier byte_extract variable. */
static int parse_value(struct sig_parse_ctx *ctx, const char *kw, const char *s, struct sig_value *v,
		       int64_t min, int64_t max)
{
	if (isalpha((unsigned char)s[0]) || s[0] == '_') {
		int idx = sig_find_var(ctx, s);
		if (idx < 0)
			return sig_fail(ctx, kw, "unknown byte_extract variable '%s'", s);
		v->var_index = (int16_t)idx;
		v->literal = 0;
		return 0;
	}
	int64_t n;
	if (!sig_parse_i64(s, &n) || n < min || n > max)
		return sig_fail(ctx, kw, "bad value '%s'", s);
	v->literal = n;
	v->var_index = -1;
	return 0;
}
#define VALUE_MAX 65535

static int set_fast_pattern(struct sig_parse_ctx *ctx, const char *kw, struct sig_content *c, char *arg)
{
	if (ctx->fp_content >= 0)
		return sig_fail(ctx, kw, "fast_pattern can be used on only one content in a rule");
	ctx->fp_content = ctx->last_content;
	c->flags |= SIG_CONTENT_FAST_PATTERN;
	if (!arg)
		return 0;
	if (strcmp(arg, "only") == 0) {
		if (c->flags & SIG_CONTENT_NEGATED)
			return sig_fail(ctx, kw, "fast_pattern:only cannot be used on a negated content");
		c->flags |= SIG_CONTENT_FP_ONLY;
		return 0;
	}
	char *parts[3];
	uint32_t off, len;
	if (sig_split_commas(arg, parts, 2) != 2 || !sig_parse_u32(parts[0], &off) ||
	    !sig_parse_u32(parts[1], &len) || len == 0 || off > 65535 || len > 65535)
		return sig_fail(ctx, kw, "expected 'only' or 'offset,length', got '%s'", arg);
	if ((uint64_t)off + len > c->len)
		return sig_fail(ctx, kw, "fast_pattern chop %u,%u is beyond the content length %u", off, len,
				c->len);
	c->flags |= SIG_CONTENT_FP_CHOP;
	c->fp_chop_offset = (uint16_t)off;
	c->fp_chop_len = (uint16_t)len;
	return 0;
}

SIG_KW_HANDLER(sig_kw_content_modifier)
{
	const char *name = kw->name;
	if (ctx->last_content < 0)
		return sig_fail(ctx, name, "%s needs a preceding content", name);
	struct sig_content *c = &ctx->r->matches[ctx->last_content].u.content;
	const uint32_t absolute = SIG_CONTENT_HAS_OFFSET | SIG_CONTENT_HAS_DEPTH;
	const uint32_t relative = SIG_CONTENT_HAS_DISTANCE | SIG_CONTENT_HAS_WITHIN;
	const uint32_t anchored = SIG_CONTENT_STARTSWITH;
	uint32_t bit = 0, conflicts = 0;
	struct sig_value *value = NULL;
	int64_t min = 0;

	if (strcmp(name, "nocase") == 0) {
		bit = SIG_CONTENT_NOCASE;
	} else if (strcmp(name, "rawbytes") == 0) {
		c->flags |= SIG_CONTENT_RAWBYTES; /* Suricata ignores it too */
		return 0;
	} else if (strcmp(name, "depth") == 0) {
		bit = SIG_CONTENT_HAS_DEPTH, conflicts = relative | anchored, value = &c->depth;
	} else if (strcmp(name, "offset") == 0) {
		bit = SIG_CONTENT_HAS_OFFSET, conflicts = relative | anchored, value = &c->offset;
	} else if (strcmp(name, "distance") == 0) {
		bit = SIG_CONTENT_HAS_DISTANCE, conflicts = absolute | anchored, value = &c->distance;
		min = -VALUE_MAX;
	} else if (strcmp(name, "within") == 0) {
		bit = SIG_CONTENT_HAS_WITHIN, conflicts = absolute | anchored, value = &c->within;
		min = -VALUE_MAX;
	} else if (strcmp(name, "startswith") == 0) {
		bit = SIG_CONTENT_STARTSWITH, conflicts = absolute | relative;
	} else if (strcmp(name, "endswith") == 0) {
		bit = SIG_CONTENT_ENDSWITH;
	} else if (strcmp(name, "fast_pattern") == 0) {
		return set_fast_pattern(ctx, name, c, arg);
	}
	if (c->flags & bit)
		return sig_fail(ctx, name, "%s given twice for the same content", name);
	if (c->flags & conflicts)
		return sig_fail(ctx, name, "%s cannot be combined with the content's %s", name,
				(c->flags & anchored) ? "startswith" :
				(c->flags & absolute) ? "depth/offset" : "distance/within");
	if ((bit & relative) && (c->flags & SIG_CONTENT_FP_ONLY))
		return sig_fail(ctx, name, "a relative modifier cannot follow fast_pattern:only");
	if (value && parse_value(ctx, name, arg, value, min, VALUE_MAX))
		return -1;
	c->flags |= bit;
	return 0;
}

/* http_uri; http_header; ... after a content: move that content to a buffer. */
SIG_KW_HANDLER(sig_kw_buffer_modifier)
{
	if (ctx->last_content < 0)
		return sig_fail(ctx, kw->name, "%s needs a preceding content", kw->name);
	struct sig_match *m = &ctx->r->matches[ctx->last_content];
	if (m->buffer != SIG_BUF_PAYLOAD && m->buffer != kw->param)
		return sig_fail(ctx, kw->name, "content is already in buffer %s", sig_buffer_name(m->buffer));
	m->buffer = (uint8_t)kw->param;
	sig_needs(ctx, kw->feature);
	return 0;
}

SIG_KW_HANDLER(sig_kw_sticky_buffer)
{
	ctx->cur_buffer = (uint8_t)kw->param;
	ctx->cur_xforms = 0;
	ctx->section_start = ctx->r->n_matches;
	ctx->cur_buffer_name = kw->name;
	if (kw->param != SIG_BUF_PAYLOAD)
		sig_needs(ctx, kw->feature ? kw->feature : kw->name);
	return 0;
}

SIG_KW_HANDLER(sig_kw_transform)
{
	/* After a keyword without engine the buffer may be one we only know by
	 * name; the rule is inactive then anyway. */
	if (ctx->cur_buffer == SIG_BUF_PAYLOAD && !ctx->after_later)
		return sig_fail(ctx, kw->name, "transforms need a sticky buffer");
	ctx->cur_xforms |= (uint8_t)kw->param;
	for (size_t i = ctx->section_start; i < ctx->r->n_matches; i++)
		ctx->r->matches[i].transforms = ctx->cur_xforms;
	if (kw->param == SIG_XFORM_OTHER) {
		char feat[64];
		snprintf(feat, sizeof(feat), "transform %s", kw->name);
		sig_needs(ctx, feat);
	}
	return 0;
}

/* pcre modifier letters that select an HTTP buffer (Suricata detect-pcre.c). */
static int pcre_flag_buffer(char f)
{
	switch (f) {
	case 'U': return SIG_BUF_HTTP_URI;
	case 'I': return SIG_BUF_HTTP_URI_RAW;
	case 'P': return SIG_BUF_HTTP_REQUEST_BODY;
	case 'Q': return SIG_BUF_HTTP_RESPONSE_BODY;
	case 'H': return SIG_BUF_HTTP_HEADER;
	case 'D': return SIG_BUF_HTTP_HEADER_RAW;
	case 'M': return SIG_BUF_HTTP_METHOD;
	case 'C': return SIG_BUF_HTTP_COOKIE;
	case 'S': return SIG_BUF_HTTP_STAT_CODE;
	case 'Y': return SIG_BUF_HTTP_STAT_MSG;
	case 'V': return SIG_BUF_HTTP_USER_AGENT;
	case 'W': return SIG_BUF_HTTP_HOST;
	case 'Z': return SIG_BUF_HTTP_HOST_RAW;
	default: return -1;
	}
}

SIG_KW_HANDLER(sig_kw_pcre)
{
	bool negated = false;
	if (arg[0] == '!') {
		negated = true;
		arg = sig_trim(arg + 1);
	}
	size_t n = strlen(arg);
	if (arg[0] == '"') {
		if (n < 2 || arg[n - 1] != '"')
			return sig_fail(ctx, kw->name, "unterminated quoted string");
		arg[--n] = '\0';
		arg++;
		n--;
	}
	char *last = strrchr(arg, '/');
	if (arg[0] != '/' || last == arg)
		return sig_fail(ctx, kw->name, "expected \"/regex/flags\"");
	*last = '\0';
	/* Suricata 7 captures: "/re/flags, flow:name,pkt:name" */
	char *captures = strchr(last + 1, ',');
	if (captures) {
		*captures++ = '\0';
		captures = sig_trim(captures);
		if (!*captures)
			return sig_fail(ctx, kw->name, "empty capture list");
		sig_needs(ctx, "pcre capture");
	}
	char *flag_end = last + 1 + strlen(last + 1);
	while (flag_end > last + 1 && (flag_end[-1] == ' ' || flag_end[-1] == '\t'))
		*--flag_end = '\0';
	const char *pattern = arg + 1, *flags = last + 1;
	uint32_t options = 0, mflags = negated ? SIG_PCRE_NEGATED : 0;
	int buffer = -1;
	for (const char *f = flags; *f; f++) {
		switch (*f) {
		case 'i': options |= PCRE2_CASELESS; break;
		case 's': options |= PCRE2_DOTALL; break;
		case 'm': options |= PCRE2_MULTILINE; break;
		case 'x': options |= PCRE2_EXTENDED; break;
		case 'A': options |= PCRE2_ANCHORED; break;
		case 'E': options |= PCRE2_DOLLAR_ENDONLY; break;
		case 'G': options |= PCRE2_UNGREEDY; break;
		case 'R': mflags |= SIG_PCRE_RELATIVE; break;
		case 'B': mflags |= SIG_PCRE_RAWBYTES; break;
		case 'O': break; /* override match limits: ours are fixed */
		default: {
			int b = pcre_flag_buffer(*f);
			if (b < 0)
				return sig_fail(ctx, kw->name, "unknown pcre flag '%c'", *f);
			if (buffer >= 0 && buffer != b)
				return sig_fail(ctx, kw->name, "pcre flags select two buffers");
			buffer = b;
		}
		}
	}
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options, &errcode,
					 &erroff, NULL);
	if (!code) {
		char msg[160];
		pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof(msg));
		return sig_fail(ctx, kw->name, "pcre compile error at offset %zu: %s", (size_t)erroff, msg);
	}
	pcre2_code_free(code);
	struct sig_match *m = sig_add_match(ctx, SIG_M_PCRE, kw->name);
	if (!m || !(m->u.pcre.pattern = sig_strdup(pattern)))
		return sig_fail(ctx, kw->name, "out of memory");
	if (buffer >= 0) {
		m->buffer = (uint8_t)buffer;
		m->transforms = 0;
		sig_needs(ctx, sig_buffer_name((uint8_t)buffer));
	}
	m->u.pcre.pcre2_options = options;
	m->u.pcre.flags = mflags;
	if ((mflags & SIG_PCRE_RELATIVE) && m->buffer == SIG_BUF_PAYLOAD &&
	    sig_prev_payload_match(ctx, ctx->r->n_matches - 1, SIG_BUF_PAYLOAD) < 0) {
		/* Snort 2.9: a relative pcre continues from the last match, in
		 * whatever buffer that was ("content:..; http_client_body; pcre:/../R").
		 * Only with no earlier match at all is it an error (Suricata's). */
		long prev = -1;
		for (size_t i = ctx->r->n_matches - 1; i-- > 0;) {
			uint8_t k = ctx->r->matches[i].kind;
			if (k == SIG_M_CONTENT || k == SIG_M_PCRE) {
				prev = (long)i;
				break;
			}
		}
		if (prev < 0)
			return sig_fail(ctx, kw->name, "pcre with /R (relative) needs a preceding match in the same buffer");
		m->buffer = ctx->r->matches[prev].buffer;
		m->transforms = ctx->r->matches[prev].transforms;
		sig_needs(ctx, sig_buffer_name(m->buffer));
	}
	return 0;
}

/* isdataat:[!]N[,relative][,rawbytes] */
SIG_KW_HANDLER(sig_kw_isdataat)
{
	char *parts[4];
	size_t n = sig_split_commas(arg, parts, 3);
	if (n == 0 || n > 3)
		return sig_fail(ctx, kw->name, "expected '[!]N[,relative][,rawbytes]'");
	struct sig_isdataat d = { 0 };
	char *num = parts[0];
	if (*num == '!') {
		d.negated = true;
		num = sig_trim(num + 1);
	}
	if (parse_value(ctx, kw->name, num, &d.offset, 0, VALUE_MAX))
		return -1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(parts[i], "relative") == 0)
			d.relative = true;
		else if (strcmp(parts[i], "rawbytes") == 0)
			d.rawbytes = true;
		else
			return sig_fail(ctx, kw->name, "unknown option '%s'", parts[i]);
	}
	struct sig_match *m = sig_add_match(ctx, SIG_M_ISDATAAT, kw->name);
	if (!m)
		return sig_fail(ctx, kw->name, "out of memory");
	m->u.isdataat = d;
	return 0;
}
