/*
 * sig_kw_byte.c - byte_test, byte_jump, byte_extract.
 *
 *   byte_test:N,[!]op,value,offset[,relative][,big|little][,string,hex|dec|oct][,dce][,bitmask M]
 *   byte_jump:N,offset[,relative][,multiplier M][,big|little][,string,hex|dec|oct][,align]
 *             [,from_beginning|from_end][,post_offset P][,dce][,bitmask M]
 *   byte_extract:N,offset,name[,relative][,multiplier M][,big|little][,string,hex|dec|oct]
 *             [,align 2|4][,dce][,bitmask M]
 * value and offset may name an earlier byte_extract variable. "dce" parses
 * and makes the rule inactive ("needs dce").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

#define MAX_PARTS 16

static int byte_value(struct sig_parse_ctx *ctx, const char *kw, const char *s, struct sig_value *v)
{
	if (isalpha((unsigned char)s[0]) || s[0] == '_') {
		int idx = sig_find_var(ctx, s);
		if (idx < 0)
			return sig_fail(ctx, kw, "unknown byte_extract variable '%s'", s);
		v->var_index = (int16_t)idx;
		return 0;
	}
	v->var_index = -1;
	if (!sig_parse_i64(s, &v->literal)) {
		/* values above INT64_MAX are still valid unsigned operands */
		char *end;
		unsigned long long u = strtoull(s, &end, 0);
		if (*end || !*s || s[0] == '-')
			return sig_fail(ctx, kw, "bad number '%s'", s);
		v->literal = (int64_t)u;
	}
	return 0;
}

/* 0 is accepted here and must come with "string" (byte_check): Suricata 7
 * reads it as "the number in the rest of the buffer", and ET rules use it. */
static int parse_nbytes(struct sig_parse_ctx *ctx, const char *kw, const char *s, struct sig_byte *b)
{
	uint32_t n;
	if (!sig_parse_u32(s, &n) || n > 10)
		return sig_fail(ctx, kw, "number of bytes must be 1..10, got '%s'", s);
	b->nbytes = (uint8_t)n;
	return 0;
}

/* One trailing option shared by the three keywords; `allowed` gates which. */
#define OPT_MULT    0x1
#define OPT_ALIGN   0x2 /* byte_jump: bare "align" */
#define OPT_ALIGN_N 0x4 /* byte_extract: "align 2|4" */
#define OPT_JUMP    0x8 /* from_beginning from_end post_offset */

static int byte_option(struct sig_parse_ctx *ctx, const char *kw, char *opt, struct sig_byte *b, unsigned allowed)
{
	char *val = opt + strcspn(opt, " \t");
	if (*val) {
		*val++ = '\0';
		val = sig_trim(val);
	}
	int64_t n;
	if (strcmp(opt, "relative") == 0) {
		b->flags |= SIG_BYTE_RELATIVE;
	} else if (strcmp(opt, "big") == 0) {
		b->flags |= SIG_BYTE_BIG;
	} else if (strcmp(opt, "little") == 0) {
		b->flags |= SIG_BYTE_LITTLE;
	} else if (strcmp(opt, "string") == 0) {
		b->flags |= SIG_BYTE_STRING;
	} else if (strcmp(opt, "hex") == 0) {
		b->flags |= SIG_BYTE_HEX;
	} else if (strcmp(opt, "dec") == 0) {
		b->flags |= SIG_BYTE_DEC;
	} else if (strcmp(opt, "oct") == 0) {
		b->flags |= SIG_BYTE_OCT;
	} else if (strcmp(opt, "dce") == 0) {
		b->flags |= SIG_BYTE_DCE;
		sig_needs(ctx, "dce");
	} else if (strcmp(opt, "bitmask") == 0) {
		char *end;
		unsigned long long m = strtoull(val, &end, 0);
		if (!*val || *end || m == 0)
			return sig_fail(ctx, kw, "bad bitmask '%s'", val);
		b->flags |= SIG_BYTE_BITMASK;
		b->bitmask = m;
		return 0;
	} else if ((allowed & OPT_MULT) && strcmp(opt, "multiplier") == 0) {
		if (!sig_parse_i64(val, &n) || n < 1 || n > 65535)
			return sig_fail(ctx, kw, "bad multiplier '%s'", val);
		b->multiplier = (int32_t)n;
		return 0;
	} else if ((allowed & OPT_ALIGN) && strcmp(opt, "align") == 0) {
		b->flags |= SIG_BYTE_ALIGN;
		b->align = 4;
	} else if ((allowed & OPT_ALIGN_N) && strcmp(opt, "align") == 0) {
		if (!sig_parse_i64(val, &n) || (n != 2 && n != 4))
			return sig_fail(ctx, kw, "align must be 2 or 4, got '%s'", val);
		b->flags |= SIG_BYTE_ALIGN;
		b->align = (uint8_t)n;
		return 0;
	} else if ((allowed & OPT_JUMP) && strcmp(opt, "from_beginning") == 0) {
		b->flags |= SIG_BYTE_FROM_BEGINNING;
	} else if ((allowed & OPT_JUMP) && strcmp(opt, "from_end") == 0) {
		b->flags |= SIG_BYTE_FROM_END;
	} else if ((allowed & OPT_JUMP) && strcmp(opt, "post_offset") == 0) {
		if (!sig_parse_i64(val, &n) || n < -65535 || n > 65535)
			return sig_fail(ctx, kw, "bad post_offset '%s'", val);
		b->flags |= SIG_BYTE_POST_OFFSET;
		b->post_offset = (int32_t)n;
		return 0;
	} else {
		return sig_fail(ctx, kw, "unknown option '%s'", opt);
	}
	if (*val)
		return sig_fail(ctx, kw, "option '%s' takes no value", opt);
	return 0;
}

