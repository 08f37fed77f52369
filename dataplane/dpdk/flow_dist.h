/*
 * flow_dist.h - the software distributor's symmetric flow hash.
 *
 * Contract: flow_dist_hash() maps an Ethernet frame to a 32-bit hash that is
 * the same for both directions of a flow, so the distributor (one RX lcore
 * feeding worker rings, used where a port has no symmetric RSS) sends a
 * flow's two directions to the same worker: worker = hash % n_workers.
 *
 * The hash is documented so that tests (and operators sizing a lab) can
 * predict a flow's worker:
 *   after up to two VLAN tags (0x8100 / 0x88a8), on the outer IPv4 or IPv6
 *   header: a = XOR of the source address' 32-bit words (IPv4: the address
 *   read as a big-endian u32), b = the same for the destination,
 *   ports = sport XOR dport when the protocol is TCP, UDP or SCTP and the
 *   packet is not a fragment (IPv4 MF or offset; an IPv6 fragment header
 *   directly after the fixed header), else 0;
 *   hash = fmix32(a ^ b ^ ports ^ proto), MurmurHash3's finalizer.
 * Frames that are not IP (ARP, LLDP, truncated) hash to 0: worker 0.
 *
 * Why not Toeplitz: the distributor hashes every packet on one core, and
 * this costs a few cycles where a software Toeplitz costs ~100. XOR makes it
 * symmetric by construction. Fragments hash without ports (as symmetric NIC
 * RSS does), so every fragment of a datagram reaches one worker; the
 * unfragmented packets of the same 5-tuple may land elsewhere, which the
 * defragmenter has to live with on NICs too.
 *
 * Thread rules: pure functions, any thread.
 */
#ifndef RAMPART_DPDK_FLOW_DIST_H
#define RAMPART_DPDK_FLOW_DIST_H

#include <stdint.h>
#include <string.h>

static inline uint32_t flow_dist_fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint32_t flow_dist_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t flow_dist_ports(const uint8_t *l4, const uint8_t *end, uint8_t proto)
{
	if ((proto != 6 && proto != 17 && proto != 132) || end - l4 < 4)
		return 0;
	return (uint32_t)((l4[0] ^ l4[2]) << 8 | (l4[1] ^ l4[3]));
}

static inline uint32_t flow_dist_hash(const uint8_t *frame, uint32_t len)
{
	const uint8_t *p = frame, *end = frame + len;
	uint32_t a, b, ports = 0;
	uint16_t type;
	uint8_t proto;

	if (len < 14)
		return 0;
	type = (uint16_t)(p[12] << 8 | p[13]);
	p += 14;
	for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
		if (end - p < 4)
			return 0;
		type = (uint16_t)(p[2] << 8 | p[3]);
		p += 4;
	}
	if (type == 0x0800) {
		unsigned ihl;

		if (end - p < 20 || (p[0] >> 4) != 4)
			return 0;
		ihl = (unsigned)(p[0] & 0x0f) * 4u;
		proto = p[9];
		a = flow_dist_be32(p + 12);
		b = flow_dist_be32(p + 16);
		/* MF set or a fragment offset: no ports. */
		if (ihl >= 20 && !((p[6] & 0x3f) | p[7]) && (size_t)(end - p) >= ihl)
			ports = flow_dist_ports(p + ihl, end, proto);
	} else if (type == 0x86dd) {
		if (end - p < 40 || (p[0] >> 4) != 6)
			return 0;
		proto = p[6];
		a = flow_dist_be32(p + 8) ^ flow_dist_be32(p + 12) ^ flow_dist_be32(p + 16) ^
		    flow_dist_be32(p + 20);
		b = flow_dist_be32(p + 24) ^ flow_dist_be32(p + 28) ^ flow_dist_be32(p + 32) ^
		    flow_dist_be32(p + 36);
		/* Extension headers other than a fragment header are rare on
		 * the wire; their packets hash by addresses alone. */
		ports = flow_dist_ports(p + 40, end, proto);
	} else {
		return 0;
	}
	return flow_dist_fmix32(a ^ b ^ ports ^ proto);
}

#endif /* RAMPART_DPDK_FLOW_DIST_H */
