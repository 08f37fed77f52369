/*
 * fuzz_decode.c - libFuzzer target for the packet decoder.
 *
 * Input: first byte selects the link type (low 3 bits, modulo the number of
 * link types; bit 3 switches checksum verification off), the rest is the
 * packet. The packet is copied into an exact-size heap buffer so that ASan
 * sees any read past its end. Beyond the sanitizers, the target aborts when
 * the decoder's output points outside the packet or contradicts itself.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_decode.c \
 *          dataplane/engine/decode/[a-z]*.c -o /tmp/fuzz_decode
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/decode/decode.h"

static struct decode_counters counters;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536 + 1)
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	uint8_t *buf = malloc(len ? len : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, len);

	struct packet p;
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.len = (uint32_t)len;
	p.wire_len = p.len;
	p.link = (uint8_t)((sel & 0x07) % (LINK_UNSUPPORTED + 1));
	struct decode_config cfg = { .verify_checksums = !(sel & 0x08) };

	enum decode_event e = decode_packet(&p, &cfg, &counters);

	if (e != p.decode_event || (unsigned)e >= DECODE_EVENT__COUNT)
		abort();
	if (decode_event_is_malformed(e) != !!(p.flags & PKT_DECODE_ERROR))
		abort();
	if (p.payload != NULL &&
	    (p.payload < buf || p.payload_len == 0 || p.payload + p.payload_len > buf + len))
		abort();
	if (p.payload == NULL && p.payload_len != 0)
		abort();
	if (p.l3 != L3_NONE && p.l3_offset >= len)
		abort();
	if (p.l4_offset != 0 && (p.l4_offset >= len || p.l4_offset <= p.l3_offset))
		abort();
	if (p.vlan_count > 2)
		abort();
	if ((p.flags & PKT_L4_CSUM_CHECKED) && (p.flags & PKT_IS_FRAGMENT))
		abort();
	free(buf);
	return 0;
}
