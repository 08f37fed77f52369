/*
 * test_swap.c - rules and firewall policy swapped into a running worker
 * (engine.h "hot swap"): what an existing flow sees after the swap (new rules
 * alert, old flowbits are gone, a new policy cuts or keeps it), that new
 * flows work, that the old objects can be freed at once after apply, and
 * that many swaps leak nothing (run under ASan).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/flow/flow_table.h"
#include "dataplane/engine/output/alert_ring.h"
#include "signatures/parser/sig_parser.h"
#include "tests/unit/engine/ipv4_frame.h"
#include "tests/unit/policy/policy_test_util.h"

/* Set A alerts sid 1 on EVIL; set B alerts sid 2 on it instead. Both set a
 * flowbit on SETBIT; B alerts sid 20 on CHECK when the bit is set. */
static const char rules_a[] =
	"alert tcp any any -> any 80 (msg:\"A evil\"; content:\"EVIL\"; sid:1;)\n"
	"alert tcp any any -> any 80 (msg:\"A mark\"; content:\"SETBIT\"; flowbits:set,marked; "
	"flowbits:noalert; sid:10;)\n";
static const char rules_b[] =
	"alert tcp any any -> any 80 (msg:\"B evil\"; content:\"EVIL\"; sid:2;)\n"
	"alert tcp any any -> any 80 (msg:\"B mark\"; content:\"SETBIT\"; flowbits:set,marked; "
	"flowbits:noalert; sid:21;)\n"
	"alert tcp any any -> any 80 (msg:\"B check\"; content:\"CHECK\"; flowbits:isset,marked; sid:20;)\n";

#define ZONES "  zones: { outside: [bridge-a], inside: [bridge-b] }\n"
static const char policy_p1[] =
	"firewall:\n" ZONES "  default-action: allow\n"
	"  rules:\n"
	"    - { name: web, ingress: outside, proto: tcp, dst-port: 80, action: allow }\n";
/* denies client -> server traffic to port 80 arriving on the outside */
static const char policy_p2[] =
	"firewall:\n" ZONES "  default-action: allow\n"
	"  rules:\n"
	"    - { name: no-web, ingress: outside, proto: tcp, dst-port: 80, action: deny, log: true }\n";
/* matches only the reversed direction (replies from port 80) */
static const char policy_p3[] =
	"firewall:\n" ZONES "  default-action: allow\n"
	"  rules:\n"
	"    - { name: no-replies, proto: tcp, src-port: 80, action: deny }\n";

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define OUTSIDE 0 /* port ids: bridge-a */
#define INSIDE 1  /* bridge-b */
#define CLIENT IP(10, 0, 0, 1)
#define SERVER IP(192, 168, 1, 2)

struct ruleset {
	struct sig_ruleset *rs;
	struct detect_engine *de;
};

struct fixture {
	struct ruleset a, b;
	struct engine_config cfg;
	struct engine_config pcfg[3];
	struct fw_policy *pol[3];     /* P1, P2, P3 */
	struct engine_worker *w;
	uint8_t buf[16][256];
	struct packet pkts[16];
	uint16_t n;
	uint64_t clock;
};

