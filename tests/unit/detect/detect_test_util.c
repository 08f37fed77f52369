/*
 * detect_test_util.c - see detect_test_util.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

struct tdet *tdet_new_inactive(const char *const *rules, int inactive)
{
	return tdet_new_edit(rules, inactive, NULL);
}

struct tdet *tdet_new_edit(const char *const *rules, int inactive, void (*edit)(struct sig_ruleset *rs))
{
	struct tdet *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->rs = sig_ruleset_new();
	assert_non_null(t->rs);
	size_t n = 0;
	while (rules[n])
		n++;
	t->rs->rules = calloc(n ? n : 1, sizeof(struct sig_rule));
	assert_non_null(t->rs->rules);
	for (size_t i = 0; i < n; i++) {
		struct sig_rule r;
		struct sig_load_error e;
		memset(&r, 0, sizeof(r));
		memset(&e, 0, sizeof(e));
		if (sig_parse_rule(rules[i], NULL, t->rs, &r, &e) != 0) {
			fprintf(stderr, "rule does not parse: %s\n  %s: %s\n", rules[i],
				e.keyword ? e.keyword : "-", e.reason ? e.reason : "-");
			sig_load_error_free(&e);
			fail();
		}
		if (!r.active)
			fprintf(stderr, "rule inactive (%s): %s\n", r.inactive_reason ? r.inactive_reason : "?",
				rules[i]);
		if ((int)i == inactive)
			r.active = false;
		t->rs->rules[t->rs->n_rules++] = r;
		t->rs->n_active += r.active;
	}
	if (edit)
		edit(t->rs);
	char err[256] = "";
	t->de = detect_engine_build(t->rs, &t->st, err, sizeof(err));
	if (!t->de)
		fprintf(stderr, "build: %s\n", err);
	assert_non_null(t->de);
	t->dt = detect_thread_new(t->de, 64);
	assert_non_null(t->dt);
	return t;
}

struct tdet *tdet_new(const char *const *rules)
{
	return tdet_new_edit(rules, -1, NULL);
}

void tdet_free(struct tdet *t)
{
	if (!t)
		return;
	detect_thread_free(t->dt);
	detect_engine_free(t->de);
	sig_ruleset_free(t->rs);
	free(t);
}

unsigned tdet_run(struct tdet *t, struct packet *p)
{
	t->n_alerts = detect_packet(t->dt, p, t->alerts, 32);
	return t->n_alerts;
}

uint32_t tdet_sid(const struct tdet *t, unsigned i)
{
	assert_true(i < t->n_alerts);
	return t->rs->rules[t->alerts[i].rule_index].sid;
}

bool tdet_fires(struct tdet *t, struct packet *p, uint32_t sid)
{
	tdet_run(t, p);
	for (unsigned i = 0; i < t->n_alerts; i++)
		if (tdet_sid(t, i) == sid)
			return true;
	return false;
}

static void set_addr(struct ip_addr *a, const char *s, uint8_t *l3)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->u8) == 1) {
		*l3 = L3_IPV4;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, s, a->u8), 1);
	*l3 = L3_IPV6;
}

static void base(struct tpkt *t, const char *src, const char *dst, uint8_t proto, unsigned l4_len,
		 const void *payload, uint32_t len)
{
	memset(t, 0, sizeof(*t));
	assert_true(20 + l4_len + len <= sizeof(t->data));
	struct packet *p = &t->p;
	set_addr(&p->src, src, &p->l3);
	set_addr(&p->dst, dst, &p->l3);
	uint8_t *ip = t->data;
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = proto;
	uint16_t tot = (uint16_t)(20 + l4_len + len);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	memcpy(ip + 12, p->src.u8, 4);
	memcpy(ip + 16, p->dst.u8, 4);
	if (len)
		memcpy(t->data + 20 + l4_len, payload, len);
	p->data = t->data;
	p->len = p->wire_len = tot;
	p->link = LINK_RAW;
	p->ip_proto = proto;
	p->ttl = 64;
	p->l3_offset = 0;
	p->l4_offset = 20;
	p->ip_total_len = tot;
	p->payload = len ? t->data + 20 + l4_len : NULL;
	p->payload_len = len;
	p->ts_usec = 1700000000000000ull;
}

void tpkt_tcp(struct tpkt *t, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	      const void *payload, uint32_t len)
{
	base(t, src, dst, 6, 20, payload, len);
	t->p.sport = sport;
	t->p.dport = dport;
	t->p.tcp_flags = TCP_FLAG_ACK | TCP_FLAG_PSH;
	t->p.tcp_win = 512;
}

void tpkt_udp(struct tpkt *t, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	      const void *payload, uint32_t len)
{
	base(t, src, dst, 17, 8, payload, len);
	t->p.sport = sport;
	t->p.dport = dport;
}

void tpkt_icmp(struct tpkt *t, const char *src, const char *dst, uint8_t type, uint8_t code,
	       const void *payload, uint32_t len)
{
	base(t, src, dst, 1, 8, payload, len);
	t->p.icmp_type = type;
	t->p.icmp_code = code;
	t->data[20] = type;
	t->data[21] = code;
}

void tpkt_str(struct tpkt *t, const char *payload)
{
	tpkt_tcp(t, "10.0.0.1", 1234, "10.0.0.2", 80, payload, (uint32_t)strlen(payload));
}
