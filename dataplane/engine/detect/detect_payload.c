/*
 * detect_payload.c - a rule's payload program: content, pcre, isdataat,
 * byte_test, byte_jump, byte_extract, evaluated like Suricata's content
 * inspection.
 *
 * Each keyword sees `off`, the end of the previous match in the buffer (0 at
 * the start); relative keywords work from it. When a keyword fails, control
 * returns to the previous content / pcre, which retries at its next
 * occurrence (start + 1) - the backtracking that makes
 * `content:"a"; content:"b"; distance:0; within:1;` find "ab" in "a a ab".
 * Three outcomes per step:
 *   PM_MATCH    the rest of the program matched;
 *   PM_NOMATCH  failed here; an earlier content may retry further on;
 *   PM_STOP     failed for good (an absolute content is absent, a negated
 *               content without position is present, or the recursion budget
 *               of DETECT_RECURSION_LIMIT steps is spent).
 */
#include <string.h>

#include "dataplane/engine/detect/detect_match.h"

enum { PM_STOP = -1, PM_NOMATCH = 0, PM_MATCH = 1 };

static int inspect(struct detect_payload_ctx *c, uint16_t i, uint32_t off);

static inline int next_op(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	return i + 1u >= c->n_ops ? PM_MATCH : inspect(c, (uint16_t)(i + 1), off);
}

/* Operand value, clamped so that offset arithmetic can never overflow int64. */
#define DETECT_VALUE_MAX ((int64_t)1 << 40)

static inline int64_t value_of(const struct detect_payload_ctx *c, const struct sig_value *v)
{
	int64_t x = v->var_index >= 0 ? c->vars[v->var_index] : v->literal;
	return x > DETECT_VALUE_MAX ? DETECT_VALUE_MAX : x < -DETECT_VALUE_MAX ? -DETECT_VALUE_MAX : x;
}

static inline uint8_t lower(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
}