/* Cross-option checks all three share. */
static int byte_check(struct sig_parse_ctx *ctx, const char *kw, struct sig_byte *b)
{
	if ((b->flags & SIG_BYTE_BIG) && (b->flags & SIG_BYTE_LITTLE))
		return sig_fail(ctx, kw, "both big and little endian");
	unsigned bases = !!(b->flags & SIG_BYTE_HEX) + !!(b->flags & SIG_BYTE_DEC) + !!(b->flags & SIG_BYTE_OCT);
	if (bases > 1)
		return sig_fail(ctx, kw, "more than one of hex, dec, oct");
	if (bases && !(b->flags & SIG_BYTE_STRING))
		return sig_fail(ctx, kw, "hex/dec/oct need 'string'");
	if ((b->flags & SIG_BYTE_STRING) && !bases)
		b->flags |= SIG_BYTE_DEC; /* Suricata's default base */
	if (!(b->flags & SIG_BYTE_STRING) && b->nbytes == 0)
		return sig_fail(ctx, kw, "0 bytes needs 'string'");
	if (!(b->flags & SIG_BYTE_STRING) && b->nbytes > 8)
		return sig_fail(ctx, kw, "more than 8 bytes need 'string'");
	if (!(b->flags & SIG_BYTE_LITTLE))
		b->flags |= SIG_BYTE_BIG;
	if ((b->flags & SIG_BYTE_FROM_BEGINNING) && (b->flags & SIG_BYTE_FROM_END))
		return sig_fail(ctx, kw, "both from_beginning and from_end");
	return 0;
}

static int add_byte_match(struct sig_parse_ctx *ctx, const char *kw, uint8_t kind, const struct sig_byte *b)
{
	struct sig_match *m = sig_add_match(ctx, kind, kw);
	if (!m)
		return sig_fail(ctx, kw, "out of memory");
	m->u.byte = *b;
	return 0;
}

static struct sig_byte byte_init(void)
{
	struct sig_byte b = { 0 };
	b.multiplier = 1;
	b.var_index = -1;
	b.offset.var_index = -1;
	b.value.var_index = -1;
	return b;
}

SIG_KW_HANDLER(sig_kw_byte_test)
{
	char *p[MAX_PARTS];
	size_t n = sig_split_commas(arg, p, MAX_PARTS);
	if (n < 4 || n > MAX_PARTS)
		return sig_fail(ctx, kw->name, "expected 'bytes,operator,value,offset[,options]'");
	struct sig_byte b = byte_init();
	if (parse_nbytes(ctx, kw->name, p[0], &b))
		return -1;
	char *op = p[1];
	if (*op == '!') {
		b.flags |= SIG_BYTE_NEGATE_OP;
		op = sig_trim(op + 1);
	}
	static const struct { const char *s; uint8_t op; } ops[] = {
		{ "<", SIG_OP_LT }, { ">", SIG_OP_GT }, { "<=", SIG_OP_LE }, { ">=", SIG_OP_GE },
		{ "=", SIG_OP_EQ }, { "&", SIG_OP_AND }, { "^", SIG_OP_OR }, { "", SIG_OP_EQ },
	};
	size_t i;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].s) == 0)
			break;
	/* a bare "!" means "!=" */
	if (i == sizeof(ops) / sizeof(ops[0]) || (!*op && !(b.flags & SIG_BYTE_NEGATE_OP)))
		return sig_fail(ctx, kw->name, "unknown operator '%s'", p[1]);
	b.op = ops[i].op;
	if (byte_value(ctx, kw->name, p[2], &b.value) || byte_value(ctx, kw->name, p[3], &b.offset))
		return -1;
	for (size_t k = 4; k < n; k++)
		if (byte_option(ctx, kw->name, p[k], &b, 0))
			return -1;
	if (byte_check(ctx, kw->name, &b))
		return -1;
	return add_byte_match(ctx, kw->name, SIG_M_BYTE_TEST, &b);
}

