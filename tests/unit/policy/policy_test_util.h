/*
 * policy_test_util.h - shared by the firewall policy tests: start the EAL
 * once (rte_acl / rte_lpm allocate from it), load a policy from YAML text,
 * and make decoded packets without a packet builder.
 */
#ifndef RAMPART_TEST_POLICY_UTIL_H
#define RAMPART_TEST_POLICY_UTIL_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "dataplane/engine/config.h"
#include "dataplane/engine/packet.h"
#include "dataplane/engine/policy/policy.h"

static inline void policy_test_eal_init(void)
{
	static bool done;
	/* --in-memory needs hugepages; --no-huge with --no-shconf is its
	 * file-less equivalent, so parallel test runs never collide. 256 MB:
	 * an IPv4 rte_lpm alone takes 64 MB (its 2^24-entry first level). */
	char *argv[] = { "unit_policy", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", "-l", "0", "--log-level=1", NULL };

	if (done)
		return;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		exit(1);
	}
	done = true;
}

/* Load yaml into *cfg and build; NULL with err filled on failure (config or
 * build error). The caller frees cfg (engine_config_free) and the policy. */
static inline struct fw_policy *policy_from_yaml(struct engine_config *cfg, const char *yaml,
						 char *err, size_t errlen)
{
	engine_config_init(cfg);
	if (engine_config_load_string(cfg, yaml, strlen(yaml), "fw.yaml", err, errlen) != 0)
		return NULL;
	return fw_policy_build(cfg, NULL, err, errlen);
}

/* A decoded packet: "a.b.c.d" or IPv6 text addresses. */
static inline struct packet policy_test_packet(uint16_t port, uint8_t proto, const char *src,
					       uint16_t sport, const char *dst, uint16_t dport)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.port = port;
	p.ip_proto = proto;
	p.sport = sport;
	p.dport = dport;
	if (strchr(src, ':')) {
		p.l3 = L3_IPV6;
		inet_pton(AF_INET6, src, p.src.u8);
		inet_pton(AF_INET6, dst, p.dst.u8);
	} else {
		p.l3 = L3_IPV4;
		inet_pton(AF_INET, src, p.src.u8);
		inet_pton(AF_INET, dst, p.dst.u8);
	}
	return p;
}

/* Classify one packet alone. */
static inline uint32_t policy_test_classify(const struct fw_policy *pol, const struct packet *p)
{
	uint32_t id = 0;

	fw_policy_classify_burst(pol, &p, 1, &id);
	return id;
}

#endif /* RAMPART_TEST_POLICY_UTIL_H */