static void load_rules(struct ruleset *r, const char *text)
{
	char path[] = "/tmp/rampart-swap-rules-XXXXXX", err[512] = "";
	struct detect_build_stats st;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r->rs = sig_ruleset_new();
	assert_non_null(r->rs);
	assert_int_equal(sig_ruleset_load_path(r->rs, path, NULL, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(r->rs->n_errors, 0);
	r->de = detect_engine_build(r->rs, &st, err, sizeof(err));
	if (!r->de)
		fail_msg("%s", err);
}

static void free_rules(struct ruleset *r)
{
	detect_engine_free(r->de);
	sig_ruleset_free(r->rs);
}

static struct fw_policy *load_policy(struct engine_config *cfg, const char *yaml)
{
	char err[512] = "";
	struct fw_policy *pol = policy_from_yaml(cfg, yaml, err, sizeof(err));

	if (!pol)
		fail_msg("%s", err);
	assert_int_equal(fw_policy_bind_port(pol, OUTSIDE, "veth-a", 0), 0);
	assert_int_equal(fw_policy_bind_port(pol, INSIDE, "veth-b", 1), 0);
	return pol;
}

/* A worker with rule set A (or none) and policy P1 (or none). */
static int setup_with(void **state, bool rules, bool policy, bool midstream)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512] = "";

	assert_non_null(f);
	load_rules(&f->a, rules_a);
	load_rules(&f->b, rules_b);
	f->pol[0] = load_policy(&f->pcfg[0], policy_p1);
	f->pol[1] = load_policy(&f->pcfg[1], policy_p2);
	f->pol[2] = load_policy(&f->pcfg[2], policy_p3);
	engine_config_init(&f->cfg);
	f->cfg.mode = ENGINE_MODE_SIMULATE_IPS;
	f->cfg.alert_ring_size = 256;
	f->cfg.flow_max_flows = 1024;
	f->cfg.flow_midstream = midstream;
	f->cfg.checksum_validation = false;
	f->w = engine_worker_new(&f->cfg, rules ? f->a.de : NULL, rules ? f->a.rs : NULL, 0, err,
				 sizeof(err));
	if (!f->w)
		fail_msg("%s", err);
	if (policy)
		assert_int_equal(engine_worker_set_policy(f->w, f->pol[0]), 0);
	f->clock = 1700000000000000ull;
	*state = f;
	return 0;
}

static int setup_rules(void **state) { return setup_with(state, true, false, true); }
static int setup_policy(void **state) { return setup_with(state, true, true, true); }
static int setup_policy_no_midstream(void **state) { return setup_with(state, true, true, false); }
static int setup_nothing(void **state) { return setup_with(state, false, false, true); }

static int teardown(void **state)
{
	struct fixture *f = *state;

	engine_worker_free(f->w);
	for (int i = 0; i < 3; i++) {
		fw_policy_free(f->pol[i]);
		engine_config_free(&f->pcfg[i]);
	}
	free_rules(&f->a);
	free_rules(&f->b);
	engine_config_free(&f->cfg);
	free(f);
	return 0;
}

/* Queue one TCP packet into the next burst. */
static void add_tcp(struct fixture *f, uint16_t port, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport, uint8_t flags, const char *payload)
{
	struct packet *p = &f->pkts[f->n];
	size_t len = build_ipv4(f->buf[f->n], 6, src, dst, sport, dport, flags, payload);

	memset(p, 0, sizeof(*p));
	p->data = f->buf[f->n];
	p->len = p->wire_len = (uint32_t)len;
	p->ts_usec = (f->clock += 1000);
	p->port = port;
	p->link = LINK_ETHERNET;
	f->n++;
}

/* client -> server on the outside, and the reply on the inside */
static void add_c2s(struct fixture *f, uint16_t cport, uint8_t flags, const char *payload)
{
	add_tcp(f, OUTSIDE, CLIENT, cport, SERVER, 80, flags, payload);
}

static void add_s2c(struct fixture *f, uint16_t cport, uint8_t flags, const char *payload)
{
	add_tcp(f, INSIDE, SERVER, 80, CLIENT, cport, flags, payload);
}

static void run(struct fixture *f)
{
	engine_process_burst(f->w, f->pkts, f->n);
}

/* Runs the queued burst and returns the sids it alerted (in order, up to max). */
static size_t run_sids(struct fixture *f, const struct sig_ruleset *rs, uint32_t *sids, size_t max)
{
	struct alert_record out[32];
	size_t n, k = 0;

	run(f);
	n = alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 32);
	for (size_t i = 0; i < n; i++) {
		if (out[i].kind != ALERT_RECORD_ALERT)
			continue;
		assert_ptr_equal(out[i].ruleset, rs); /* records name the set that matched */
		assert_true(out[i].rule_index < rs->n_rules);
		if (k < max)
			sids[k++] = rs->rules[out[i].rule_index].sid;
	}
	f->n = 0;
	return k;
}

