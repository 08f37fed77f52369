/*
 * test_pipeline.c - one worker's pipeline on hand-made packets, with rules
 * loaded through the real parser and compiled by the real detect engine:
 * what lands in the alert ring, and which packets an IPS would block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/output/alert_ring.h"
#include "signatures/parser/sig_parser.h"
#include "tests/unit/engine/ipv4_frame.h"

static const char rules_text[] =
	"alert tcp any any -> any 80 (msg:\"evil payload\"; content:\"EVIL\"; sid:1001; rev:2;)\n"
	"drop tcp any any -> any 8080 (msg:\"blocked payload\"; content:\"BLOCK\"; sid:1002; rev:1;)\n"
	"alert udp any any -> any 53 (msg:\"udp one\"; content:\"AAAA\"; sid:2001;)\n"
	"alert udp any any -> any 53 (msg:\"udp two\"; content:\"AAAA\"; sid:2002;)\n"
	"alert udp any any -> any 53 (msg:\"udp three\"; content:\"AAAA\"; sid:2003;)\n";

struct fixture {
	struct sig_ruleset *rs;
	struct detect_engine *de;
	struct engine_worker *w;
	struct engine_config cfg;
};

static void set_packet(struct packet *p, const uint8_t *data, size_t len, uint64_t cnt)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = p->wire_len = (uint32_t)len;
	p->ts_usec = 1700000000000000ull + cnt * 1000;
	p->pcap_cnt = cnt;
	p->link = LINK_ETHERNET;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* ---- fixtures ---- */

