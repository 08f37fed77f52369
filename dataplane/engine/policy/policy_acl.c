/*
 * policy_acl.c - the rte_acl side of the firewall: field layout, expanding a
 * resolved rule into ACL rules, building the contexts, classifying bursts.
 *
 * Why rte_acl: it classifies a whole burst against thousands of 5-tuple rules
 * in one call with SIMD, and handles prefix, range and bitmask fields, which
 * is exactly a firewall policy. A rule with lists or negations expands into
 * several ACL rules that share its user data (rule id + 1) and priority
 * (reverse rule order), so "first match wins" holds across the expansion.
 * Zones and address sets become bitmask fields: the packet's ingress zones
 * come from the bound port, its set memberships from LPM lookups.
 */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_memory.h>

#include "dataplane/engine/policy/policy_internal.h"

#define FW_CLASSIFY_CHUNK 64

unsigned fw_next_object_id(void)
{
	static atomic_uint next;

	return atomic_fetch_add(&next, 1);
}

#define FIELD(t, sz, idx, in, off) \
	{ .type = (t), .size = (sz), .field_index = (idx), .input_index = (in), .offset = (off) }

static const struct rte_acl_field_def defs4[F4_COUNT] = {
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0, offsetof(struct fw_key4, proto)),
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 4, F4_ZONE, 1, offsetof(struct fw_key4, zone)),
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 4, F4_SRCSET, 2, offsetof(struct fw_key4, srcset)),
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 4, F4_DSTSET, 3, offsetof(struct fw_key4, dstset)),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 4, offsetof(struct fw_key4, src)),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 5, offsetof(struct fw_key4, dst)),
	FIELD(RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 6, offsetof(struct fw_key4, sport)),
	FIELD(RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 6, offsetof(struct fw_key4, dport)),
};

static const struct rte_acl_field_def defs6[F6_COUNT] = {
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 1, F6_PROTO, 0, offsetof(struct fw_key6, proto)),
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 4, F6_ZONE, 1, offsetof(struct fw_key6, zone)),
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 4, F6_SRCSET, 2, offsetof(struct fw_key6, srcset)),
	FIELD(RTE_ACL_FIELD_TYPE_BITMASK, 4, F6_DSTSET, 3, offsetof(struct fw_key6, dstset)),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0, 4, offsetof(struct fw_key6, src) + 0),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC1, 5, offsetof(struct fw_key6, src) + 4),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC2, 6, offsetof(struct fw_key6, src) + 8),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC3, 7, offsetof(struct fw_key6, src) + 12),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0, 8, offsetof(struct fw_key6, dst) + 0),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST1, 9, offsetof(struct fw_key6, dst) + 4),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST2, 10, offsetof(struct fw_key6, dst) + 8),
	FIELD(RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST3, 11, offsetof(struct fw_key6, dst) + 12),
	FIELD(RTE_ACL_FIELD_TYPE_RANGE, 2, F6_SPORT, 12, offsetof(struct fw_key6, sport)),
	FIELD(RTE_ACL_FIELD_TYPE_RANGE, 2, F6_DPORT, 12, offsetof(struct fw_key6, dport)),
};

static void set_bitmask32(struct rte_acl_field *f, uint32_t bit, bool negated)
{
	/* matches when (input & mask) == value: "bit set", or "bit clear" */
	f->value.u32 = bit && !negated ? bit : 0;
	f->mask_range.u32 = bit;
}

static void set_prefix(struct rte_acl_field *f, const struct sig_cidr *c, unsigned word)
{
	int bits = (int)c->prefix - 32 * (int)word;

	f->value.u32 = ntohl(c->addr.u32[word]);
	f->mask_range.u32 = bits <= 0 ? 0 : bits >= 32 ? 32 : (uint32_t)bits;
}

static int list_push(struct fw_acl_list *l, const void *rule)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *nv = realloc(l->v, cap * l->size);

		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	memcpy((char *)l->v + l->n * l->size, rule, l->size);
	l->n++;
	return 0;
}