static void swap_rules(struct fixture *f, const struct ruleset *r)
{
	struct engine_rules_swap *s = engine_rules_swap_prepare(f->w, r ? r->de : NULL, r ? r->rs : NULL);

	assert_non_null(s);
	engine_worker_apply_rules(f->w, s);
	engine_rules_swap_free(s); /* the old detect thread: never touched again */
}

static void swap_policy(struct fixture *f, const struct fw_policy *pol)
{
	struct engine_policy_swap *s = engine_policy_swap_prepare(f->w, pol);

	assert_non_null(s);
	engine_worker_apply_policy(f->w, s);
	engine_policy_swap_free(s);
}

/* ---- rules ---- */

static void test_existing_flow_sees_new_rules(void **state)
{
	struct fixture *f = *state;
	uint32_t sids[8];

	add_c2s(f, 40000, TCP_FLAG_ACK, "xxEVILxx");
	assert_int_equal(run_sids(f, f->a.rs, sids, 8), 1);
	assert_int_equal(sids[0], 1);

	swap_rules(f, &f->b);
	add_c2s(f, 40000, TCP_FLAG_ACK, "again EVIL");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 1);
	assert_int_equal(sids[0], 2);
	assert_int_equal(engine_worker_flows_created(f->w), 1); /* the same flow */
}

static void test_flowbits_do_not_survive_a_swap(void **state)
{
	struct fixture *f = *state;
	uint32_t sids[8];

	uint64_t x_id;

	/* flow X marks itself under A (it takes flowbits slot 1 there) */
	add_c2s(f, 40000, TCP_FLAG_ACK, "SETBIT");
	assert_int_equal(run_sids(f, f->a.rs, sids, 8), 0);
	x_id = f->pkts[0].flow->flow_id;

	swap_rules(f, &f->b);
	/* new flow Y marks itself under B: slot 1 of the new pool */
	add_c2s(f, 40001, TCP_FLAG_ACK, "SETBIT");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 0);
	/* X's bit was set under A: not visible under B (even though the number
	 * of its old slot now belongs to Y, whose bit is set) */
	add_c2s(f, 40000, TCP_FLAG_ACK, "CHECK");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 0);
	/* Y's bit works */
	add_c2s(f, 40001, TCP_FLAG_ACK, "CHECK");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 1);
	assert_int_equal(sids[0], 20);

	/* X ends and its port is reused: releasing X's stale slot must leave
	 * Y's bits alone */
	add_c2s(f, 40000, TCP_FLAG_RST, "");
	add_c2s(f, 40000, TCP_FLAG_SYN, "");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 0);
	assert_true(f->pkts[1].flow->flow_id != x_id); /* restarted: X released */
	assert_int_equal(engine_worker_flows_created(f->w), 2);
	add_c2s(f, 40001, TCP_FLAG_ACK, "CHECK");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 1);
	assert_int_equal(sids[0], 20);
	/* and X, now a new connection, can mark itself under B */
	add_c2s(f, 40000, TCP_FLAG_ACK, "SETBIT");
	add_c2s(f, 40000, TCP_FLAG_ACK, "CHECK");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 1);
	assert_int_equal(sids[0], 20);
}

static void test_swap_to_no_rules_stops_detection(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	uint32_t sids[8];
	uint64_t inspected;

	add_c2s(f, 40000, TCP_FLAG_ACK, "EVIL");
	assert_int_equal(run_sids(f, f->a.rs, sids, 8), 1);
	inspected = st->inspected;

	swap_rules(f, NULL);
	add_c2s(f, 40000, TCP_FLAG_ACK, "EVIL");
	add_c2s(f, 40002, TCP_FLAG_ACK, "EVIL");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	f->n = 0;
	assert_int_equal(alert_ring_count(engine_worker_alert_ring(f->w)), 0);
	assert_int_equal(st->inspected, inspected);

	/* and back */
	swap_rules(f, &f->a);
	add_c2s(f, 40002, TCP_FLAG_ACK, "EVIL");
	assert_int_equal(run_sids(f, f->a.rs, sids, 8), 1);
	assert_int_equal(sids[0], 1);
}

