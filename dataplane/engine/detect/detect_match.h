/*
 * detect_match.h - the verification steps of one candidate rule, used by
 * detect.c: header (protocol, addresses, ports), flow keyword, packet keywords
 * (dsize, flags, ttl, ...) and the payload program (content, pcre, isdataat,
 * byte_test / byte_jump / byte_extract with Suricata's backtracking).
 *
 * Per packet, per worker: nothing here allocates; state lives in the caller's
 * struct detect_payload_ctx (per-worker buffers made by detect_thread_new).
 */
#ifndef RAMPART_DETECT_MATCH_H
#define RAMPART_DETECT_MATCH_H

#include "dataplane/engine/detect/detect_engine.h"

struct detect_payload_ctx {
	const uint8_t *buf;
	uint32_t len;
	const struct detect_op *ops;
	uint16_t n_ops;
	int64_t *vars;                 /* byte_extract values, de->max_vars entries */
	pcre2_match_data *md;
	pcre2_match_context *mctx;     /* match / depth limits */
	uint32_t steps;                /* recursion budget used */
	struct detect_counters *ctr;
};

/* Protocol, addresses, ports (either way for <>), flow keyword. */
bool detect_match_header(const struct detect_rule *dr, const struct packet *p);
/* Non-payload packet keywords (dsize, flags, ttl, itype, ...). */
bool detect_match_packet_ops(const struct detect_rule *dr, const struct packet *p);
/* The rule's payload program over c->buf. */
bool detect_match_payload(struct detect_payload_ctx *c);

/* Exposed for tests: address / port set membership. */
bool detect_addr_in_set(const struct sig_addr_set *s, const struct ip_addr *a, uint8_t family);
bool detect_port_in_set(const struct sig_port_set *s, uint16_t port);

#endif /* RAMPART_DETECT_MATCH_H */