int fw_acl_expand(const struct fw_match *m, uint8_t family, uint32_t rule_id, uint32_t n_rules,
		  struct fw_acl_list *out, char *err, size_t errlen)
{
	struct fw_acl_rule6 r6;
	struct fw_acl_rule4 r4;
	struct rte_acl_field *f;
	struct rte_acl_rule_data *d;
	unsigned long long total = (unsigned long long)m->src.n * m->dst.n * m->n_sport * m->n_dport;

	if (total == 0)
		return 0;
	if (total > FW_MAX_ACL_PER_RULE) {
		snprintf(err, errlen, "expands to %llu IPv%u classifier entries (limit %u): "
			 "use fewer blocks or port ranges", total, family, FW_MAX_ACL_PER_RULE);
		return -1;
	}
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	d = family == 4 ? &r4.data : &r6.data;
	f = family == 4 ? r4.field : r6.field;
	d->category_mask = 1;
	d->priority = (int32_t)(n_rules - rule_id); /* earlier rule = higher priority */
	d->userdata = rule_id + 1;                 /* 0 means "no match" to rte_acl */
	f[0].value.u8 = m->proto == FW_PROTO_ANY ? 0 : (uint8_t)m->proto;
	f[0].mask_range.u8 = m->proto == FW_PROTO_ANY ? 0 : 0xff;
	set_bitmask32(&f[1], m->zone_bit, false);
	set_bitmask32(&f[2], m->srcset_bit, m->srcset_negated);
	set_bitmask32(&f[3], m->dstset_bit, m->dstset_negated);
	for (size_t s = 0; s < m->src.n; s++) {
		for (size_t t = 0; t < m->dst.n; t++) {
			for (size_t a = 0; a < m->n_sport; a++) {
				for (size_t b = 0; b < m->n_dport; b++) {
					int rc;

					if (family == 4) {
						set_prefix(&f[F4_SRC], &m->src.v[s], 0);
						set_prefix(&f[F4_DST], &m->dst.v[t], 0);
						f[F4_SPORT].value.u16 = m->sport[a].lo;
						f[F4_SPORT].mask_range.u16 = m->sport[a].hi;
						f[F4_DPORT].value.u16 = m->dport[b].lo;
						f[F4_DPORT].mask_range.u16 = m->dport[b].hi;
						rc = list_push(out, &r4);
					} else {
						for (unsigned i = 0; i < 4; i++) {
							set_prefix(&f[F6_SRC0 + i], &m->src.v[s], i);
							set_prefix(&f[F6_DST0 + i], &m->dst.v[t], i);
						}
						f[F6_SPORT].value.u16 = m->sport[a].lo;
						f[F6_SPORT].mask_range.u16 = m->sport[a].hi;
						f[F6_DPORT].value.u16 = m->dport[b].lo;
						f[F6_DPORT].mask_range.u16 = m->dport[b].hi;
						rc = list_push(out, &r6);
					}
					if (rc) {
						snprintf(err, errlen, "out of memory");
						return -1;
					}
				}
			}
		}
	}
	return 0;
}

