/*
 * mbuf_view.c - packet views over mbufs (see mbuf_view.h).
 */
#include "dataplane/dpdk/mbuf_view.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dataplane/engine/packet.h"

void wall_clock_init(struct wall_clock *c)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	c->base_tsc = rte_get_timer_cycles();
	c->hz = rte_get_timer_hz();
	c->base_usec = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

uint64_t wall_clock_now_usec(const struct wall_clock *c)
{
	uint64_t d = rte_get_timer_cycles() - c->base_tsc;

	return c->base_usec + d / c->hz * 1000000u + d % c->hz * 1000000u / c->hz;
}

/*
 * Copy a segment chain into dst (at most cap bytes). Walks the segments
 * themselves rather than trusting pkt_len: net_pcap builds chains with a
 * 16-bit length, so a frame above 64 KB arrives with a pkt_len its chain
 * does not hold. *cut is set when bytes had to be left out.
 */
static uint32_t linearize(const struct rte_mbuf *m, uint8_t *dst, uint32_t cap, bool *cut)
{
	uint32_t off = 0;

	for (const struct rte_mbuf *seg = m; seg; seg = seg->next) {
		uint32_t n = seg->data_len;

		if (n > cap - off) {
			n = cap - off;
			*cut = true;
		}
		memcpy(dst + off, rte_pktmbuf_mtod(seg, const uint8_t *), n);
		off += n;
		if (off == cap) {
			if (seg->next)
				*cut = true;
			break;
		}
	}
	if (off != rte_pktmbuf_pkt_len(m))
		*cut = true;
	return off;
}

void mbuf_view_fill_chain(struct packet *p, const struct rte_mbuf *m, uint8_t *scratch,
			  bool *truncated)
{
	p->data = scratch;
	p->len = linearize(m, scratch, MBUF_VIEW_SCRATCH_BYTES, truncated);
}
