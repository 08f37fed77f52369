/*
 * detect_test_util.h - helpers for the detect unit tests: compile rule text
 * (through the real parser) into an engine + one worker, and build decoded
 * packets by hand.
 */
#ifndef RAMPART_DETECT_TEST_UTIL_H
#define RAMPART_DETECT_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/flow/flow_table.h"
#include "signatures/parser/sig_parser.h"

struct tdet {
	struct sig_ruleset *rs;
	struct detect_engine *de;
	struct detect_thread *dt;
	struct detect_build_stats st;
	struct detect_alert alerts[32];
	unsigned n_alerts;
};

/* Parses every rule (each must parse), compiles, makes one worker. NULL-terminated list. */
struct tdet *tdet_new(const char *const *rules);
/* Same, but makes rule number `inactive` (0-based) inactive before compiling (-1: none). */
struct tdet *tdet_new_inactive(const char *const *rules, int inactive);
/* Same, calling edit(rs) after parsing and before compiling (to plant IR the parser would refuse). */
struct tdet *tdet_new_edit(const char *const *rules, int inactive, void (*edit)(struct sig_ruleset *rs));
void tdet_free(struct tdet *t);

/* Runs detection on p; returns the number of alerts (kept in t->alerts). */
unsigned tdet_run(struct tdet *t, struct packet *p);
/* Runs detection on p and says whether sid alerted. */
bool tdet_fires(struct tdet *t, struct packet *p, uint32_t sid);
/* sid of alert i of the last run. */
uint32_t tdet_sid(const struct tdet *t, unsigned i);

/* Decoded packets (no link layer). Payload is copied into a static buffer per packet struct. */
struct tpkt {
	struct packet p;
	uint8_t data[2048]; /* IPv4 header (20 bytes) + L4 header + payload */
};
void tpkt_tcp(struct tpkt *t, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	      const void *payload, uint32_t len);
void tpkt_udp(struct tpkt *t, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	      const void *payload, uint32_t len);
void tpkt_icmp(struct tpkt *t, const char *src, const char *dst, uint8_t type, uint8_t code,
	       const void *payload, uint32_t len);
/* TCP packet 10.0.0.1:1234 -> 10.0.0.2:80 with the string as payload. */
void tpkt_str(struct tpkt *t, const char *payload);

#endif /* RAMPART_DETECT_TEST_UTIL_H */
