/*
 * json_out.c - append-only JSON text builder (see json_out.h).
 */
#include "dataplane/engine/output/json_out.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void json_out_raw(struct json_out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void put_char(struct json_out *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void value_separator(struct json_out *o)
{
	if (o->need_comma)
		put_char(o, ',');
	o->need_comma = true;
}

void json_out_open(struct json_out *o, char bracket)
{
	put_char(o, bracket);
	o->need_comma = false;
}

void json_out_close(struct json_out *o, char bracket)
{
	put_char(o, bracket);
	o->need_comma = true;
}

void json_out_key(struct json_out *o, const char *key)
{
	value_separator(o);
	put_char(o, '"');
	json_out_raw(o, key, strlen(key));
	json_out_raw(o, "\":", 2);
	o->need_comma = false; /* the value follows without a comma */
}

void json_out_uint(struct json_out *o, uint64_t v)
{
	char digits[20];
	size_t n = 0;
	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	value_separator(o);
	json_out_raw(o, digits + sizeof(digits) - n, n);
}

size_t json_utf8_sequence_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */

	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0; /* continuation byte or overlong 2-byte lead */
	if (c < 0xE0) {
		len = 2;
	} else if (c < 0xF0) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* UTF-16 surrogates */
	} else if (c < 0xF5) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		return 0;
	}
	if (left < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* The escaped body of a string, without quotes. */
static void put_escaped(struct json_out *o, const unsigned char *s, size_t n)
{
	size_t run = 0; /* start of the pending run of plain bytes */
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		size_t seq = c >= 0x80 ? json_utf8_sequence_len(s + i, n - i) : 1;
		if (c >= 0x80 && seq > 0) {
			i += seq; /* valid multi-byte character: copied as is */
			continue;
		}
		json_out_raw(o, (const char *)s + run, i - run);
		char esc[6] = { '\\', 0 };
		size_t esc_len = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex_digits[c >> 4];
				esc[5] = hex_digits[c & 0xF];
				esc_len = 6;
			} else {
				/* Not UTF-8: the text \xNN, its backslash escaped. */
				json_out_raw(o, "\\\\x", 3);
				esc[0] = "0123456789ABCDEF"[c >> 4];
				esc[1] = "0123456789ABCDEF"[c & 0xF];
			}
			break;
		}
		json_out_raw(o, esc, esc_len);
		i++;
		run = i;
	}
	json_out_raw(o, (const char *)s + run, n - run);
}

void json_out_string_n(struct json_out *o, const char *s, size_t n)
{
	value_separator(o);
	put_char(o, '"');
	put_escaped(o, (const unsigned char *)s, n);
	put_char(o, '"');
}

void json_out_string(struct json_out *o, const char *s)
{
	if (s == NULL)
		s = "";
	json_out_string_n(o, s, strlen(s));
}

void json_out_key_n(struct json_out *o, const char *key, size_t n)
{
	json_out_string_n(o, key, n);
	put_char(o, ':');
	o->need_comma = false;
}
