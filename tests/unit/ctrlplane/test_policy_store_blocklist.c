/*
 * test_policy_store_blocklist.c - `rampartctl block|unblock`: CIDRs checked,
 * persisted, expired by TTL, and put at the very top of the data plane's
 * firewall where the engine's own compiler accepts them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "ctrlplane/policy/policy_store.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/packet.h"
#include "dataplane/engine/policy/policy.h"

#define CONFIG \
	"firewall:\n" \
	"  zones: { outside: [bridge-a], inside: [bridge-b] }\n" \
	"  default-action: allow\n" \
	"  rules:\n" \
	"    - { name: allow-all, action: allow }\n"

static char dir[64];

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (policy_store_eal_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	strcpy(dir, "/tmp/policy-block-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct policy_store *open_store(void)
{
	char err[512] = "";
	struct policy_store *s = policy_store_open(CONFIG, strlen(CONFIG), "rampart.yaml", dir, err, sizeof(err));

	if (!s)
		fail_msg("policy_store_open: %s", err);
	return s;
}

static void test_cidr_validation(void **state)
{
	struct policy_store *s = open_store();
	char err[256];
	static const char *const bad[] = { "10.0.0.1/33", "10.0.0.1/8", "300.1.1.1", "10.0.0.0/", "fd00::1/129",
					   "", "example.com", "10.0.0.0/8x" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (policy_store_block(s, bad[i], 0, 1000, err, sizeof(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err, "bad CIDR"));
	}
	assert_int_equal(policy_store_block_count(s), 0);
	assert_int_equal(policy_store_unblock(s, "192.0.2.1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not blocked"));
	policy_store_free(s);
}

/* Build the data plane's policy and classify one TCP packet src -> dst. */
static uint8_t verdict_for(const struct policy_store *s, const char *src, const char *dst, const char **rule)
{
	char *yaml, err[512] = "";
	size_t len;
	struct engine_config cfg;
	struct fw_policy *pol;
	struct packet p;
	const struct packet *pp = &p;
	uint32_t id;
	uint8_t action;
	static char name[64];

	assert_int_equal(policy_store_render_dataplane(s, &yaml, &len), 0);
	engine_config_init(&cfg);
	if (engine_config_load_string(&cfg, yaml, len, "dp.yaml", err, sizeof(err)) != 0)
		fail_msg("%s\n---\n%s", err, yaml);
	pol = fw_policy_build(&cfg, NULL, err, sizeof(err));
	if (!pol)
		fail_msg("%s\n---\n%s", err, yaml);
	memset(&p, 0, sizeof(p));
	p.l3 = L3_IPV4;
	p.ip_proto = 6;
	p.sport = 40000;
	p.dport = 80;
	assert_int_equal(inet_pton(AF_INET, src, p.src.u8), 1);
	assert_int_equal(inet_pton(AF_INET, dst, p.dst.u8), 1);
	fw_policy_classify_burst(pol, &pp, 1, &id);
	action = fw_policy_rule_action(pol, id);
	snprintf(name, sizeof(name), "%s", fw_policy_rule_name(pol, id));
	*rule = name;
	fw_policy_free(pol);
	engine_config_free(&cfg);
	free(yaml);
	return action;
}

static void test_block_ttl_and_persistence(void **state)
{
	struct policy_store *s = open_store();
	char err[256] = "", *yaml;
	size_t len;
	const char *rule;
	json_t *list;

	(void)state;
	assert_int_equal(verdict_for(s, "192.0.2.1", "10.0.0.5", &rule), FW_ACTION_ALLOW);
	assert_string_equal(rule, "allow-all");

	assert_int_equal(policy_store_block(s, "192.0.2.1", 10, 1000, err, sizeof(err)), 0);
	assert_int_equal(policy_store_block(s, "198.51.100.0/24", 0, 1000, err, sizeof(err)), 0);
	assert_int_equal(policy_store_block(s, "2001:db8::/32", 0, 1000, err, sizeof(err)), 0);
	assert_int_equal(policy_store_block_count(s), 3);
	/* the version does not change: the blocklist is not a policy edit */
	assert_int_equal(policy_store_version(s), 1);

	assert_int_equal(policy_store_render_dataplane(s, &yaml, &len), 0);
	assert_non_null(strstr(yaml, POLICY_BLOCKLIST_SET));
	assert_true(strstr(yaml, "rampart-block-src") < strstr(yaml, "rampart-block-dst"));
	assert_true(strstr(yaml, "rampart-block-dst") < strstr(yaml, "allow-all"));
	free(yaml);
	assert_int_equal(verdict_for(s, "192.0.2.1", "10.0.0.5", &rule), FW_ACTION_DENY);
	assert_string_equal(rule, "rampart-block-src");
	assert_int_equal(verdict_for(s, "10.0.0.5", "198.51.100.7", &rule), FW_ACTION_DENY);
	assert_string_equal(rule, "rampart-block-dst");
	assert_int_equal(verdict_for(s, "10.0.0.5", "10.0.0.6", &rule), FW_ACTION_ALLOW);

	/* a restarted daemon keeps the list and its expiry */
	policy_store_free(s);
	s = open_store();
	assert_int_equal(policy_store_block_count(s), 3);
	list = policy_store_block_list(s);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "cidr")), "192.0.2.1/32");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "expires")), 1010);
	assert_true(json_is_null(json_object_get(json_array_get(list, 1), "expires")));
	json_decref(list);

	/* TTL expiry */
	assert_false(policy_store_block_expire(s, 1009));
	assert_true(policy_store_block_expire(s, 1010));
	assert_int_equal(policy_store_block_count(s), 2);
	assert_int_equal(verdict_for(s, "192.0.2.1", "10.0.0.5", &rule), FW_ACTION_ALLOW);
	policy_store_free(s);
	s = open_store();
	assert_int_equal(policy_store_block_count(s), 2);

	/* unblock (any spelling of the same network) */
	assert_int_equal(policy_store_unblock(s, "198.51.100.0/24", err, sizeof(err)), 0);
	assert_int_equal(policy_store_unblock(s, "2001:0db8:0::/32", err, sizeof(err)), 0);
	assert_int_equal(policy_store_block_count(s), 0);
	assert_int_equal(policy_store_render_dataplane(s, &yaml, &len), 0);
	assert_null(strstr(yaml, POLICY_BLOCKLIST_SET));
	free(yaml);
	policy_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_validation),
		cmocka_unit_test(test_block_ttl_and_persistence),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
