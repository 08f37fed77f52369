/*
 * test_policy_pipeline.c - the firewall stage inside one worker's pipeline:
 * return traffic of an allowed flow is admitted, a denied flow stays
 * dropped, reject answers the first packet, ARP is never judged, IDS mode
 * only counts, and logged decisions land in the alert ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/output/alert_ring.h"
#include "signatures/parser/sig_parser.h"
#include "tests/unit/policy/policy_test_util.h"
#include "tests/unit/engine/ipv4_frame.h"

static const char rules_text[] =
	"alert tcp any any -> any any (msg:\"evil\"; content:\"EVIL\"; sid:1;)\n";

static const char policy_allow[] =
	"firewall:\n"
	"  zones: { outside: [bridge-a], inside: [bridge-b] }\n"
	"  default-action: allow\n"
	"  rules:\n"
	"    - { name: deny-smb, ingress: outside, proto: tcp, dst-port: 445, action: deny, log: true }\n"
	"    - { name: reject-telnet, ingress: outside, proto: tcp, dst-port: 23, action: reject, log: true }\n"
	"    - { name: web, ingress: outside, proto: tcp, dst-port: 80, action: allow, log: true }\n"
	"    - { name: no-servers-inside, ingress: inside, proto: tcp, src-port: 80, action: deny }\n";

static const char policy_deny_all[] = "firewall:\n  default-action: deny\n";

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define OUTSIDE 0 /* port ids: bridge-a */
#define INSIDE 1  /* bridge-b */

struct fixture {
	struct sig_ruleset *rs;
	struct detect_engine *de;
	struct engine_worker *w;
	struct engine_config cfg;
	struct fw_policy *pol;
	uint8_t buf[8][256];
	struct packet pkts[8];
	uint16_t n;
};

/* Queue one packet into the fixture's next burst. */
static void add_tcp(struct fixture *f, uint16_t port, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport, uint8_t flags, const char *payload)
{
	struct packet *p = &f->pkts[f->n];
	size_t len = build_ipv4(f->buf[f->n], 6, src, dst, sport, dport, flags, payload);

	memset(p, 0, sizeof(*p));
	p->data = f->buf[f->n];
	p->len = p->wire_len = (uint32_t)len;
	p->ts_usec = 1700000000000000ull + f->n * 1000ull;
	p->pcap_cnt = f->n + 1u;
	p->port = port;
	p->link = LINK_ETHERNET;
	f->n++;
}

static void add_arp(struct fixture *f, uint16_t port)
{
	struct packet *p = &f->pkts[f->n];
	uint8_t *b = f->buf[f->n];

	memset(b, 0, 60);
	memcpy(b, "\xff\xff\xff\xff\xff\xff\x66\x77\x88\x99\xaa\xbb\x08\x06", 14);
	memcpy(b + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8); /* Ethernet/IPv4 request */
	memset(p, 0, sizeof(*p));
	p->data = b;
	p->len = p->wire_len = 60;
	p->port = port;
	p->link = LINK_ETHERNET;
	f->n++;
}

static void run(struct fixture *f)
{
	engine_process_burst(f->w, f->pkts, f->n);
}

static int setup_with(void **state, const char *policy_yaml, uint8_t mode, uint32_t max_flows)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[] = "/tmp/rampart-fw-rules-XXXXXX", err[512] = "";
	struct detect_build_stats st;
	int fd;

	assert_non_null(f);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rules_text, strlen(rules_text)), (ssize_t)strlen(rules_text));
	close(fd);
	f->rs = sig_ruleset_new();
	assert_int_equal(sig_ruleset_load_path(f->rs, path, NULL, err, sizeof(err)), 0);
	unlink(path);
	f->de = detect_engine_build(f->rs, &st, err, sizeof(err));
	assert_non_null(f->de);

	f->pol = policy_from_yaml(&f->cfg, policy_yaml, err, sizeof(err));
	if (!f->pol)
		fail_msg("%s", err);
	assert_int_equal(fw_policy_bind_port(f->pol, OUTSIDE, "veth-a", 0), 0);
	assert_int_equal(fw_policy_bind_port(f->pol, INSIDE, "veth-b", 1), 0);
	f->cfg.mode = mode;
	f->cfg.alert_ring_size = 64;
	f->cfg.flow_max_flows = max_flows;
	f->cfg.checksum_validation = false;
	f->w = engine_worker_new(&f->cfg, f->de, f->rs, 0, err, sizeof(err));
	assert_non_null(f->w);
	assert_int_equal(engine_worker_set_policy(f->w, f->pol), 0);
	*state = f;
	return 0;
}

