/*
 * fuzz_geoip_db.c - libFuzzer target for the country database loader
 * (signatures/geoip/geoip_db.h) on hostile mmdb files: geoip-database is a
 * file an operator downloads and drops in place, and both rampartd and
 * rampart-dp walk its whole search tree when a policy or a rule uses a
 * country.
 *
 * The input is the mmdb file (written to a memfd, opened as
 * /proc/self/fd/N). libmaxminddb checks the metadata and the data section's
 * bounds; geoip_db.c walks the search tree (geoip_db_expand) and reads each
 * record's country. Oracles beyond the sanitizers: open and expand either
 * succeed or fail with a message; an expansion is sorted IPv4 then IPv6,
 * every prefix within its family's width with host bits clear; a lookup
 * gives -1, 0 or 1 with two upper-case letters. A walk must also end
 * quickly: run with -timeout (a search tree whose nodes share children is
 * a DAG with exponentially many paths).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "signatures/geoip/geoip_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libmaxminddb 1.7.1 (Debian) leaks 4.6 KB in MMDB_open when the metadata's
 * description is corrupt (populate_description_metadata's data pool; fixed
 * upstream by maxmind/libmaxminddb PR #356). Not ours, and bounded: one leak
 * per refused database file. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libmaxminddb.so\n";
}

static void check_prefixes(const struct geoip_prefixes *p)
{
	if (p->n4 > p->n)
		abort();
	for (size_t i = 0; i < p->n; i++) {
		const struct sig_cidr *c = &p->v[i];
		uint8_t fam = i < p->n4 ? 4 : 6;
		unsigned width = fam == 4 ? 32 : 128;
		if (c->family != fam || c->prefix > width)
			abort();
		for (unsigned bit = c->prefix; bit < width; bit++)
			if (c->addr.u8[bit / 8] & (0x80 >> (bit % 8)))
				abort(); /* host bits must be clear */
	}
}

static void check_lookup(const struct geoip_db *db, const char *ip)
{
	char cc[3] = "";
	int rc = geoip_db_lookup(db, ip, cc);
	if (rc < -1 || rc > 1)
		abort();
	if (rc == 1 && !(cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' && cc[2] == '\0'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	int fd = memfd_create("fuzz-geoip.mmdb", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64], err[256] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct geoip_db *db = geoip_db_open(path, err, sizeof(err));
	close(fd); /* the database is mapped */
	if (!db) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	static const char *const ips[] = { "1.2.3.4", "10.0.0.1", "0.0.0.0", "255.255.255.255",
					   "2001:db8::1", "::ffff:1.2.3.4", "::1" };
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		check_lookup(db, ips[i]);

	static const char *const codes[] = { "US", "de", "KP", "RU" };
	struct geoip_prefixes p = { 0 };
	err[0] = '\0';
	if (geoip_db_expand(db, codes, 4, &p, err, sizeof(err)) == 0) {
		check_prefixes(&p);
		geoip_prefixes_free(&p);
		/* The second expansion comes from the cache. */
		if (geoip_db_expand(db, codes + 1, 1, &p, err, sizeof(err)) == 0) {
			check_prefixes(&p);
			geoip_prefixes_free(&p);
		}
	} else if (err[0] == '\0') {
		abort();
	}
	geoip_db_close(db);
	return 0;
}