static void test_worker_without_rules(void **state)
{
	struct fixture *f = *state;
	uint32_t sids[8];

	/* created with no rules: forwards, detects nothing */
	add_c2s(f, 40000, TCP_FLAG_ACK, "EVIL");
	assert_int_equal(run_sids(f, NULL, sids, 8), 0);
	assert_int_equal(engine_worker_stats(f->w)->inspected, 0);
	/* half a rule set is refused, and changes nothing */
	errno = 0;
	assert_null(engine_rules_swap_prepare(f->w, f->a.de, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(engine_rules_swap_prepare(f->w, NULL, f->a.rs));
	/* the first rule set arrives */
	swap_rules(f, &f->b);
	add_c2s(f, 40000, TCP_FLAG_ACK, "EVIL");
	assert_int_equal(run_sids(f, f->b.rs, sids, 8), 1);
	assert_int_equal(sids[0], 2);
}

static void test_prepared_swap_never_applied(void **state)
{
	struct fixture *f = *state;
	struct engine_rules_swap *rs = engine_rules_swap_prepare(f->w, f->b.de, f->b.rs);
	struct engine_policy_swap *ps = engine_policy_swap_prepare(f->w, f->pol[1]);
	uint32_t sids[8];

	assert_non_null(rs);
	assert_non_null(ps);
	/* a refused reload: the prepared state is freed, the worker keeps A */
	engine_rules_swap_free(rs);
	engine_policy_swap_free(ps);
	engine_rules_swap_free(NULL);
	engine_policy_swap_free(NULL);
	add_c2s(f, 40000, TCP_FLAG_ACK, "EVIL");
	assert_int_equal(run_sids(f, f->a.rs, sids, 8), 1);
	assert_int_equal(sids[0], 1);
}

/* ---- policy ---- */

/* A handshake plus one data packet each way, client port cport: allowed. */
static void open_flow(struct fixture *f, uint16_t cport)
{
	add_c2s(f, cport, TCP_FLAG_SYN, "");
	add_s2c(f, cport, TCP_FLAG_SYN | TCP_FLAG_ACK, "");
	add_c2s(f, cport, TCP_FLAG_ACK, "");
	add_c2s(f, cport, TCP_FLAG_ACK | TCP_FLAG_PSH, "hello");
	add_s2c(f, cport, TCP_FLAG_ACK | TCP_FLAG_PSH, "hi");
	run(f);
	for (uint16_t i = 0; i < f->n; i++)
		assert_int_equal(f->pkts[i].verdict, VERDICT_PASS);
	f->n = 0;
	alert_ring_pop_burst(engine_worker_alert_ring(f->w), (struct alert_record[32]){ 0 }, 32);
}

static void test_new_policy_cuts_established_flows(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	struct alert_record out[8];
	struct fw_policy *p1 = f->pol[0];
	uint64_t classified;

	open_flow(f, 40000);
	open_flow(f, 40001);
	classified = st->fw_classified;
	assert_int_equal(classified, 2);

	swap_policy(f, f->pol[1]);
	/* P1 is no longer used: free it now (ASan would catch a later use) */
	fw_policy_free(p1);
	f->pol[0] = NULL;

	/* flow 40000's next packet is a reply (inside, from port 80): cut,
	 * because the flow's ORIGINAL direction is outside -> port 80; flow
	 * 40001's next packet goes client -> server: cut too */
	add_s2c(f, 40000, TCP_FLAG_ACK, "reply");
	add_c2s(f, 40001, TCP_FLAG_ACK, "more");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP);
	assert_int_equal(st->fw_reclassified, 2);
	assert_int_equal(st->fw_classified, classified + 2);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 2);
	/* each re-classification under the logged rule left its record, as the
	 * flow's first packet would have looked */
	assert_int_equal(alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 8), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(out[i].kind, ALERT_RECORD_FIREWALL);
		assert_string_equal(out[i].fw_rule, "no-web");
		assert_int_equal(out[i].action, ALERT_FW_DENY);
		assert_int_equal(out[i].blocked, 1);
	}
	/* later packets, either way: dropped, not judged again */
	f->n = 0;
	add_c2s(f, 40000, TCP_FLAG_ACK, "x");
	add_s2c(f, 40001, TCP_FLAG_ACK, "y");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP);
	assert_int_equal(st->fw_reclassified, 2);
	assert_int_equal(st->drops[ENGINE_DROP_FW_DENY], 4);
	f->n = 0;

	uint32_t n_hits;
	const uint64_t *hits = engine_worker_fw_rule_hits(f->w, &n_hits);
	assert_int_equal(n_hits, 2);
	assert_int_equal(hits[0], 2); /* no-web, counted on P2's own counters */
}