static int setup_ips(void **state) { return setup_with(state, policy_allow, ENGINE_MODE_SIMULATE_IPS, 1024); }
static int setup_ids(void **state) { return setup_with(state, policy_allow, ENGINE_MODE_IDS, 1024); }
static int setup_deny_all(void **state)
{
	return setup_with(state, policy_deny_all, ENGINE_MODE_SIMULATE_IPS, 1024);
}
static int setup_one_flow(void **state)
{
	return setup_with(state, policy_deny_all, ENGINE_MODE_SIMULATE_IPS, 1);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	engine_worker_free(f->w);
	fw_policy_free(f->pol);
	detect_engine_free(f->de);
	sig_ruleset_free(f->rs);
	engine_config_free(&f->cfg);
	free(f);
	return 0;
}

static size_t pop(struct fixture *f, struct alert_record *out, size_t max)
{
	return alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, max);
}

static void test_allowed_flow_return_traffic_admitted(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	struct alert_record out[8];
	const uint64_t *hits;
	uint32_t n_hits;

	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 80, TCP_FLAG_SYN, "");
	/* the reply comes in on the inside with source port 80, which
	 * no-servers-inside would deny were it classified on its own */
	add_tcp(f, INSIDE, IP(10, 0, 0, 2), 80, IP(1, 2, 3, 4), 40000, TCP_FLAG_SYN | TCP_FLAG_ACK, "");
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 80, TCP_FLAG_ACK, "");
	add_tcp(f, INSIDE, IP(10, 0, 0, 2), 80, IP(1, 2, 3, 4), 40000, TCP_FLAG_ACK, "EVIL reply");
	/* a new flow from the inside with source port 80: denied */
	add_tcp(f, INSIDE, IP(10, 0, 0, 3), 80, IP(1, 2, 3, 4), 40001, TCP_FLAG_SYN, "");
	run(f);
	for (int i = 0; i < 4; i++)
		assert_int_equal(f->pkts[i].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[4].verdict, VERDICT_DROP);
	assert_int_equal(st->fw_classified, 2);
	assert_int_equal(st->fw_allowed, 1);
	assert_int_equal(st->fw_denied, 1);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 1);
	/* the allowed flow went on to detection: the reply's EVIL alerted */
	assert_int_equal(st->alerts, 1);

	/* one logged decision (web: log true), then the alert */
	assert_int_equal(pop(f, out, 8), 2);
	assert_int_equal(out[0].kind, ALERT_RECORD_FIREWALL);
	assert_int_equal(out[0].action, ALERT_FW_ALLOW);
	assert_int_equal(out[0].blocked, 0);
	assert_string_equal(out[0].fw_rule, "web");
	assert_int_equal(out[0].dport, 80);
	assert_true(out[0].flow_id != 0);
	assert_int_equal(out[1].kind, ALERT_RECORD_ALERT);

	hits = engine_worker_fw_rule_hits(f->w, &n_hits);
	assert_int_equal(n_hits, 5);
	assert_int_equal(hits[2], 1); /* web */
	assert_int_equal(hits[3], 1); /* no-servers-inside */
	assert_int_equal(hits[4], 0); /* default */
}

static void test_denied_flow_later_packets_dropped(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	struct alert_record out[8];

	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 445, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	/* next burst: a retransmit and a (spoofed) reply: both dropped,
	 * neither classified nor inspected */
	f->n = 0;
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 445, TCP_FLAG_ACK, "EVIL");
	add_tcp(f, INSIDE, IP(10, 0, 0, 2), 445, IP(1, 2, 3, 4), 40000, TCP_FLAG_ACK, "EVIL");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP);
	assert_int_equal(st->fw_classified, 1);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 3);
	assert_int_equal(st->drops[ENGINE_DROP_FLOW], 0);
	assert_int_equal(st->inspected, 0);
	assert_int_equal(st->alerts, 0);
	assert_string_equal(engine_drop_reason_name(ENGINE_DROP_FW_DENY), "firewall_deny");

	assert_int_equal(pop(f, out, 8), 1);
	assert_int_equal(out[0].kind, ALERT_RECORD_FIREWALL);
	assert_int_equal(out[0].action, ALERT_FW_DENY);
	assert_int_equal(out[0].blocked, 1);
	assert_string_equal(out[0].fw_rule, "deny-smb");
	assert_int_equal(st->fw_records, 1);
}