struct rte_acl_ctx *fw_acl_build(uint8_t family, const struct fw_acl_list *list, char *err,
				 size_t errlen)
{
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param param = { 0 };
	struct rte_acl_config cfg = { 0 };
	struct rte_acl_ctx *ctx;
	int rc;

	snprintf(name, sizeof(name), "fw%u_%u", family, fw_next_object_id());
	param.name = name;
	param.socket_id = SOCKET_ID_ANY;
	param.rule_size = family == 4 ? RTE_ACL_RULE_SZ(F4_COUNT) : RTE_ACL_RULE_SZ(F6_COUNT);
	param.max_rule_num = (uint32_t)list->n;
	ctx = rte_acl_create(&param);
	if (!ctx) {
		snprintf(err, errlen, "cannot create the IPv%u classifier (EAL not initialised, "
			 "or out of memory)", family);
		return NULL;
	}
	rc = rte_acl_add_rules(ctx, list->v, (uint32_t)list->n);
	if (rc == 0) {
		cfg.num_categories = 1;
		cfg.num_fields = family == 4 ? F4_COUNT : F6_COUNT;
		memcpy(cfg.defs, family == 4 ? defs4 : defs6,
		       cfg.num_fields * sizeof(struct rte_acl_field_def));
		rc = rte_acl_build(ctx, &cfg);
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot build the IPv%u classifier (%zu entries): %s", family,
			 list->n, strerror(-rc));
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

static uint32_t zones_of(const struct fw_policy *pol, const struct packet *p)
{
	return p->port < FW_MAX_PORTS ? pol->port_zones[p->port] : 0;
}

static uint32_t set_bits4(const struct fw_policy *pol, const struct ip_addr *a)
{
	uint32_t hop;

	if (pol->sets4 && rte_lpm_lookup(pol->sets4, ntohl(a->u32[0]), &hop) == 0)
		return hop;
	return 0;
}

static uint32_t set_bits6(const struct fw_policy *pol, const struct ip_addr *a)
{
	uint32_t hop;

	if (pol->sets6 && rte_lpm6_lookup(pol->sets6, a->u8, &hop) == 0)
		return hop;
	return 0;
}

/* Classify up to FW_CLASSIFY_CHUNK packets: one rte_acl_classify per family. */
static void classify_chunk(const struct fw_policy *pol, const struct packet *const *pkts,
			   uint16_t n, uint32_t *rule_ids)
{
	struct fw_key4 k4[FW_CLASSIFY_CHUNK];
	struct fw_key6 k6[FW_CLASSIFY_CHUNK];
	const uint8_t *d4[FW_CLASSIFY_CHUNK], *d6[FW_CLASSIFY_CHUNK];
	uint32_t r4[FW_CLASSIFY_CHUNK], r6[FW_CLASSIFY_CHUNK];
	uint16_t i4[FW_CLASSIFY_CHUNK], i6[FW_CLASSIFY_CHUNK];
	uint32_t n4 = 0, n6 = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct packet *p = pkts[i];

		rule_ids[i] = FW_RULE_DEFAULT;
		if (p->l3 == L3_IPV4 && pol->acl4) {
			struct fw_key4 *k = &k4[n4];

			memset(k, 0, sizeof(*k));
			k->proto = p->ip_proto;
			k->zone = htonl(zones_of(pol, p));
			k->srcset = htonl(set_bits4(pol, &p->src));
			k->dstset = htonl(set_bits4(pol, &p->dst));
			k->src = p->src.u32[0];
			k->dst = p->dst.u32[0];
			k->sport = htons(p->sport);
			k->dport = htons(p->dport);
			d4[n4] = (const uint8_t *)k;
			i4[n4++] = i;
		} else if (p->l3 == L3_IPV6 && pol->acl6) {
			struct fw_key6 *k = &k6[n6];

			memset(k, 0, sizeof(*k));
			k->proto = p->ip_proto;
			k->zone = htonl(zones_of(pol, p));
			k->srcset = htonl(set_bits6(pol, &p->src));
			k->dstset = htonl(set_bits6(pol, &p->dst));
			memcpy(k->src, p->src.u8, 16);
			memcpy(k->dst, p->dst.u8, 16);
			k->sport = htons(p->sport);
			k->dport = htons(p->dport);
			d6[n6] = (const uint8_t *)k;
			i6[n6++] = i;
		}
	}
	if (n4 && rte_acl_classify(pol->acl4, d4, r4, n4, 1) == 0) {
		for (uint32_t j = 0; j < n4; j++)
			rule_ids[i4[j]] = r4[j] ? r4[j] - 1 : FW_RULE_DEFAULT;
	}
	if (n6 && rte_acl_classify(pol->acl6, d6, r6, n6, 1) == 0) {
		for (uint32_t j = 0; j < n6; j++)
			rule_ids[i6[j]] = r6[j] ? r6[j] - 1 : FW_RULE_DEFAULT;
	}
}

void fw_policy_classify_burst(const struct fw_policy *pol, const struct packet *const *pkts,
			      uint16_t n, uint32_t *rule_ids)
{
	while (n > 0) {
		uint16_t chunk = n > FW_CLASSIFY_CHUNK ? FW_CLASSIFY_CHUNK : n;

		classify_chunk(pol, pkts, chunk, rule_ids);
		pkts += chunk;
		rule_ids += chunk;
		n -= chunk;
	}
}
