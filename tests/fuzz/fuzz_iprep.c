/*
 * fuzz_iprep.c - libFuzzer target for the IP reputation loaders
 * (signatures/iprep/iprep.h): Suricata's categories file and reputation
 * files, then every query the rest of Rampart makes of the result.
 *
 * The loaders take paths, so each part of the input is written to a memfd and
 * loaded as /proc/self/fd/N. The input is split at its first "\n--\n": the
 * categories file before, the reputation file after; without the separator
 * a fixed categories file (ids 1..3) is used and the whole input is the
 * reputation file.
 *
 * Oracles beyond the sanitizers:
 *  - scores are -1 or 0..IPREP_MAX_SCORE; category ids/names round-trip;
 *  - iprep_intervals(cat, >=, v) contains an address exactly when
 *    iprep_score(address, cat) >= v, checked at every interval's edges and
 *    just outside them;
 *  - ip_intervals_to_cidrs -> ip_intervals_from_cidrs gives the same table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "signatures/iprep/iprep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_categories[] = "1,BadHosts,Known bad hosts\n2,Spam,Spammers\n3,CnC,Command and control\n";

/* A memfd holding data; its /proc path in path. -1 on failure. */
static int memfd_with(const void *data, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz-iprep", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

static void check_score(int s)
{
	if (s < -1 || s > IPREP_MAX_SCORE)
		abort();
}

static void addr_from_u32(struct ip_addr *a, uint32_t x)
{
	memset(a, 0, sizeof(*a));
	a->u8[0] = (uint8_t)(x >> 24);
	a->u8[1] = (uint8_t)(x >> 16);
	a->u8[2] = (uint8_t)(x >> 8);
	a->u8[3] = (uint8_t)x;
}

static void addr_from_u128(struct ip_addr *a, ip_u128 x)
{
	for (int i = 15; i >= 0; i--) {
		a->u8[i] = (uint8_t)x;
		x >>= 8;
	}
}

/* The table and the scores must agree at a: contained <=> score >= v. */
static void check_agrees(const struct iprep_data *d, const struct ip_intervals *t, int cat, int v,
			 const struct ip_addr *a, uint8_t family)
{
	int s = iprep_score(d, a, family, cat);
	check_score(s);
	bool want = s >= 0 && s >= v;
	if (ip_intervals_contains(t, a, family) != want)
		abort();
}

static void check_intervals(const struct iprep_data *d, int cat, int v)
{
	struct ip_intervals *t = iprep_intervals(d, cat, IPREP_CMP_GE, v);
	if (!t)
		return;
	struct ip_addr a;
	for (uint32_t i = 0; i < t->n4 && i < 64; i++) {
		uint32_t edges[4] = { t->lo4[i], t->hi4[i], t->lo4[i] - 1, t->hi4[i] + 1 };
		for (int k = 0; k < 4; k++) {
			if ((k == 2 && t->lo4[i] == 0) || (k == 3 && t->hi4[i] == UINT32_MAX))
				continue;
			addr_from_u32(&a, edges[k]);
			check_agrees(d, t, cat, v, &a, 4);
		}
	}
	for (uint32_t i = 0; i < t->n6 && i < 64; i++) {
		ip_u128 edges[4] = { t->lo6[i], t->hi6[i], t->lo6[i] - 1, t->hi6[i] + 1 };
		for (int k = 0; k < 4; k++) {
			if ((k == 2 && t->lo6[i] == 0) || (k == 3 && t->hi6[i] == ~(ip_u128)0))
				continue;
			addr_from_u128(&a, edges[k]);
			check_agrees(d, t, cat, v, &a, 6);
		}
	}

	struct sig_cidr *cidrs = NULL;
	size_t n = 0;
	if (ip_intervals_to_cidrs(t, &cidrs, &n) == 0) {
		struct ip_intervals *u = ip_intervals_from_cidrs(cidrs, n);
		if (u) {
			if (u->n4 != t->n4 || u->n6 != t->n6 ||
			    (t->n4 && (memcmp(u->lo4, t->lo4, t->n4 * sizeof(*t->lo4)) ||
				       memcmp(u->hi4, t->hi4, t->n4 * sizeof(*t->hi4)))) ||
			    (t->n6 && (memcmp(u->lo6, t->lo6, t->n6 * sizeof(*t->lo6)) ||
				       memcmp(u->hi6, t->hi6, t->n6 * sizeof(*t->hi6)))))
				abort(); /* CIDR cover is not exact */
			ip_intervals_free(u);
		}
		free(cidrs);
	}
	/* The other comparisons must at least build and free cleanly. */
	for (uint8_t cmp = IPREP_CMP_LT; cmp <= IPREP_CMP_EQ; cmp++)
		ip_intervals_free(iprep_intervals(d, cat, cmp, v));
	ip_intervals_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	const char *text = (const char *)data;
	const char *cats = default_categories, *rep = text;
	size_t cats_len = sizeof(default_categories) - 1, rep_len = size;
	const char *sep = memmem(text, size, "\n--\n", 4);
	if (sep) {
		cats = text;
		cats_len = (size_t)(sep - text) + 1;
		rep = sep + 4;
		rep_len = size - (size_t)(rep - text);
	}

	struct iprep_data *d = iprep_new();
	if (!d)
		return 0;
	char cpath[64], rpath[64], err[256];
	int cfd = memfd_with(cats, cats_len, cpath, sizeof(cpath));
	int rfd = memfd_with(rep, rep_len, rpath, sizeof(rpath));
	if (cfd < 0 || rfd < 0)
		goto out;
	if (iprep_load_categories(d, cpath, err, sizeof(err)) != 0)
		abort(); /* the file exists: only unreadable files fail */
	iprep_load_file(d, rpath, err, sizeof(err));

	for (size_t i = 0; i < iprep_bad_lines(d) && i < 80; i++) {
		const char *line = iprep_bad_line(d, i);
		if (i < 64 && (!line || strchr(line, '\n')))
			abort(); /* "FILE:LINE: reason", one line */
	}
	(void)iprep_entry_count(d);
	size_t ncat = iprep_category_count(d);
	if (ncat > IPREP_MAX_CATEGORY)
		abort();

	for (int id = -1; id <= IPREP_MAX_CATEGORY + 1; id++) {
		const char *name = iprep_category_name(d, id);
		if (!name)
			continue;
		if (id < 1 || id > IPREP_MAX_CATEGORY || iprep_category_id(d, name) != id)
			abort(); /* names are unique per id */
	}

	/* Score every address-looking first field of the reputation text. */
	const char *p = rep, *end = rep + rep_len;
	for (int lines = 0; p < end && lines < 32; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *comma = memchr(p, ',', (size_t)(le - p));
		const char *fe = comma ? comma : le;
		char ip[64];
		size_t n = (size_t)(fe - p) < sizeof(ip) - 1 ? (size_t)(fe - p) : sizeof(ip) - 1;
		memcpy(ip, p, n);
		ip[n] = '\0';
		char *slash = strchr(ip, '/');
		if (slash)
			*slash = '\0';
		for (int cat = 0; cat <= 4; cat++)
			check_score(iprep_score_text(d, ip, cat));
		p = nl ? nl + 1 : end;
	}

	int v = size ? data[size - 1] % (IPREP_MAX_SCORE + 2) : 0;
	for (int cat = 1; cat <= 3; cat++)
		check_intervals(d, cat, v);
out:
	if (cfd >= 0)
		close(cfd);
	if (rfd >= 0)
		close(rfd);
	iprep_free(d);
	return 0;
}
