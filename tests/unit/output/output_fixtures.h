/*
 * output_fixtures.h - a small hand-built rule set and record helpers for the
 * output unit tests (the parser is not needed to test formatting).
 */
#ifndef RAMPART_TEST_OUTPUT_FIXTURES_H
#define RAMPART_TEST_OUTPUT_FIXTURES_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/engine/output/alert_record.h"
#include "signatures/rule.h"

enum fixture_rule {
	RULE_TCP = 0,     /* classtype with description, priority 2 */
	RULE_PLAIN,       /* no classtype: category "" */
	RULE_ESCAPES,     /* msg with quotes, backslashes, control chars */
	RULE_BAD_UTF8,    /* msg with a byte that is not UTF-8 */
	RULE_TARGET,      /* target:dest_ip */
	RULE_METADATA,    /* metadata, unsorted, one key twice */
	RULE_REJECT,      /* reject action */
	FIXTURE_RULES
};

static char *fixture_metadata[] = {
	"updated_at 2024_01_02, Created_at 2024_01_01",
	"signature_severity Major",
	"attack_target Client_Endpoint",
	"tag one",
	"novalue",
	"tag two",
};

static struct sig_rule fixture_rules[FIXTURE_RULES] = {
	[RULE_TCP] = { .action = SIG_ACTION_ALERT, .sid = 2000001, .gid = 1, .rev = 3,
		       .msg = "ET TEST tcp", .classtype = "bad-unknown",
		       .class_description = "Potentially Bad Traffic", .priority = 2 },
	[RULE_PLAIN] = { .action = SIG_ACTION_ALERT, .sid = 7, .gid = 1, .rev = 0,
			 .msg = "plain", .priority = 3 },
	[RULE_ESCAPES] = { .action = SIG_ACTION_ALERT, .sid = 8, .gid = 1, .rev = 1,
			   .msg = "say \"hi\" C:\\dir\ttab\nnl\x01 caf\xc3\xa9 /x", .priority = 3 },
	[RULE_BAD_UTF8] = { .action = SIG_ACTION_ALERT, .sid = 9, .gid = 1, .rev = 1,
			    .msg = "latin1 caf\xe9 ok\xc3\xa9", .priority = 3 },
	[RULE_TARGET] = { .action = SIG_ACTION_ALERT, .sid = 10, .gid = 1, .rev = 1,
			  .msg = "target", .priority = 1, .target = "dest_ip" },
	[RULE_METADATA] = { .action = SIG_ACTION_ALERT, .sid = 11, .gid = 1, .rev = 1,
			    .msg = "meta", .priority = 3, .metadata = fixture_metadata,
			    .n_metadata = sizeof(fixture_metadata) / sizeof(fixture_metadata[0]) },
	[RULE_REJECT] = { .action = SIG_ACTION_REJECT, .sid = 12, .gid = 1, .rev = 1,
			  .msg = "reject", .priority = 3 },
};

static struct sig_ruleset fixture_ruleset = {
	.rules = fixture_rules,
	.n_rules = FIXTURE_RULES,
};

/* 2024-01-31T12:00:00.123456 UTC */
#define FIXTURE_TS_USEC 1706702400123456ull

static inline void set_ipv4(struct ip_addr *a, unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
	memset(a, 0, sizeof(*a));
	a->u8[0] = (uint8_t)b0;
	a->u8[1] = (uint8_t)b1;
	a->u8[2] = (uint8_t)b2;
	a->u8[3] = (uint8_t)b3;
}

/* A TCP alert 10.0.0.1:51234 -> 192.168.1.2:80 naming `rule`. */
static inline struct alert_record fixture_record(enum fixture_rule rule)
{
	struct alert_record r;
	memset(&r, 0, sizeof(r));
	r.ts_usec = FIXTURE_TS_USEC;
	r.pcap_cnt = 42;
	r.flow_id = 1234567;
	r.ruleset = &fixture_ruleset;
	r.rule_index = rule;
	set_ipv4(&r.src, 10, 0, 0, 1);
	set_ipv4(&r.dst, 192, 168, 1, 2);
	r.sport = 51234;
	r.dport = 80;
	r.l3 = L3_IPV4;
	r.ip_proto = 6;
	r.kind = ALERT_RECORD_ALERT;
	r.action = fixture_rules[rule].action;
	r.to_server = 1;
	return r;
}

/* A logged firewall decision on the same tuple: rule `name` (NULL: default). */
static inline struct alert_record fixture_firewall_record(uint8_t action, const char *name,
							  int blocked)
{
	struct alert_record r = fixture_record(RULE_TCP);

	r.kind = ALERT_RECORD_FIREWALL;
	r.ruleset = NULL;
	r.rule_index = UINT32_MAX;
	r.fw_rule = name;
	r.action = action;
	r.blocked = (uint8_t)blocked;
	return r;
}

static inline void use_time_zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

#endif /* RAMPART_TEST_OUTPUT_FIXTURES_H */
