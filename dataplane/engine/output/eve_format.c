/*
 * eve_format.c - alert record -> EVE JSON line (see eve_format.h).
 *
 * Written with json_out straight into the caller's buffer, keys in
 * Suricata's order: no allocation per record (only for rules with more than
 * 32 metadata items).
 */
#include "dataplane/engine/output/eve_format.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dataplane/engine/output/json_out.h"
#include "signatures/rule.h"

#define IPPROTO_NUM_ICMP   1
#define IPPROTO_NUM_TCP    6
#define IPPROTO_NUM_UDP    17
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP   132

int eve_format_timestamp(uint64_t ts_usec, char *buf, size_t cap)
{
	time_t sec = (time_t)(ts_usec / 1000000u);
	unsigned usec = (unsigned)(ts_usec % 1000000u);
	struct tm tm;

	if (localtime_r(&sec, &tm) == NULL) {
		errno = EOVERFLOW;
		return -1;
	}
	char date[32], zone[16];
	if (strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) == 0) {
		errno = EOVERFLOW;
		return -1;
	}
	int n = snprintf(buf, cap, "%s.%06u%s", date, usec, zone);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENOBUFS;
		return -1;
	}
	return n;
}

int eve_format_ip(const struct ip_addr *addr, uint8_t l3, bool compress, char *buf, size_t cap)
{
	if (cap < EVE_IP_MAX) {
		errno = ENOBUFS;
		return -1;
	}
	if (l3 == L3_IPV4) {
		if (inet_ntop(AF_INET, addr->u8, buf, (socklen_t)cap) == NULL)
			return -1;
	} else if (l3 == L3_IPV6) {
		if (compress) {
			if (inet_ntop(AF_INET6, addr->u8, buf, (socklen_t)cap) == NULL)
				return -1;
		} else {
			/* Suricata's default: every group, four digits, lower case. */
			char *p = buf;
			for (int i = 0; i < 8; i++) {
				unsigned group = (unsigned)addr->u8[2 * i] << 8 | addr->u8[2 * i + 1];
				p += sprintf(p, i ? ":%04x" : "%04x", group);
			}
		}
	} else {
		errno = EINVAL;
		return -1;
	}
	return (int)strlen(buf);
}

static bool has_ports(uint8_t ip_proto)
{
	return ip_proto == IPPROTO_NUM_TCP || ip_proto == IPPROTO_NUM_UDP ||
	       ip_proto == IPPROTO_NUM_SCTP;
}

struct metadata_pair {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
	size_t order; /* position as written: keeps the sort stable */
};

static int compare_keys(const struct metadata_pair *a, const struct metadata_pair *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = strncasecmp(a->key, b->key, n);
	if (c == 0 && a->key_len != b->key_len)
		c = a->key_len < b->key_len ? -1 : 1;
	return c;
}

static int compare_pairs(const void *a, const void *b)
{
	const struct metadata_pair *pa = a, *pb = b;
	int c = compare_keys(pa, pb);
	if (c == 0)
		c = pa->order < pb->order ? -1 : 1;
	return c;
}

/*
 * Splits "key value[, key value ...]" entries the way Suricata's metadata
 * keyword does: items separated by commas, key up to the first space, blanks
 * trimmed, items without a value skipped. Returns the number of pairs.
 */
static size_t split_metadata(char *const *entries, size_t n_entries, struct metadata_pair *out,
			     size_t max)
{
	size_t n = 0;
	for (size_t e = 0; e < n_entries; e++) {
		const char *p = entries[e];
		while (p != NULL && *p != '\0') {
			const char *end = strchr(p, ',');
			if (end == NULL)
				end = p + strlen(p);
			const char *k = p;
			while (k < end && (*k == ' ' || *k == '\t'))
				k++;
			const char *sp = k;
			while (sp < end && *sp != ' ' && *sp != '\t')
				sp++;
			const char *v = sp;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			const char *vend = end;
			while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
				vend--;
			if (sp > k && vend > v && n < max) {
				out[n] = (struct metadata_pair){ k, (size_t)(sp - k), v,
								 (size_t)(vend - v), n };
				n++;
			}
			p = *end == ',' ? end + 1 : end;
		}
	}
	return n;
}