static void test_reject_verdict(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	struct alert_record out[8];

	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 23, TCP_FLAG_SYN, "");
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 23, TCP_FLAG_SYN, "");
	/* telnet from the inside is not "ingress outside": allowed */
	add_tcp(f, INSIDE, IP(10, 0, 0, 2), 40000, IP(1, 2, 3, 4), 23, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_REJECT);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[2].verdict, VERDICT_PASS);
	assert_int_equal(st->drops[ENGINE_DROP_FW_REJECT], 1);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 1);
	assert_int_equal(st->fw_rejected, 1);
	assert_string_equal(engine_drop_reason_name(ENGINE_DROP_FW_REJECT), "firewall_reject");
	assert_int_equal(pop(f, out, 8), 1);
	assert_int_equal(out[0].action, ALERT_FW_REJECT);
	assert_int_equal(out[0].blocked, 1);
}

static void test_arp_untouched(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);

	add_arp(f, OUTSIDE);
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 443, TCP_FLAG_SYN, "");
	add_arp(f, INSIDE);
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP); /* default deny */
	assert_int_equal(f->pkts[2].verdict, VERDICT_PASS);
	assert_int_equal(st->fw_classified, 1);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 1);
	/* the default action is never logged */
	assert_int_equal(alert_ring_count(engine_worker_alert_ring(f->w)), 0);
}

static void test_ids_mode_does_not_block(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	struct alert_record out[8];

	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 445, TCP_FLAG_SYN, "");
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 445, TCP_FLAG_ACK, "EVIL");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	assert_int_equal(st->fw_would_block, 2);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 0);
	assert_int_equal(st->inspected, 2);
	assert_int_equal(pop(f, out, 8), 2);
	assert_int_equal(out[0].kind, ALERT_RECORD_FIREWALL);
	assert_int_equal(out[0].action, ALERT_FW_DENY);
	assert_int_equal(out[0].blocked, 0); /* EVE "firewall", not "drop" */
	assert_int_equal(out[1].kind, ALERT_RECORD_ALERT);
}

static void test_packets_without_flow_are_classified(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);

	/* a one-flow table: the second connection of the burst gets no flow,
	 * and is still judged (default deny) */
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 443, TCP_FLAG_SYN, "");
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 5), 40000, IP(10, 0, 0, 2), 443, TCP_FLAG_SYN, "");
	run(f);
	assert_null(f->pkts[1].flow);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP);
	assert_int_equal(st->fw_classified, 2);
}

static void test_detach_policy(void **state)
{
	struct fixture *f = *state;
	uint32_t n_hits;

	assert_int_equal(engine_worker_set_policy(f->w, NULL), 0);
	assert_null(engine_worker_fw_rule_hits(f->w, &n_hits));
	assert_int_equal(n_hits, 0);
	add_tcp(f, OUTSIDE, IP(1, 2, 3, 4), 40000, IP(10, 0, 0, 2), 443, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(engine_worker_stats(f->w)->fw_classified, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allowed_flow_return_traffic_admitted, setup_ips, teardown),
		cmocka_unit_test_setup_teardown(test_denied_flow_later_packets_dropped, setup_ips, teardown),
		cmocka_unit_test_setup_teardown(test_reject_verdict, setup_ips, teardown),
		cmocka_unit_test_setup_teardown(test_arp_untouched, setup_deny_all, teardown),
		cmocka_unit_test_setup_teardown(test_ids_mode_does_not_block, setup_ids, teardown),
		cmocka_unit_test_setup_teardown(test_packets_without_flow_are_classified, setup_one_flow,
						teardown),
		cmocka_unit_test_setup_teardown(test_detach_policy, setup_deny_all, teardown),
	};

	policy_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