static int setup_depth_mode(void **state, uint8_t mode, uint32_t ring_size, uint64_t depth)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[] = "/tmp/rampart-engine-rules-XXXXXX", err[512] = "";
	struct detect_build_stats st;
	int fd;

	assert_non_null(f);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rules_text, strlen(rules_text)), (ssize_t)strlen(rules_text));
	close(fd);
	f->rs = sig_ruleset_new();
	assert_non_null(f->rs);
	assert_int_equal(sig_ruleset_load_path(f->rs, path, NULL, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(f->rs->n_errors, 0);
	assert_int_equal(f->rs->n_active, 5);
	f->de = detect_engine_build(f->rs, &st, err, sizeof(err));
	assert_non_null(f->de);

	engine_config_init(&f->cfg);
	f->cfg.mode = mode;
	f->cfg.alert_ring_size = ring_size;
	f->cfg.flow_max_flows = 1024;
	f->cfg.flow_midstream = true;
	f->cfg.checksum_validation = false;
	f->cfg.inspection_depth = depth;
	f->w = engine_worker_new(&f->cfg, f->de, f->rs, 3, err, sizeof(err));
	assert_non_null(f->w);
	*state = f;
	return 0;
}

static int setup_mode(void **state, uint8_t mode, uint32_t ring_size)
{
	return setup_depth_mode(state, mode, ring_size, ENGINE_CONFIG_DEFAULT_INSPECTION_DEPTH);
}

static int setup_depth_ids(void **state) { return setup_depth_mode(state, ENGINE_MODE_IDS, 64, 1000); }
static int setup_depth_ips(void **state)
{
	return setup_depth_mode(state, ENGINE_MODE_SIMULATE_IPS, 64, 1000);
}
static int setup_ids(void **state) { return setup_mode(state, ENGINE_MODE_IDS, 64); }
static int setup_ips(void **state) { return setup_mode(state, ENGINE_MODE_SIMULATE_IPS, 64); }
static int setup_tiny_ring(void **state) { return setup_mode(state, ENGINE_MODE_IDS, 2); }

static int teardown(void **state)
{
	struct fixture *f = *state;

	engine_worker_free(f->w);
	detect_engine_free(f->de);
	sig_ruleset_free(f->rs);
	engine_config_free(&f->cfg);
	free(f);
	return 0;
}

static uint32_t sid_of(const struct fixture *f, const struct alert_record *r)
{
	assert_true(r->rule_index < f->rs->n_rules);
	return f->rs->rules[r->rule_index].sid;
}

/* ---- tests ---- */

static void test_alert_record_fields(void **state)
{
	struct fixture *f = *state;
	uint8_t b0[256], b1[256];
	struct packet pkts[2];
	struct alert_record out[8];
	const struct engine_worker_stats *st;
	size_t n;

	set_packet(&pkts[0], b0, build_ipv4(b0, 6, IP(10, 0, 0, 1), IP(192, 168, 1, 2), 40000, 80,
					    TCP_FLAG_ACK | TCP_FLAG_PSH, "hello"), 1);
	set_packet(&pkts[1], b1, build_ipv4(b1, 6, IP(10, 0, 0, 1), IP(192, 168, 1, 2), 40000, 80,
					    TCP_FLAG_ACK | TCP_FLAG_PSH, "xxEVILxx"), 2);
	engine_process_burst(f->w, pkts, 2);

	n = alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].kind, ALERT_RECORD_ALERT);
	assert_int_equal(sid_of(f, &out[0]), 1001);
	assert_ptr_equal(out[0].ruleset, f->rs);
	assert_int_equal(out[0].pcap_cnt, 2);
	assert_int_equal(out[0].ts_usec, pkts[1].ts_usec);
	assert_int_equal(out[0].l3, L3_IPV4);
	assert_int_equal(out[0].ip_proto, 6);
	assert_memory_equal(out[0].src.u8, "\x0a\x00\x00\x01", 4);
	assert_memory_equal(out[0].dst.u8, "\xc0\xa8\x01\x02", 4);
	assert_int_equal(out[0].sport, 40000);
	assert_int_equal(out[0].dport, 80);
	assert_int_equal(out[0].action, SIG_ACTION_ALERT);
	assert_int_equal(out[0].blocked, 0);
	assert_int_equal(out[0].worker, 3);
	assert_true(out[0].flow_id != 0);
	assert_int_equal(out[0].to_server, 1);
	assert_int_equal(pkts[1].verdict, VERDICT_PASS);

	st = engine_worker_stats(f->w);
	assert_int_equal(st->packets, 2);
	assert_int_equal(st->bytes, pkts[0].len + pkts[1].len);
	assert_int_equal(st->alerts, 1);
	assert_int_equal(st->alert_ring_dropped, 0);
	assert_int_equal(engine_worker_flows_created(f->w), 1);
	assert_true(engine_worker_bytes_per_flow(f->w) >= 128);
}

static void test_ips_drop_blocks_and_records(void **state)
{
	struct fixture *f = *state;
	uint8_t b0[256], b1[256];
	struct packet pkts[2];
	struct alert_record out[8];
	const struct engine_worker_stats *st;
	size_t n;

	set_packet(&pkts[0], b0, build_ipv4(b0, 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1234, 8080,
					    TCP_FLAG_ACK, "please BLOCK me"), 1);
	set_packet(&pkts[1], b1, build_ipv4(b1, 6, IP(10, 0, 0, 9), IP(10, 0, 0, 2), 1234, 8080,
					    TCP_FLAG_ACK, "harmless"), 2);
	engine_process_burst(f->w, pkts, 2);
	assert_int_equal(pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(pkts[1].verdict, VERDICT_PASS);

	n = alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].kind, ALERT_RECORD_ALERT);
	assert_int_equal(sid_of(f, &out[0]), 1002);
	assert_int_equal(out[0].action, SIG_ACTION_DROP);
	assert_int_equal(out[0].blocked, 1);
	assert_int_equal(out[1].kind, ALERT_RECORD_DROP);
	assert_int_equal(sid_of(f, &out[1]), 1002);
	assert_int_equal(out[1].blocked, 1);
	assert_int_equal(out[1].pcap_cnt, 1);

	st = engine_worker_stats(f->w);
	assert_int_equal(st->drops[ENGINE_DROP_RULE], 1);
	assert_int_equal(st->drop_records, 1);
	assert_string_equal(engine_drop_reason_name(ENGINE_DROP_RULE), "rule_drop");
}

