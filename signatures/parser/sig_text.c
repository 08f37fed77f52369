/*
 * sig_text.c - small string helpers for the rule parser (load time only).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

char *sig_trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

bool sig_parse_i64(const char *s, int64_t *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	long long v;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
	    ((s[0] == '-' || s[0] == '+') && s[1] == '0' && (s[2] == 'x' || s[2] == 'X')))
		v = strtoll(s, &end, 16);
	else
		v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

bool sig_parse_u32(const char *s, uint32_t *out)
{
	int64_t v;
	if (!sig_parse_i64(s, &v) || v < 0 || v > UINT32_MAX || s[0] == '-')
		return false;
	*out = (uint32_t)v;
	return true;
}

size_t sig_split_commas(char *s, char **parts, size_t max)
{
	size_t n = 0;
	if (max == 0)
		return 0;
	char *start = s;
	bool quoted = false;
	for (char *p = s;; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		if (*p == '\0' || (*p == ',' && !quoted)) {
			bool last = *p == '\0';
			*p = '\0';
			if (n < max)
				parts[n++] = sig_trim(start);
			else
				return max + 1; /* too many */
			if (last)
				break;
			start = p + 1;
		}
	}
	return n;
}

char *sig_strdup(const char *s)
{
	return s ? sig_strndup(s, strlen(s)) : NULL;
}

char *sig_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *sig_unquote(char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}