static void test_reverse_direction_rule_does_not_cut(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);

	open_flow(f, 40000);
	swap_policy(f, f->pol[2]);
	/* the reply has source port 80, but the flow is judged as its first
	 * packet went (client -> server, to port 80): allowed */
	add_s2c(f, 40000, TCP_FLAG_ACK, "reply");
	add_c2s(f, 40000, TCP_FLAG_ACK, "more");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	assert_int_equal(st->fw_reclassified, 1);
	f->n = 0;
	/* the rule itself works: a new flow whose first packet comes from
	 * port 80 is denied */
	add_tcp(f, INSIDE, IP(192, 168, 1, 9), 80, CLIENT, 5555, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	f->n = 0;
}

static void test_first_packet_from_server_judged_as_it_was(void **state)
{
	struct fixture *f = *state;

	/* picked up midstream on the server's SYN/ACK: the flow's first packet
	 * went server -> client, from port 80, in on the inside */
	add_s2c(f, 40010, TCP_FLAG_SYN | TCP_FLAG_ACK, "");
	add_c2s(f, 40010, TCP_FLAG_ACK, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	f->n = 0;
	/* P3 denies packets from port 80: a new flow starting that way is
	 * denied, so this one is cut too, whichever way its next packet goes */
	swap_policy(f, f->pol[2]);
	add_c2s(f, 40010, TCP_FLAG_ACK, "next");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(engine_worker_stats(f->w)->fw_reclassified, 1);
	f->n = 0;
}

static void test_roles_swapped_after_first_packet(void **state)
{
	struct fixture *f = *state;

	/* midstream off: a stray reply from the server (inside, port 80) makes
	 * the flow, then the client's SYN shows who the client really is and
	 * the flow table swaps the roles */
	add_s2c(f, 40020, TCP_FLAG_ACK, "");
	add_c2s(f, 40020, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	assert_true(f->pkts[1].to_server);
	f->n = 0;
	/* judged again as the first packet went (from port 80): cut by P3 */
	swap_policy(f, f->pol[2]);
	add_c2s(f, 40020, TCP_FLAG_ACK, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	f->n = 0;
}

static void test_swap_back_allows_again(void **state)
{
	struct fixture *f = *state;
	uint32_t sids[8];

	open_flow(f, 40000);
	swap_policy(f, f->pol[1]);
	add_c2s(f, 40000, TCP_FLAG_ACK, "cut");
	add_c2s(f, 40005, TCP_FLAG_SYN, ""); /* new flow: denied too */
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[1].verdict, VERDICT_DROP);
	f->n = 0;

	swap_policy(f, f->pol[0]);
	/* a new flow is allowed and inspected */
	add_c2s(f, 40009, TCP_FLAG_SYN, "");
	add_c2s(f, 40009, TCP_FLAG_ACK, "EVIL");
	/* the flows P2 cut flow again (the firewall, not a rule, dropped them) */
	add_c2s(f, 40000, TCP_FLAG_ACK, "EVIL");
	add_c2s(f, 40005, TCP_FLAG_ACK, "EVIL");
	assert_int_equal(run_sids(f, f->a.rs, sids, 8), 3);
	for (int i = 0; i < 4; i++)
		assert_int_equal(f->pkts[i].verdict, VERDICT_PASS);
}

static void test_policy_removed_and_added(void **state)
{
	struct fixture *f = *state;

	open_flow(f, 40000);
	swap_policy(f, f->pol[1]);
	add_c2s(f, 40000, TCP_FLAG_ACK, "cut");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	f->n = 0;
	/* no firewall at all: everything flows, the cut flow included */
	swap_policy(f, NULL);
	add_c2s(f, 40000, TCP_FLAG_ACK, "back");
	add_c2s(f, 40007, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_PASS);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	f->n = 0;
	/* engine_worker_set_policy still works mid-run, and also judges
	 * existing flows again */
	assert_int_equal(engine_worker_set_policy(f->w, f->pol[1]), 0);
	add_s2c(f, 40007, TCP_FLAG_SYN | TCP_FLAG_ACK, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	f->n = 0;
}

static void test_policy_on_worker_without_rules(void **state)
{
	struct fixture *f = *state;

	/* managed mode: a firewall before the first rule set */
	assert_int_equal(engine_worker_set_policy(f->w, f->pol[1]), 0);
	add_c2s(f, 40000, TCP_FLAG_SYN, "");
	add_tcp(f, OUTSIDE, CLIENT, 40001, SERVER, 443, TCP_FLAG_SYN, "");
	run(f);
	assert_int_equal(f->pkts[0].verdict, VERDICT_DROP);
	assert_int_equal(f->pkts[1].verdict, VERDICT_PASS);
	assert_int_equal(engine_worker_stats(f->w)->inspected, 0);
	f->n = 0;
	alert_ring_pop_burst(engine_worker_alert_ring(f->w), (struct alert_record[8]){ 0 }, 8);
}

/* ---- churn ---- */

static void test_many_alternating_swaps(void **state)
{
	struct fixture *f = *state;
	const struct engine_worker_stats *st = engine_worker_stats(f->w);
	struct alert_record out[64];
	uint64_t alerts = 0;

	for (int i = 0; i < 1000; i++) {
		bool odd = i & 1;

		swap_rules(f, odd ? &f->b : &f->a);
		swap_policy(f, odd ? f->pol[2] : f->pol[0]);
		add_c2s(f, (uint16_t)(40000 + i % 7), TCP_FLAG_ACK, "EVIL");
		add_c2s(f, (uint16_t)(40000 + i % 5), TCP_FLAG_ACK, "SETBIT");
		add_s2c(f, (uint16_t)(40000 + i % 3), TCP_FLAG_ACK, "CHECK");
		run(f);
		for (int k = 0; k < 3; k++)
			assert_int_equal(f->pkts[k].verdict, VERDICT_PASS);
		f->n = 0;
		size_t n = alert_ring_pop_burst(engine_worker_alert_ring(f->w), out, 64);
		for (size_t k = 0; k < n; k++) {
			uint32_t sid;

			if (out[k].kind != ALERT_RECORD_ALERT)
				continue;
			sid = ((const struct sig_ruleset *)out[k].ruleset)->rules[out[k].rule_index].sid;
			assert_true(odd ? (sid == 2 || sid == 20) : sid == 1);
			alerts += sid != 20;
		}
	}
	assert_int_equal(alerts, 1000); /* every EVIL alerted once, under its set */
	assert_int_equal(st->alert_ring_dropped, 0);
	assert_true(st->fw_reclassified > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_existing_flow_sees_new_rules, setup_rules, teardown),
		cmocka_unit_test_setup_teardown(test_flowbits_do_not_survive_a_swap, setup_rules, teardown),
		cmocka_unit_test_setup_teardown(test_swap_to_no_rules_stops_detection, setup_rules, teardown),
		cmocka_unit_test_setup_teardown(test_worker_without_rules, setup_nothing, teardown),
		cmocka_unit_test_setup_teardown(test_prepared_swap_never_applied, setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_new_policy_cuts_established_flows, setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_direction_rule_does_not_cut, setup_policy,
						teardown),
		cmocka_unit_test_setup_teardown(test_first_packet_from_server_judged_as_it_was, setup_policy,
						teardown),
		cmocka_unit_test_setup_teardown(test_roles_swapped_after_first_packet, setup_policy_no_midstream,
						teardown),
		cmocka_unit_test_setup_teardown(test_swap_back_allows_again, setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_policy_removed_and_added, setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_policy_on_worker_without_rules, setup_nothing, teardown),
		cmocka_unit_test_setup_teardown(test_many_alternating_swaps, setup_policy, teardown),
	};

	policy_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
