/*
 * fuzz_inline_frame.c - libFuzzer target for what the inline data plane
 * does with a raw Ethernet frame outside the engine: the software
 * distributor's flow hash (flow_dist.h) and the reject frame builder
 * (verdict/reject.h) on the decoded packet. The frame sits in an
 * exact-size heap buffer so ASan sees any read past its end; the target
 * also aborts when a built reply does not decode as the reply it claims.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dpdk/flow_dist.h"
#include "dataplane/engine/decode/decode.h"
#include "dataplane/engine/verdict/reject.h"

static struct decode_counters counters;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const uint8_t *frame, size_t len, uint8_t want_proto)
{
	struct packet r;

	if (len == 0)
		return;
	if (len > REJECT_FRAME_MAX)
		abort();
	memset(&r, 0, sizeof(r));
	r.data = frame;
	r.len = (uint32_t)len;
	r.wire_len = r.len;
	r.link = LINK_ETHERNET;
	decode_packet(&r, NULL, &counters);
	if (r.l3 == L3_NONE || r.ip_proto != want_proto)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[REJECT_FRAME_MAX];
	struct packet p;
	uint8_t *buf;
	volatile uint32_t h;

	if (size > 65536)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	h = flow_dist_hash(buf, (uint32_t)size);
	(void)h;

	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.len = (uint32_t)size;
	p.wire_len = p.len;
	p.link = LINK_ETHERNET;
	decode_packet(&p, NULL, &counters);
	if (p.ip_proto == 6) {
		check_reply(out, reject_build_tcp_rst(&p, REJECT_TO_SOURCE, out, sizeof(out)), 6);
		check_reply(out, reject_build_tcp_rst(&p, REJECT_TO_DESTINATION, out, sizeof(out)), 6);
	}
	if (p.l3 != L3_NONE)
		check_reply(out, reject_build_icmp_unreach(&p, out, sizeof(out)),
			    p.l3 == L3_IPV4 ? 1 : 58);
	free(buf);
	return 0;
}
