/*
 * parser_test.h - helpers shared by the parser's unit tests: parse one rule
 * expecting success or failure, and ask an address / port set whether it
 * contains a value (so tests check meaning, not one representation).
 */
#ifndef RAMPART_PARSER_TEST_H
#define RAMPART_PARSER_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "signatures/parser/sig_parser.h"

/* Parse TEXT into *r and assert success (prints the reason on failure). */
static inline void parse_ok_in(struct sig_ruleset *rs, const char *text, struct sig_rule *r)
{
	struct sig_load_error e;
	int rc = sig_parse_rule(text, NULL, rs, r, &e);
	if (rc != 0)
		fail_msg("rule rejected: %s: %s\n  %s", e.keyword ? e.keyword : "-", e.reason, text);
	sig_load_error_free(&e);
}

static inline void parse_ok(const char *text, struct sig_rule *r)
{
	parse_ok_in(NULL, text, r);
}

/* Assert TEXT is rejected, with KEYWORD (may be NULL: don't check) and a
 * reason containing REASON_PART. */
static inline void parse_bad(const char *text, const char *keyword, const char *reason_part)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	struct sig_rule r;
	struct sig_load_error e;
	int rc = sig_parse_rule(text, NULL, rs, &r, &e);
	if (rc == 0)
		fail_msg("rule accepted, expected rejection: %s", text);
	assert_non_null(e.reason);
	if (keyword && (!e.keyword || strcmp(e.keyword, keyword) != 0))
		fail_msg("keyword '%s', expected '%s' (reason: %s)", e.keyword ? e.keyword : "(null)", keyword,
			 e.reason);
	if (reason_part && !strstr(e.reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", e.reason, reason_part);
	/* a rejected rule leaves nothing behind */
	assert_null(r.matches);
	assert_null(r.msg);
	sig_load_error_free(&e);
	sig_ruleset_free(rs);
}

static inline bool cidr_has(const struct sig_cidr *c, int family, const uint8_t *a)
{
	if (c->family != family)
		return false;
	unsigned bits = c->prefix;
	for (unsigned i = 0; i < (family == 4 ? 4u : 16u) && bits; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		uint8_t mask = (uint8_t)(0xff << (8 - take));
		if ((c->addr.u8[i] & mask) != (a[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

/* Does the resolved set contain the address written as TEXT? */
static inline bool addr_in(const struct sig_addr_set *s, const char *text)
{
	uint8_t a[16] = { 0 };
	int family = strchr(text, ':') ? 6 : 4;
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a), 1);
	bool in = s->n_include == 0 ? s->any : false;
	for (size_t i = 0; i < s->n_include; i++)
		in |= cidr_has(&s->include[i], family, a);
	for (size_t i = 0; i < s->n_exclude; i++)
		if (cidr_has(&s->exclude[i], family, a))
			in = false;
	return in;
}

static inline bool port_in(const struct sig_port_set *s, unsigned port)
{
	bool in = s->n_include == 0 ? s->any : false;
	for (size_t i = 0; i < s->n_include; i++)
		in |= port >= s->include[i].lo && port <= s->include[i].hi;
	for (size_t i = 0; i < s->n_exclude; i++)
		if (port >= s->exclude[i].lo && port <= s->exclude[i].hi)
			in = false;
	return in;
}

/* The n-th match of kind KIND, or fail. */
static inline const struct sig_match *nth_match(const struct sig_rule *r, uint8_t kind, size_t n)
{
	for (size_t i = 0; i < r->n_matches; i++)
		if (r->matches[i].kind == kind && n-- == 0)
			return &r->matches[i];
	fail_msg("no match of kind %u", kind);
	return NULL;
}

#endif /* RAMPART_PARSER_TEST_H */