/* ,"metadata":{"key":["value",...],...}: keys sorted case-insensitively as
 * Suricata does; values of one key in the order written. false: no memory. */
static bool write_metadata(struct json_out *o, const struct sig_rule *rule)
{
	if (rule->n_metadata == 0)
		return true;

	size_t max = 0;
	for (size_t i = 0; i < rule->n_metadata; i++) {
		max++;
		for (const char *c = rule->metadata[i]; c != NULL && *c; c++)
			max += *c == ',';
	}
	struct metadata_pair stack_pairs[32];
	struct metadata_pair *pairs = stack_pairs;
	if (max > sizeof(stack_pairs) / sizeof(stack_pairs[0])) {
		pairs = calloc(max, sizeof(*pairs));
		if (pairs == NULL)
			return false;
	}
	size_t n = split_metadata(rule->metadata, rule->n_metadata, pairs, max);
	if (n > 0) {
		qsort(pairs, n, sizeof(*pairs), compare_pairs);
		json_out_key(o, "metadata");
		json_out_open(o, '{');
		for (size_t i = 0; i < n; i++) {
			if (i == 0 || compare_keys(&pairs[i], &pairs[i - 1]) != 0) {
				if (i > 0)
					json_out_close(o, ']');
				json_out_key_n(o, pairs[i].key, pairs[i].key_len);
				json_out_open(o, '[');
			}
			json_out_string_n(o, pairs[i].value, pairs[i].value_len);
		}
		json_out_close(o, ']');
		json_out_close(o, '}');
	}
	if (pairs != stack_pairs)
		free(pairs);
	return true;
}

/* {"ip": ..., "port": ...} for alert.source / alert.target. */
static void write_endpoint(struct json_out *o, const char *key, const char *ip, uint16_t port,
			   bool with_port)
{
	json_out_key(o, key);
	json_out_open(o, '{');
	json_out_key(o, "ip");
	json_out_string(o, ip);
	if (with_port) {
		json_out_key(o, "port");
		json_out_uint(o, port);
	}
	json_out_close(o, '}');
}

struct tuple_text {
	char src[EVE_IP_MAX], dst[EVE_IP_MAX];
	bool is_ip;
};

static bool write_alert(struct json_out *o, const struct alert_record *rec,
			const struct sig_rule *rule, const struct tuple_text *t)
{
	/* Suricata: "blocked" when the packet was dropped in IPS mode, and for
	 * reject rules always (the reset goes out even in IDS mode). */
	bool blocked = rec->blocked || rec->action == SIG_ACTION_REJECT;

	json_out_key(o, "alert");
	json_out_open(o, '{');
	json_out_key(o, "action");
	json_out_string(o, blocked ? "blocked" : "allowed");
	json_out_key(o, "gid");
	json_out_uint(o, rule->gid);
	json_out_key(o, "signature_id");
	json_out_uint(o, rule->sid);
	json_out_key(o, "rev");
	json_out_uint(o, rule->rev);
	json_out_key(o, "signature");
	json_out_string(o, rule->msg);
	json_out_key(o, "category");
	json_out_string(o, rule->class_description);
	json_out_key(o, "severity");
	json_out_uint(o, rule->priority);

	if (t->is_ip && rule->target != NULL) {
		/* target:dest_ip -> the packet's source attacks its destination;
		 * target:src_ip -> the other way round. */
		bool dest_is_target = strcmp(rule->target, "dest_ip") == 0;
		bool src_is_target = strcmp(rule->target, "src_ip") == 0;
		bool ports = has_ports(rec->ip_proto);
		if (dest_is_target || src_is_target) {
			write_endpoint(o, "source", dest_is_target ? t->src : t->dst,
				       dest_is_target ? rec->sport : rec->dport, ports);
			write_endpoint(o, "target", dest_is_target ? t->dst : t->src,
				       dest_is_target ? rec->dport : rec->sport, ports);
		}
	}
	if (!write_metadata(o, rule))
		return false;
	json_out_close(o, '}');
	return true;
}

