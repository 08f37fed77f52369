#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/flow/flow_test_util.h"

static void set_addr(struct ip_addr *a, const char *text, uint8_t *l3)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->u8) == 1) {
		*l3 = L3_IPV4;
	} else if (inet_pton(AF_INET6, text, a->u8) == 1) {
		*l3 = L3_IPV6;
	} else {
		abort();
	}
}

struct packet pkt_make(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		       uint8_t ip_proto, uint8_t tcp_flags, uint64_t ts_usec)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	set_addr(&p.src, src, &p.l3);
	set_addr(&p.dst, dst, &p.l3);
	p.sport = sport;
	p.dport = dport;
	p.ip_proto = ip_proto;
	p.tcp_flags = ip_proto == 6 ? tcp_flags : 0;
	p.ts_usec = ts_usec;
	p.len = p.wire_len = 100;
	return p;
}

struct packet pkt_make_v4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			  uint8_t ip_proto, uint8_t tcp_flags, uint64_t ts_usec)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.l3 = L3_IPV4;
	p.src.u32[0] = htonl(src);
	p.dst.u32[0] = htonl(dst);
	p.sport = sport;
	p.dport = dport;
	p.ip_proto = ip_proto;
	p.tcp_flags = tcp_flags;
	p.ts_usec = ts_usec;
	p.len = p.wire_len = 100;
	return p;
}

struct flow *pkt_run(struct flow_table *ft, struct packet *p)
{
	struct packet *one = p;

	flow_table_process_burst(ft, &one, 1);
	return p->flow;
}

struct flow_table *table_new(uint32_t max_flows, bool midstream)
{
	struct flow_table_config cfg;

	flow_table_config_defaults(&cfg);
	cfg.max_flows = max_flows;
	cfg.midstream = midstream;
	cfg.hash_seed = 42;
	return flow_table_create(&cfg, 3);
}