SIG_KW_HANDLER(sig_kw_byte_jump)
{
	char *p[MAX_PARTS];
	size_t n = sig_split_commas(arg, p, MAX_PARTS);
	if (n < 2 || n > MAX_PARTS)
		return sig_fail(ctx, kw->name, "expected 'bytes,offset[,options]'");
	struct sig_byte b = byte_init();
	bool var_count = isalpha((unsigned char)p[0][0]) || p[0][0] == '_';
	if (var_count) {
		/* Suricata 7: the byte count may be a variable; the IR holds a
		 * literal count, so the rule parses and waits for engine support. */
		if (sig_find_var(ctx, p[0]) < 0)
			return sig_fail(ctx, kw->name, "unknown byte_extract variable '%s'", p[0]);
		b.nbytes = 0;
		sig_needs(ctx, "byte_jump with a variable byte count");
	} else if (parse_nbytes(ctx, kw->name, p[0], &b)) {
		return -1;
	}
	if (byte_value(ctx, kw->name, p[1], &b.offset))
		return -1;
	for (size_t k = 2; k < n; k++)
		if (byte_option(ctx, kw->name, p[k], &b, OPT_MULT | OPT_ALIGN | OPT_JUMP))
			return -1;
	if (var_count)
		b.nbytes = 1; /* byte_check judges the other options only */
	if (byte_check(ctx, kw->name, &b))
		return -1;
	if (var_count)
		b.nbytes = 0;
	return add_byte_match(ctx, kw->name, SIG_M_BYTE_JUMP, &b);
}

SIG_KW_HANDLER(sig_kw_byte_extract)
{
	char *p[MAX_PARTS];
	size_t n = sig_split_commas(arg, p, MAX_PARTS);
	if (n < 3 || n > MAX_PARTS)
		return sig_fail(ctx, kw->name, "expected 'bytes,offset,name[,options]'");
	struct sig_byte b = byte_init();
	if (parse_nbytes(ctx, kw->name, p[0], &b) || byte_value(ctx, kw->name, p[1], &b.offset))
		return -1;
	const char *name = p[2];
	for (size_t k = 3; k < n; k++)
		if (byte_option(ctx, kw->name, p[k], &b, OPT_MULT | OPT_ALIGN_N))
			return -1;
	if (byte_check(ctx, kw->name, &b))
		return -1;
	int idx = sig_add_var(ctx, kw->name, name);
	if (idx < 0)
		return -1;
	b.var_index = (int16_t)idx;
	return add_byte_match(ctx, kw->name, SIG_M_BYTE_EXTRACT, &b);
}

int sig_add_var(struct sig_parse_ctx *ctx, const char *kw, const char *name)
{
	struct sig_rule *r = ctx->r;
	if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return sig_fail(ctx, kw, "bad variable name '%s'", name);
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			return sig_fail(ctx, kw, "bad variable name '%s'", name);
	if (sig_find_var(ctx, name) >= 0)
		return sig_fail(ctx, kw, "variable '%s' defined twice", name);
	if (r->n_vars >= INT16_MAX)
		return sig_fail(ctx, kw, "too many variables");
	char **nv = realloc(r->vars, (r->n_vars + 1) * sizeof(*nv));
	if (!nv)
		return sig_fail(ctx, kw, "out of memory");
	r->vars = nv;
	if (!(nv[r->n_vars] = sig_strdup(name)))
		return sig_fail(ctx, kw, "out of memory");
	return (int)r->n_vars++;
}

/*
 * byte_math:bytes N, offset O, oper OP, rvalue V, result NAME[, ...]. No
 * engine yet (SIG_M_OTHER, rule inactive), but its result variable must
 * exist so that later keywords naming it resolve, as in Suricata.
 */
SIG_KW_HANDLER(sig_kw_byte_math)
{
	char *copy = sig_strdup(arg);
	if (!copy)
		return sig_fail(ctx, kw->name, "out of memory");
	char *p[MAX_PARTS];
	size_t n = sig_split_commas(copy, p, MAX_PARTS);
	const char *result = NULL;
	for (size_t i = 0; i < n && i < MAX_PARTS; i++) {
		char *key = p[i], *val = key + strcspn(key, " \t");
		if (*val)
			*val++ = '\0';
		val = sig_trim(val);
		if (strcmp(key, "result") == 0)
			result = val;
	}
	if (n > MAX_PARTS || !result || !*result) {
		free(copy);
		return sig_fail(ctx, kw->name, "needs 'result NAME'");
	}
	int idx = sig_add_var(ctx, kw->name, result);
	free(copy);
	if (idx < 0)
		return -1;
	struct sig_match *m = sig_add_match(ctx, SIG_M_OTHER, kw->name);
	if (!m || !(m->u.other.value = sig_strdup(arg)))
		return sig_fail(ctx, kw->name, "out of memory");
	sig_needs(ctx, "keyword byte_math");
	return 0;
}
