/*
 * mbuf_view.h - struct packet views over rte_mbufs, and the wall clock the
 * inline loops stamp packets with.
 *
 * Contract: mbuf_view_fill() fills the "input" part of a struct packet
 * (packet.h) from one mbuf without copying when the frame is one segment; a
 * multi-segment frame is linearised into the caller's scratch slot
 * (MBUF_VIEW_SCRATCH_BYTES) and flagged in *linearized / *truncated. The
 * view is valid while the mbuf and the slot are.
 *
 * wall_clock: the inline loops need real time for flow ageing, but a
 * clock_gettime per burst is a system call on some kernels; the clock is
 * calibrated once against CLOCK_REALTIME and read from the TSC afterwards.
 *
 * Thread rules: no shared state; each loop owns its scratch and clock.
 */
#ifndef RAMPART_DPDK_MBUF_VIEW_H
#define RAMPART_DPDK_MBUF_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dataplane/engine/packet.h"

#define MBUF_VIEW_SCRATCH_BYTES 65536u

struct wall_clock {
	uint64_t base_usec; /* CLOCK_REALTIME at calibration */
	uint64_t base_tsc;  /* timer cycles at the same moment */
	uint64_t hz;
};

void wall_clock_init(struct wall_clock *c);

/* Microseconds since the epoch, from the timer (no system call). */
uint64_t wall_clock_now_usec(const struct wall_clock *c);

/* The multi-segment case of mbuf_view_fill (out of line: rare). */
void mbuf_view_fill_chain(struct packet *p, const struct rte_mbuf *m, uint8_t *scratch,
			  bool *truncated);

/*
 * Fill p's input fields from m. scratch: this burst slot's linearisation
 * buffer. Sets *linearized / *truncated when the frame had to be copied /
 * could not be copied whole. Does not touch ts_usec and pcap_cnt (the
 * caller's policy) nor link. Inline: it runs once per packet.
 */
static inline void mbuf_view_fill(struct packet *p, const struct rte_mbuf *m, uint8_t *scratch,
				  bool *linearized, bool *truncated)
{
	memset(p, 0, offsetof(struct packet, l3));
	*truncated = false;
	*linearized = !(m->nb_segs == 1 && m->next == NULL);
	if (likely(!*linearized)) {
		p->data = rte_pktmbuf_mtod(m, const uint8_t *);
		p->len = m->data_len;
	} else {
		mbuf_view_fill_chain(p, m, scratch, truncated);
	}
	p->wire_len = rte_pktmbuf_pkt_len(m) > p->len ? rte_pktmbuf_pkt_len(m) : p->len;
	p->rss_hash = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss : 0;
	p->port = m->port;
}

#endif /* RAMPART_DPDK_MBUF_VIEW_H */
