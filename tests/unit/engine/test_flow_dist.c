/*
 * test_flow_dist.c - the software distributor's hash: symmetric, ports
 * ignored for fragments, and equal to the documented formula (which the
 * e2e tests reimplement in Python to pick flows for a worker).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dpdk/flow_dist.h"

/* Ethernet + IPv4 + UDP/TCP header with the given fields. */
static size_t make_v4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
		      uint16_t dport, uint16_t frag, int vlans)
{
	size_t o = 12;

	memset(f, 0, 128);
	for (int v = 0; v < vlans; v++) {
		f[o] = v == 0 && vlans == 2 ? 0x88 : 0x81;
		f[o + 1] = v == 0 && vlans == 2 ? 0xa8 : 0x00;
		f[o + 3] = 7;
		o += 4;
	}
	f[o] = 0x08;
	f[o + 1] = 0x00;
	o += 2;
	f[o] = 0x45;
	f[o + 6] = (uint8_t)(frag >> 8);
	f[o + 7] = (uint8_t)frag;
	f[o + 9] = proto;
	for (int i = 0; i < 4; i++) {
		f[o + 12 + i] = (uint8_t)(src >> (24 - 8 * i));
		f[o + 16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	f[o + 20] = (uint8_t)(sport >> 8);
	f[o + 21] = (uint8_t)sport;
	f[o + 22] = (uint8_t)(dport >> 8);
	f[o + 23] = (uint8_t)dport;
	return o + 28;
}

static void test_symmetric_and_documented(void **state)
{
	uint8_t f[128], r[128];
	size_t n, m;
	const uint32_t a = 0xc0a83201, b = 0xc0a83202; /* 192.168.50.1 / .2 */

	(void)state;
	n = make_v4(f, a, b, 17, 40000, 7, 0, 0);
	m = make_v4(r, b, a, 17, 7, 40000, 0, 0);
	assert_int_equal(flow_dist_hash(f, (uint32_t)n), flow_dist_hash(r, (uint32_t)m));
	assert_int_equal(flow_dist_hash(f, (uint32_t)n),
			 flow_dist_fmix32(a ^ b ^ (40000u ^ 7u) ^ 17u));
	/* A known value, fixed for the Python reimplementation in tests/e2e. */
	assert_int_equal(flow_dist_fmix32(0x12345678u), 0xe37cd1bcu);
	/* Same flow under one or two VLAN tags: same hash. */
	m = make_v4(r, a, b, 17, 40000, 7, 0, 2);
	assert_int_equal(flow_dist_hash(f, (uint32_t)n), flow_dist_hash(r, (uint32_t)m));
}

static void test_fragments_and_junk(void **state)
{
	uint8_t f[128];
	size_t n;
	const uint32_t a = 0x0a000001, b = 0x0a000002;

	(void)state;
	n = make_v4(f, a, b, 6, 1234, 80, 0x2000 /* MF */, 0);
	assert_int_equal(flow_dist_hash(f, (uint32_t)n), flow_dist_fmix32(a ^ b ^ 6u));
	n = make_v4(f, a, b, 6, 1234, 80, 0x0010 /* offset */, 1);
	assert_int_equal(flow_dist_hash(f, (uint32_t)n), flow_dist_fmix32(a ^ b ^ 6u));
	/* Not IP, or too short: worker 0. */
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	assert_int_equal(flow_dist_hash(f, 60), 0);
	n = make_v4(f, a, b, 6, 1234, 80, 0, 0);
	for (uint32_t len = 0; len < 34; len++)
		assert_int_equal(flow_dist_hash(f, len), 0);
	/* Ports cut off: addresses only, never a read past len. */
	assert_int_equal(flow_dist_hash(f, 34), flow_dist_fmix32(a ^ b ^ 6u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric_and_documented),
		cmocka_unit_test(test_fragments_and_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
