/*
 * fuzz_hs_cache.c - libFuzzer target for the Hyperscan database cache's
 * serialized form (signatures/compiler/hs_cache.h), the "compiled blob" a
 * data plane receives from rampartd in its `load` message.
 *
 * detect_hs_cache_load must refuse (NULL + message) or accept any buffer
 * without reading outside it. A SHA-256 trailer guards the format, so random
 * bytes almost never get past it: when the input's first byte is odd, the
 * target treats the rest as the body and appends the right trailer, so the
 * header / entry parsing behind the checksum is reached too. An accepted
 * buffer must round-trip: serialize -> load gives the same entry count, and
 * serializing that again gives the same bytes.
 *
 * The entries' database bytes are not deserialized here: they reach
 * Hyperscan's own checks (magic, version, platform, CRC) only after the
 * trailer matched, i.e. from the daemon that built them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "signatures/compiler/hs_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t len = size;
	char err[256];

	if (size >= 1 && (data[0] & 1)) {
		unsigned int n = 0;

		len = size - 1 + 32;
		buf = malloc(len);
		if (!buf)
			return 0;
		memcpy(buf, data + 1, size - 1);
		if (EVP_Digest(buf, size - 1, buf + size - 1, &n, EVP_sha256(), NULL) != 1)
			abort();
	} else {
		buf = malloc(size ? size : 1);
		if (!buf)
			return 0;
		memcpy(buf, data, size);
	}
	struct detect_hs_cache *c = detect_hs_cache_load(buf, len, err, sizeof(err));
	if (!c) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort(); /* a refusal always says why */
		free(buf);
		return 0;
	}
	uint8_t *s1 = NULL, *s2 = NULL;
	size_t l1 = 0, l2 = 0;
	if (detect_hs_cache_serialize(c, &s1, &l1) != 0)
		abort();
	struct detect_hs_cache *c2 = detect_hs_cache_load(s1, l1, err, sizeof(err));
	if (!c2 || detect_hs_cache_count(c2) != detect_hs_cache_count(c))
		abort();
	if (detect_hs_cache_serialize(c2, &s2, &l2) != 0 || l1 != l2 || memcmp(s1, s2, l1) != 0)
		abort();
	detect_hs_cache_free(c2);
	detect_hs_cache_free(c);
	free(s1);
	free(s2);
	free(buf);
	return 0;
}
