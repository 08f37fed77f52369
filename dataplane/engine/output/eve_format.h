/*
 * eve_format.h - one alert record -> one EVE JSON line, as Suricata writes it.
 *
 * Contract: pure formatting, no I/O. The writer (eve_writer.h) calls it for
 * every record it drains; tests call it to check exact text. It reads the
 * rule a record names (rec->ruleset / rec->rule_index) and never changes it.
 *
 * Output follows Suricata 8's eve-log with its default alert settings, field
 * for field and in Suricata's order, and emits only fields that
 * ../shared/data/eve/schema.json allows:
 *
 *   timestamp, flow_id (if not 0), pcap_cnt (if not 0), event_type
 *   ("alert" | "drop"), vlan (if any), src_ip, src_port, dest_ip, dest_port
 *   (ports for TCP, UDP, SCTP only), proto, ip_v, icmp_type/icmp_code (ICMP
 *   over IPv4, ICMPv6 over IPv6), pkt_src ("wire/pcap"),
 *   drop: {reason: "rules"} (drop events only),
 *   alert: {action, gid, signature_id, rev, signature, category, severity,
 *           source/target (rules with `target:`), metadata (rule metadata)},
 *   direction ("to_server" | "to_client"; alert events on a flow only).
 *
 * Firewall records (ALERT_RECORD_FIREWALL, a logged policy decision) share the
 * header; event_type is "drop" (with drop: {reason: "firewall"}) when the
 * packet was blocked, else "firewall"; then firewall: {hook: "packet_filter",
 * policy: "<allow|deny|reject>:<rule name or default>"}. They name no
 * signature, so rec->ruleset is not read.
 *
 * Fields Suricata writes that a record cannot fill (drop.len/ttl/tcpseq...,
 * the alert's flow object, app_proto) are left out rather than invented.
 *
 * Strings: JSON-escaped (quote, backslash, control characters); valid UTF-8
 * passes through unchanged; a byte that is not part of valid UTF-8 is
 * written as the four characters \xNN (the JSON text "\\xNN"), so no input
 * makes the line invalid JSON.
 *
 * Thread rules: every function is reentrant; the timestamp uses the process
 * time zone (localtime_r), like Suricata, so set TZ before starting threads.
 */
#ifndef RAMPART_EVE_FORMAT_H
#define RAMPART_EVE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/output/alert_record.h"

struct eve_format_options {
	/* false (default, like Suricata): IPv6 as eight 4-digit groups,
	 * "2001:0db8:0000:0000:0000:0000:0000:0001". true: the compressed RFC
	 * 5952 form "2001:db8::1" (Suricata's eve-log `ipv6-compress: yes`). */
	bool ipv6_compress;
};

/* Big enough for any timestamp eve_format_timestamp writes. */
#define EVE_TIMESTAMP_MAX 40
/* Big enough for any address eve_format_ip writes. */
#define EVE_IP_MAX 46

/*
 * "2024-01-31T12:00:00.123456+0000": local time of ts_usec with the zone's
 * UTC offset, as Suricata's CreateIsoTimeString. Returns the length, or -1
 * (errno EOVERFLOW: time out of range; ENOBUFS: cap too small).
 */
int eve_format_timestamp(uint64_t ts_usec, char *buf, size_t cap);

/*
 * Dotted quad for L3_IPV4; for L3_IPV6 the full or compressed form (see
 * eve_format_options). Returns the length, or -1 (errno EINVAL: l3 is not
 * IPv4/IPv6; ENOBUFS).
 */
int eve_format_ip(const struct ip_addr *addr, uint8_t l3, bool compress, char *buf, size_t cap);

/* Suricata's name for an IP protocol number ("TCP", "UDP", "ICMP",
 * "IPv6-ICMP", "SCTP", "GRE", ...), or NULL when it has none (Suricata then
 * prints the number, e.g. "200"). */
const char *eve_proto_name(uint8_t ip_proto);

/*
 * Renders `rec` as one EVE line, without the trailing newline. Returns the
 * line's length n; when n < cap, buf holds the line and a NUL, otherwise buf
 * is unspecified and a buffer of n + 1 bytes is needed. Returns -1 with errno:
 *   ENOENT  an alert/drop record names no rule (ruleset NULL or rule_index out of range)
 *   EINVAL  malformed record (unknown kind or l3, vlan_count > 2)
 *   ENOMEM  out of memory
 * opts may be NULL (defaults).
 */
int eve_format_record(const struct alert_record *rec, const struct eve_format_options *opts,
		      char *buf, size_t cap);

#endif /* RAMPART_EVE_FORMAT_H */
