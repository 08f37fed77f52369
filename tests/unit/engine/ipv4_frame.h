/*
 * ipv4_frame.h - the engine tests' frame builder: Ethernet + IPv4 (valid
 * header checksum) + TCP or UDP with a text payload. Shared by the engine
 * pipeline, firewall pipeline and inline plane tests.
 */
#ifndef RAMPART_TEST_IPV4_FRAME_H
#define RAMPART_TEST_IPV4_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline size_t build_ipv4(uint8_t *buf, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
			 uint16_t dport, uint8_t tcp_flags, const char *payload)
{
	size_t plen = strlen(payload), l4len = proto == 6 ? 20 : 8;
	uint8_t *ip = buf + 14, *l4 = ip + 20;
	uint16_t total = (uint16_t)(20 + l4len + plen), csum;

	memset(buf, 0, 14 + total);
	memcpy(buf, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ip[8] = 64;
	ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	csum = ip_checksum(ip, 20);
	ip[10] = (uint8_t)(csum >> 8);
	ip[11] = (uint8_t)csum;
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == 6) {
		l4[12] = 5 << 4;
		l4[13] = tcp_flags;
		l4[14] = 0xff;
		l4[15] = 0xff;
	} else {
		l4[4] = (uint8_t)((8 + plen) >> 8);
		l4[5] = (uint8_t)(8 + plen);
	}
	memcpy(l4 + l4len, payload, plen);
	return 14 + total;
}

#endif /* RAMPART_TEST_IPV4_FRAME_H */