static void test_ids_never_blocks(void **state)
{
	struct fixture *f = *state;
	uint8_t b0[256];
	struct packet p;
	struct alert_record out[8];
	size_t n;

	set_packet(&p, b0, build_ipv4(b0, 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1234, 8080, TCP_FLAG_ACK,
				      "please BLOCK me"), 1);
	engine_process_burst(f->w, &p, 1);
	assert_int_equal(p.verdict, VERDICT_PASS);
	n = alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].kind, ALERT_RECORD_ALERT);
	assert_int_equal(out[0].action, SIG_ACTION_DROP);
	assert_int_equal(out[0].blocked, 0);
	assert_int_equal(engine_worker_stats(f->w)->drops[ENGINE_DROP_RULE], 0);
}

static void test_malformed_packets_are_counted(void **state)
{
	struct fixture *f = *state;
	uint8_t b[256];
	struct packet pkts[3];
	size_t len = build_ipv4(b, 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 80, TCP_FLAG_ACK, "EVIL");
	const struct engine_worker_stats *st;

	set_packet(&pkts[0], b, 10, 1);            /* shorter than Ethernet */
	set_packet(&pkts[1], b, 14 + 20 + 4, 2);   /* IPv4 total length beyond the capture */
	set_packet(&pkts[2], b, len, 3);
	pkts[2].link = LINK_UNSUPPORTED;
	engine_process_burst(f->w, pkts, 3);

	st = engine_worker_stats(f->w);
	assert_int_equal(st->packets, 3);
	assert_int_equal(st->decode.events[DECODE_ETH_TRUNCATED], 1);
	assert_int_equal(st->decode.events[DECODE_IPV4_TRUNCATED], 1);
	assert_int_equal(st->decode.events[DECODE_UNSUPPORTED_LINK], 1);
	assert_true(pkts[1].flags & PKT_DECODE_ERROR);
	assert_int_equal(st->alerts, 0);
	assert_int_equal(st->no_flow, 2 + (pkts[1].flow == NULL));
	assert_int_equal(alert_ring_count(engine_worker_alert_ring(f->w)), 0);
}

static void test_full_ring_counts_drops(void **state)
{
	struct fixture *f = *state;
	uint8_t b[256];
	struct packet p;

	/* three rules match one packet, the ring holds two */
	set_packet(&p, b, build_ipv4(b, 17, IP(10, 0, 0, 1), IP(10, 0, 0, 53), 5000, 53, 0, "AAAA"), 1);
	engine_process_burst(f->w, &p, 1);
	assert_int_equal(engine_worker_stats(f->w)->alerts, 3);
	assert_int_equal(engine_worker_stats(f->w)->alert_ring_dropped, 1);
	assert_int_equal(alert_ring_count(engine_worker_alert_ring(f->w)), 2);
}

static void test_long_burst_is_sliced(void **state)
{
	struct fixture *f = *state;
	enum { N = 150 };
	static uint8_t bufs[N][128];
	static struct packet pkts[N];
	struct alert_record out[8];

	for (int i = 0; i < N; i++)
		set_packet(&pkts[i], bufs[i],
			   build_ipv4(bufs[i], 6, IP(10, 1, 0, 1), IP(10, 2, 0, 2), (uint16_t)(2000 + i),
				      80, TCP_FLAG_ACK, i == N - 1 ? "EVIL" : "fine"),
			   (uint64_t)i + 1);
	engine_process_burst(f->w, pkts, N);
	assert_int_equal(engine_worker_stats(f->w)->packets, N);
	assert_int_equal(engine_worker_flows_created(f->w), N);
	assert_int_equal(alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8), 1);
	assert_int_equal(out[0].pcap_cnt, N);
	engine_worker_finish(f->w);
}