static const char *event_type_of(const struct alert_record *rec)
{
	if (rec->kind == ALERT_RECORD_FIREWALL)
		return rec->blocked ? "drop" : "firewall";
	return rec->kind == ALERT_RECORD_DROP ? "drop" : "alert";
}

/* Everything before the event's own objects, in CreateEveHeader's order. */
static bool write_header(struct json_out *o, const struct alert_record *rec,
			 const struct tuple_text *t)
{
	char ts[EVE_TIMESTAMP_MAX];
	if (eve_format_timestamp(rec->ts_usec, ts, sizeof(ts)) < 0)
		return false;
	json_out_key(o, "timestamp");
	json_out_string(o, ts);
	if (rec->flow_id != 0) {
		json_out_key(o, "flow_id");
		json_out_uint(o, rec->flow_id);
	}
	if (rec->pcap_cnt != 0) {
		json_out_key(o, "pcap_cnt");
		json_out_uint(o, rec->pcap_cnt);
	}
	json_out_key(o, "event_type");
	json_out_string(o, event_type_of(rec));
	if (rec->vlan_count > 0) {
		json_out_key(o, "vlan");
		json_out_open(o, '[');
		for (unsigned i = 0; i < rec->vlan_count; i++)
			json_out_uint(o, rec->vlan_id[i]);
		json_out_close(o, ']');
	}
	if (t->is_ip) {
		bool ports = has_ports(rec->ip_proto);
		char num[4];
		const char *proto = eve_proto_name(rec->ip_proto);
		if (proto == NULL) {
			snprintf(num, sizeof(num), "%u", rec->ip_proto);
			proto = num;
		}
		json_out_key(o, "src_ip");
		json_out_string(o, t->src);
		if (ports) {
			json_out_key(o, "src_port");
			json_out_uint(o, rec->sport);
		}
		json_out_key(o, "dest_ip");
		json_out_string(o, t->dst);
		if (ports) {
			json_out_key(o, "dest_port");
			json_out_uint(o, rec->dport);
		}
		json_out_key(o, "proto");
		json_out_string(o, proto);
		json_out_key(o, "ip_v");
		json_out_uint(o, rec->l3);
		bool icmp = (rec->l3 == L3_IPV4 && rec->ip_proto == IPPROTO_NUM_ICMP) ||
			    (rec->l3 == L3_IPV6 && rec->ip_proto == IPPROTO_NUM_ICMPV6);
		if (icmp) {
			json_out_key(o, "icmp_type");
			json_out_uint(o, rec->icmp_type);
			json_out_key(o, "icmp_code");
			json_out_uint(o, rec->icmp_code);
		}
	}
	/* Every packet a record describes came off the wire or a capture file. */
	json_out_key(o, "pkt_src");
	json_out_string(o, "wire/pcap");
	return true;
}