static bool equal_nocase(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* First occurrence of pat in hay[0..hlen), or NULL. */
static const uint8_t *find(const uint8_t *hay, size_t hlen, const uint8_t *pat, uint32_t plen, bool nocase)
{
	if (hlen < plen)
		return NULL;
	if (!nocase)
		return memmem(hay, hlen, pat, plen);
	uint8_t first = lower(pat[0]);
	for (size_t i = 0; i + plen <= hlen; i++)
		if (lower(hay[i]) == first && equal_nocase(hay + i + 1, pat + 1, plen - 1))
			return hay + i;
	return NULL;
}

static bool spend_step(struct detect_payload_ctx *c)
{
	if (++c->steps <= DETECT_RECURSION_LIMIT)
		return true;
	if (c->steps == DETECT_RECURSION_LIMIT + 1)
		c->ctr->recursion_limit++;
	return false;
}

static int op_content(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	const struct sig_content *ct = &c->ops[i].m->u.content;
	const uint32_t fl = ct->flags;
	const int64_t len = c->len, clen = ct->len;
	const bool relative = (fl & (SIG_CONTENT_HAS_DISTANCE | SIG_CONTENT_HAS_WITHIN)) != 0;
	const bool negated = (fl & SIG_CONTENT_NEGATED) != 0;
	int64_t start, end;

	if (relative) {
		int64_t dist = (fl & SIG_CONTENT_HAS_DISTANCE) ? value_of(c, &ct->distance) : 0;
		start = (int64_t)off + dist;
		end = len;
		if (fl & SIG_CONTENT_HAS_WITHIN) {
			int64_t e = (int64_t)off + dist + value_of(c, &ct->within);
			if (e < end)
				end = e;
		}
		if (fl & SIG_CONTENT_HAS_DEPTH) {
			int64_t e = (int64_t)off + value_of(c, &ct->depth);
			if (e < end)
				end = e;
		}
		if (fl & SIG_CONTENT_HAS_OFFSET) {
			int64_t s = (int64_t)off + value_of(c, &ct->offset);
			if (s > start)
				start = s;
		}
	} else {
		start = (fl & SIG_CONTENT_HAS_OFFSET) ? value_of(c, &ct->offset) : 0;
		if (start < 0)
			start = 0;
		/* depth counts from offset (Snort / Suricata) */
		end = (fl & SIG_CONTENT_HAS_DEPTH) ? start + value_of(c, &ct->depth) : len;
	}
	if (start < 0)
		start = 0; /* a negative distance never reaches before the buffer */
	if ((fl & SIG_CONTENT_STARTSWITH) && start + clen < end)
		end = start + clen;
	if (end > len)
		end = len;

	const bool nocase = (fl & SIG_CONTENT_NOCASE) != 0;
	const bool positioned = relative || (fl & (SIG_CONTENT_HAS_OFFSET | SIG_CONTENT_HAS_DEPTH));
	int64_t from = start;
	for (;;) {
		if (!spend_step(c))
			return PM_STOP;
		int64_t pos = -1;
		if (end - from >= clen) {
			if (fl & SIG_CONTENT_ENDSWITH) {
				int64_t at = len - clen;
				if (at >= from && at + clen <= end &&
				    (nocase ? equal_nocase(c->buf + at, ct->bytes, ct->len)
					    : memcmp(c->buf + at, ct->bytes, ct->len) == 0))
					pos = at;
			} else {
				const uint8_t *hit = find(c->buf + from, (size_t)(end - from), ct->bytes, ct->len, nocase);
				if (hit)
					pos = hit - c->buf;
			}
		}
		if (pos < 0) {
			if (negated)
				return next_op(c, i, off); /* absent as required; position unchanged */
			return relative ? PM_NOMATCH : PM_STOP;
		}
		if (negated)
			return positioned ? PM_NOMATCH : PM_STOP;
		int r = next_op(c, i, (uint32_t)(pos + clen));
		if (r != PM_NOMATCH)
			return r;
		from = pos + 1; /* backtrack: the next occurrence */
	}
}

static int op_pcre(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	const struct detect_op *op = &c->ops[i];
	const uint32_t fl = op->m->u.pcre.flags;
	const bool negated = (fl & SIG_PCRE_NEGATED) != 0;
	const uint32_t base = (fl & SIG_PCRE_RELATIVE) ? off : 0;
	if (base > c->len)
		return negated ? next_op(c, i, off) : PM_NOMATCH;
	PCRE2_SIZE from = 0;
	for (;;) {
		if (!spend_step(c))
			return PM_STOP;
		int rc = pcre2_match(op->re, c->buf + base, c->len - base, from, 0, c->md, c->mctx);
		if (rc < 0) {
			if (rc != PCRE2_ERROR_NOMATCH)
				c->ctr->pcre_errors++;
			return negated ? next_op(c, i, off) : PM_NOMATCH;
		}
		if (negated)
			return PM_NOMATCH;
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
		PCRE2_SIZE m_start = ov[0], m_end = ov[1];
		int r = next_op(c, i, base + (uint32_t)m_end);
		if (r != PM_NOMATCH)
			return r;
		from = m_start + 1;
		if (from > c->len - base)
			return PM_NOMATCH;
	}
}

static int op_isdataat(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	const struct sig_isdataat *d = &c->ops[i].m->u.isdataat;
	int64_t n = value_of(c, &d->offset);
	/* Suricata: absolute "isdataat:N" needs a byte at N; relative needs N more bytes after off. */
	bool there = d->relative ? (int64_t)off + n <= (int64_t)c->len : n < (int64_t)c->len;
	if (there == d->negated)
		return d->relative ? PM_NOMATCH : PM_STOP;
	return next_op(c, i, off);
}

static int digit_value(uint8_t ch, unsigned base)
{
	int v = -1;
	if (ch >= '0' && ch <= '9')
		v = ch - '0';
	else if (ch >= 'a' && ch <= 'f')
		v = ch - 'a' + 10;
	else if (ch >= 'A' && ch <= 'F')
		v = ch - 'A' + 10;
	return v >= 0 && (unsigned)v < base ? v : -1;
}

/* The nbytes at pos as a number: binary (big / little endian) or a string in base 10/16/8. */
static bool byte_read(const struct detect_payload_ctx *c, int64_t pos, const struct sig_byte *b, uint64_t *out)
{
	if (pos < 0 || pos + b->nbytes > (int64_t)c->len)
		return false;
	const uint8_t *s = c->buf + pos;
	uint64_t v = 0;
	if (b->flags & SIG_BYTE_STRING) {
		unsigned base = (b->flags & SIG_BYTE_HEX) ? 16 : (b->flags & SIG_BYTE_OCT) ? 8 : 10;
		unsigned k = 0, digits = 0;
		while (k < b->nbytes && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (base == 16 && k + 1 < b->nbytes && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X'))
			k += 2;
		for (; k < b->nbytes; k++) {
			int d = digit_value(s[k], base);
			if (d < 0)
				break;
			if (v > (UINT64_MAX - (uint64_t)d) / base)
				return false;
			v = v * base + (uint64_t)d;
			digits++;
		}
		if (!digits)
			return false;
	} else if (b->flags & SIG_BYTE_LITTLE) {
		for (int k = b->nbytes - 1; k >= 0; k--)
			v = v << 8 | s[k];
	} else {
		for (unsigned k = 0; k < b->nbytes; k++)
			v = v << 8 | s[k];
	}
	if ((b->flags & SIG_BYTE_BITMASK) && b->bitmask) {
		v &= b->bitmask;
		v >>= __builtin_ctzll(b->bitmask);
	}
	*out = v;
	return true;
}

static int op_byte_test(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	const struct sig_byte *b = &c->ops[i].m->u.byte;
	int64_t pos = value_of(c, &b->offset) + ((b->flags & SIG_BYTE_RELATIVE) ? off : 0);
	uint64_t v;
	if (!byte_read(c, pos, b, &v))
		return PM_NOMATCH;
	uint64_t want = (uint64_t)value_of(c, &b->value);
	bool r;
	switch (b->op) {
	case SIG_OP_LT: r = v < want; break;
	case SIG_OP_GT: r = v > want; break;
	case SIG_OP_LE: r = v <= want; break;
	case SIG_OP_GE: r = v >= want; break;
	case SIG_OP_EQ: r = v == want; break;
	case SIG_OP_AND: r = (v & want) != 0; break;
	case SIG_OP_OR: r = (v ^ want) != 0; break; /* '^' as Suricata evaluates it */
	default: r = false;
	}
	if (b->flags & SIG_BYTE_NEGATE_OP)
		r = !r;
	return r ? next_op(c, i, off) : PM_NOMATCH;
}

static int op_byte_jump(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	const struct sig_byte *b = &c->ops[i].m->u.byte;
	int64_t pos = value_of(c, &b->offset) + ((b->flags & SIG_BYTE_RELATIVE) ? off : 0);
	uint64_t raw;
	if (!byte_read(c, pos, b, &raw) || raw > UINT32_MAX)
		return PM_NOMATCH;
	int64_t val = (int64_t)raw;
	if (b->multiplier > 1)
		val *= b->multiplier;
	if ((b->flags & SIG_BYTE_ALIGN) && (val % 4))
		val += 4 - val % 4;
	val += b->post_offset;
	int64_t to;
	if (b->flags & SIG_BYTE_FROM_BEGINNING)
		to = val;
	else if (b->flags & SIG_BYTE_FROM_END)
		to = (int64_t)c->len + val;
	else
		to = pos + b->nbytes + val;
	if (to < 0 || to > (int64_t)c->len)
		return PM_NOMATCH;
	return next_op(c, i, (uint32_t)to);
}

static int op_byte_extract(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	const struct sig_byte *b = &c->ops[i].m->u.byte;
	int64_t pos = value_of(c, &b->offset) + ((b->flags & SIG_BYTE_RELATIVE) ? off : 0);
	uint64_t raw;
	if (!byte_read(c, pos, b, &raw) || raw > INT32_MAX)
		return PM_NOMATCH;
	int64_t val = (int64_t)raw;
	if (b->multiplier > 1)
		val *= b->multiplier;
	if (b->align > 1 && (val % b->align))
		val += b->align - val % b->align;
	c->vars[b->var_index] = val;
	return next_op(c, i, (uint32_t)(pos + b->nbytes));
}

static int inspect(struct detect_payload_ctx *c, uint16_t i, uint32_t off)
{
	switch (c->ops[i].m->kind) {
	case SIG_M_CONTENT: return op_content(c, i, off);
	case SIG_M_PCRE: return op_pcre(c, i, off);
	case SIG_M_ISDATAAT: return op_isdataat(c, i, off);
	case SIG_M_BYTE_TEST: return op_byte_test(c, i, off);
	case SIG_M_BYTE_JUMP: return op_byte_jump(c, i, off);
	case SIG_M_BYTE_EXTRACT: return op_byte_extract(c, i, off);
	default: return PM_STOP;
	}
}

bool detect_match_payload(struct detect_payload_ctx *c)
{
	if (c->n_ops == 0)
		return true;
	c->steps = 0;
	return inspect(c, 0, 0) == PM_MATCH;
}