/* A TCP payload of `len` bytes: `head` first, then filler. */
static const char *payload_of(char *buf, size_t len, const char *head)
{
	memset(buf, 'a', len);
	memcpy(buf, head, strlen(head));
	buf[len] = '\0';
	return buf;
}

static void test_bypass_after_inspection_depth(void **state)
{
	struct fixture *f = *state;
	static uint8_t b[4][1000];
	char text[950];
	struct packet pkts[4];
	struct alert_record out[8];
	const struct engine_worker_stats *st;

	/* depth 1000: 600 + 600 bytes to the server cross it with packet 2,
	 * whose EVIL (at stream offset 600) is still seen; packet 3's is not */
	set_packet(&pkts[0], b[0], build_ipv4(b[0], 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 40000, 80,
					      TCP_FLAG_ACK, payload_of(text, 600, "")), 1);
	set_packet(&pkts[1], b[1], build_ipv4(b[1], 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 40000, 80,
					      TCP_FLAG_ACK, payload_of(text, 600, "EVIL")), 2);
	set_packet(&pkts[2], b[2], build_ipv4(b[2], 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 40000, 80,
					      TCP_FLAG_ACK, payload_of(text, 100, "EVIL")), 3);
	/* the reply direction of a bypassed flow is bypassed too */
	set_packet(&pkts[3], b[3], build_ipv4(b[3], 6, IP(10, 0, 0, 2), IP(10, 0, 0, 1), 80, 40000,
					      TCP_FLAG_ACK, payload_of(text, 10, "EVIL")), 4);
	engine_process_burst(f->w, pkts, 4);

	assert_int_equal(alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8), 1);
	assert_int_equal(out[0].pcap_cnt, 2);
	st = engine_worker_stats(f->w);
	assert_int_equal(st->bypassed_flows, 1);
	assert_int_equal(st->bypassed_packets, 2);
	assert_int_equal(st->inspected, 2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pkts[i].verdict, VERDICT_PASS);

	/* a fresh flow below the depth is inspected as usual */
	set_packet(&pkts[0], b[0], build_ipv4(b[0], 6, IP(10, 0, 0, 7), IP(10, 0, 0, 2), 40001, 80,
					      TCP_FLAG_ACK, payload_of(text, 900, "EVIL")), 5);
	engine_process_burst(f->w, pkts, 1);
	assert_int_equal(alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8), 1);
	assert_int_equal(out[0].pcap_cnt, 5);
}

static void test_dropped_flow_stays_dropped_past_depth(void **state)
{
	struct fixture *f = *state;
	static uint8_t b[2][1400];
	char text[1300];
	struct packet pkts[2];

	set_packet(&pkts[0], b[0], build_ipv4(b[0], 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1234, 8080,
					      TCP_FLAG_ACK, payload_of(text, 1200, "BLOCK")), 1);
	set_packet(&pkts[1], b[1], build_ipv4(b[1], 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1234, 8080,
					      TCP_FLAG_ACK, payload_of(text, 10, "ok")), 2);
	engine_process_burst(f->w, pkts, 2);
	assert_int_equal(pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(pkts[1].verdict, VERDICT_DROP);
	assert_int_equal(engine_worker_stats(f->w)->drops[ENGINE_DROP_FLOW], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alert_record_fields, setup_ids, teardown),
		cmocka_unit_test_setup_teardown(test_ips_drop_blocks_and_records, setup_ips, teardown),
		cmocka_unit_test_setup_teardown(test_ids_never_blocks, setup_ids, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_packets_are_counted, setup_ids, teardown),
		cmocka_unit_test_setup_teardown(test_full_ring_counts_drops, setup_tiny_ring, teardown),
		cmocka_unit_test_setup_teardown(test_long_burst_is_sliced, setup_ids, teardown),
		cmocka_unit_test_setup_teardown(test_bypass_after_inspection_depth, setup_depth_ids, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_flow_stays_dropped_past_depth, setup_depth_ips,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