static int finish_line(const struct json_out *o, char *buf, size_t cap)
{
	if (o->len > INT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (o->len < cap)
		buf[o->len] = '\0';
	return (int)o->len;
}

/*
 * A logged firewall decision. Suricata 8's firewall mode writes the verdict
 * of its packet filter hook in a top-level "firewall" object {hook, policy};
 * we do the same, with policy "<action>:<rule name>" ("deny:block-smb",
 * "allow:default") so the deciding rule is visible in schema-valid EVE. A
 * blocked packet is a "drop" event with drop.reason "firewall".
 */
static int format_firewall(const struct alert_record *rec, const struct eve_format_options *opts,
			   char *buf, size_t cap)
{
	static const char *const actions[] = { "allow", "deny", "reject" };
	struct tuple_text t = { .is_ip = rec->l3 == L3_IPV4 || rec->l3 == L3_IPV6 };
	char policy[256];
	struct json_out o;

	if (rec->action > ALERT_FW_REJECT || rec->vlan_count > 2 ||
	    (rec->l3 != L3_NONE && rec->l3 != L3_IPV4 && rec->l3 != L3_IPV6)) {
		errno = EINVAL;
		return -1;
	}
	if (t.is_ip && (eve_format_ip(&rec->src, rec->l3, opts->ipv6_compress, t.src, sizeof(t.src)) < 0 ||
			eve_format_ip(&rec->dst, rec->l3, opts->ipv6_compress, t.dst, sizeof(t.dst)) < 0))
		return -1;
	snprintf(policy, sizeof(policy), "%s:%s", actions[rec->action],
		 rec->fw_rule ? rec->fw_rule : "default");

	json_out_init(&o, buf, cap);
	json_out_open(&o, '{');
	if (!write_header(&o, rec, &t))
		return -1;
	if (rec->blocked) {
		json_out_key(&o, "drop");
		json_out_open(&o, '{');
		json_out_key(&o, "reason");
		json_out_string(&o, "firewall");
		json_out_close(&o, '}');
	}
	json_out_key(&o, "firewall");
	json_out_open(&o, '{');
	json_out_key(&o, "hook");
	json_out_string(&o, "packet_filter");
	json_out_key(&o, "policy");
	json_out_string(&o, policy);
	json_out_close(&o, '}');
	json_out_close(&o, '}');
	return finish_line(&o, buf, cap);
}

int eve_format_record(const struct alert_record *rec, const struct eve_format_options *opts,
		      char *buf, size_t cap)
{
	static const struct eve_format_options defaults = { .ipv6_compress = false };
	if (opts == NULL)
		opts = &defaults;

	if (rec->kind == ALERT_RECORD_FIREWALL)
		return format_firewall(rec, opts, buf, cap);

	const struct sig_ruleset *rs = rec->ruleset;
	if (rs == NULL || rec->rule_index >= rs->n_rules) {
		errno = ENOENT;
		return -1;
	}
	if ((rec->kind != ALERT_RECORD_ALERT && rec->kind != ALERT_RECORD_DROP) ||
	    (rec->l3 != L3_NONE && rec->l3 != L3_IPV4 && rec->l3 != L3_IPV6) || rec->vlan_count > 2) {
		errno = EINVAL;
		return -1;
	}

	struct tuple_text t = { .is_ip = rec->l3 == L3_IPV4 || rec->l3 == L3_IPV6 };
	if (t.is_ip && (eve_format_ip(&rec->src, rec->l3, opts->ipv6_compress, t.src, sizeof(t.src)) < 0 ||
			eve_format_ip(&rec->dst, rec->l3, opts->ipv6_compress, t.dst, sizeof(t.dst)) < 0))
		return -1;

	struct json_out o;
	json_out_init(&o, buf, cap);
	json_out_open(&o, '{');
	if (!write_header(&o, rec, &t))
		return -1; /* EOVERFLOW: time out of range */
	if (rec->kind == ALERT_RECORD_DROP) {
		/* A record names the rule that dropped the packet. */
		json_out_key(&o, "drop");
		json_out_open(&o, '{');
		json_out_key(&o, "reason");
		json_out_string(&o, "rules");
		json_out_close(&o, '}');
	}
	if (!write_alert(&o, rec, &rs->rules[rec->rule_index], &t)) {
		errno = ENOMEM;
		return -1;
	}
	if (rec->kind == ALERT_RECORD_ALERT && rec->flow_id != 0 && rec->to_server <= 1) {
		json_out_key(&o, "direction");
		json_out_string(&o, rec->to_server ? "to_server" : "to_client");
	}
	json_out_close(&o, '}');

	if (o.len > INT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (o.len < cap)
		buf[o.len] = '\0';
	return (int)o.len;
}
