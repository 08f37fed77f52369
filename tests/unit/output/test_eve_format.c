/*
 * unit_output_eve: alert record -> exact EVE JSON text, as Suricata writes it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "dataplane/engine/output/eve_format.h"
#include "output_fixtures.h"

#define TS_UTC "\"timestamp\":\"2024-01-31T12:00:00.123456+0000\""
#define ALERT_TCP_RULE                                                                          \
	"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,\"rev\":3,"       \
	"\"signature\":\"ET TEST tcp\",\"category\":\"Potentially Bad Traffic\",\"severity\":2}"

static int setup_utc(void **state)
{
	(void)state;
	use_time_zone("UTC");
	return 0;
}

static void assert_line(const struct alert_record *rec, const struct eve_format_options *opts,
			const char *expected)
{
	char buf[4096];
	int n = eve_format_record(rec, opts, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, expected);
	assert_int_equal(n, (int)strlen(expected));
}

static void test_tcp_alert(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_TCP);
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"alert\","
		    "\"src_ip\":\"10.0.0.1\",\"src_port\":51234,\"dest_ip\":\"192.168.1.2\","
		    "\"dest_port\":80,\"proto\":\"TCP\",\"ip_v\":4,\"pkt_src\":\"wire/pcap\","
		    ALERT_TCP_RULE ",\"direction\":\"to_server\"}");
}

static void test_udp_no_flow_no_class(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_PLAIN);
	r.flow_id = 0;   /* omitted, and so is direction */
	r.pcap_cnt = 0;  /* omitted */
	r.ip_proto = 17;
	r.sport = 53;
	r.dport = 5353;
	set_ipv4(&r.dst, 10, 0, 0, 2);
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"src_port\":53,"
		    "\"dest_ip\":\"10.0.0.2\",\"dest_port\":5353,\"proto\":\"UDP\",\"ip_v\":4,"
		    "\"pkt_src\":\"wire/pcap\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
		    "\"signature_id\":7,\"rev\":0,\"signature\":\"plain\",\"category\":\"\","
		    "\"severity\":3}}");
}

static void test_icmp_has_type_code_no_ports(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_TCP);
	r.ip_proto = 1;
	r.sport = r.dport = 0;
	r.icmp_type = 8;
	r.icmp_code = 0;
	r.to_server = 0;
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"alert\","
		    "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"192.168.1.2\",\"proto\":\"ICMP\","
		    "\"ip_v\":4,\"icmp_type\":8,\"icmp_code\":0,\"pkt_src\":\"wire/pcap\","
		    ALERT_TCP_RULE ",\"direction\":\"to_client\"}");
}

static struct alert_record icmpv6_record(void)
{
	struct alert_record r = fixture_record(RULE_TCP);
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const uint8_t dst[16] = { 0xfe, 0x80, [8] = 0x02, 0x0c, 0x29, 0xff,
					 0xfe, 0xf3, 0xcf, 0x38 };
	memcpy(r.src.u8, src, 16);
	memcpy(r.dst.u8, dst, 16);
	r.l3 = L3_IPV6;
	r.ip_proto = 58;
	r.sport = r.dport = 0;
	r.icmp_type = 128;
	r.icmp_code = 0;
	r.to_server = 0xff; /* unknown: no direction */
	return r;
}

static void test_ipv6_icmp_full_addresses(void **state)
{
	(void)state;
	struct alert_record r = icmpv6_record();
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"alert\","
		    "\"src_ip\":\"2001:0db8:0000:0000:0000:0000:0000:0001\","
		    "\"dest_ip\":\"fe80:0000:0000:0000:020c:29ff:fef3:cf38\","
		    "\"proto\":\"IPv6-ICMP\",\"ip_v\":6,\"icmp_type\":128,\"icmp_code\":0,"
		    "\"pkt_src\":\"wire/pcap\"," ALERT_TCP_RULE "}");
}

static void test_ipv6_compressed_option(void **state)
{
	(void)state;
	struct alert_record r = icmpv6_record();
	struct eve_format_options opts = { .ipv6_compress = true };
	assert_line(&r, &opts,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"alert\","
		    "\"src_ip\":\"2001:db8::1\",\"dest_ip\":\"fe80::20c:29ff:fef3:cf38\","
		    "\"proto\":\"IPv6-ICMP\",\"ip_v\":6,\"icmp_type\":128,\"icmp_code\":0,"
		    "\"pkt_src\":\"wire/pcap\"," ALERT_TCP_RULE "}");
}

static void test_vlan_array(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_TCP);
	r.vlan_count = 2;
	r.vlan_id[0] = 100;
	r.vlan_id[1] = 4094;
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"alert\","
		    "\"vlan\":[100,4094],\"src_ip\":\"10.0.0.1\",\"src_port\":51234,"
		    "\"dest_ip\":\"192.168.1.2\",\"dest_port\":80,\"proto\":\"TCP\",\"ip_v\":4,"
		    "\"pkt_src\":\"wire/pcap\"," ALERT_TCP_RULE ",\"direction\":\"to_server\"}");
}

static void test_drop_event(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_TCP);
	r.kind = ALERT_RECORD_DROP;
	r.action = SIG_ACTION_DROP;
	r.blocked = 1;
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"drop\","
		    "\"src_ip\":\"10.0.0.1\",\"src_port\":51234,\"dest_ip\":\"192.168.1.2\","
		    "\"dest_port\":80,\"proto\":\"TCP\",\"ip_v\":4,\"pkt_src\":\"wire/pcap\","
		    "\"drop\":{\"reason\":\"rules\"},"
		    "\"alert\":{\"action\":\"blocked\",\"gid\":1,\"signature_id\":2000001,\"rev\":3,"
		    "\"signature\":\"ET TEST tcp\",\"category\":\"Potentially Bad Traffic\","
		    "\"severity\":2}}");
}

#define FW_TUPLE "\"src_ip\":\"10.0.0.1\",\"src_port\":51234,\"dest_ip\":\"192.168.1.2\"," \
		 "\"dest_port\":80,\"proto\":\"TCP\",\"ip_v\":4,\"pkt_src\":\"wire/pcap\","

static void test_firewall_events(void **state)
{
	(void)state;
	/* blocked: a drop event with reason firewall, naming the rule */
	struct alert_record r = fixture_firewall_record(ALERT_FW_DENY, "block-smb", 1);
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"drop\","
		    FW_TUPLE "\"drop\":{\"reason\":\"firewall\"},"
		    "\"firewall\":{\"hook\":\"packet_filter\",\"policy\":\"deny:block-smb\"}}");
	r = fixture_firewall_record(ALERT_FW_REJECT, "no-telnet", 1);
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"drop\","
		    FW_TUPLE "\"drop\":{\"reason\":\"firewall\"},"
		    "\"firewall\":{\"hook\":\"packet_filter\",\"policy\":\"reject:no-telnet\"}}");
	/* allowed (or IDS mode: not blocked): a firewall event */
	r = fixture_firewall_record(ALERT_FW_ALLOW, "web", 0);
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"firewall\","
		    FW_TUPLE "\"firewall\":{\"hook\":\"packet_filter\",\"policy\":\"allow:web\"}}");
	r = fixture_firewall_record(ALERT_FW_DENY, NULL, 0);
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"flow_id\":1234567,\"pcap_cnt\":42,\"event_type\":\"firewall\","
		    FW_TUPLE "\"firewall\":{\"hook\":\"packet_filter\",\"policy\":\"deny:default\"}}");
	/* a rule name is escaped like any string */
	r = fixture_firewall_record(ALERT_FW_ALLOW, "a\"b", 0);
	r.flow_id = 0;
	r.pcap_cnt = 0;
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"event_type\":\"firewall\","
		    FW_TUPLE "\"firewall\":{\"hook\":\"packet_filter\",\"policy\":\"allow:a\\\"b\"}}");
}

static void test_firewall_bad_records(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_firewall_record(7, "x", 1);

	errno = 0;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	r = fixture_firewall_record(ALERT_FW_DENY, "x", 1);
	r.vlan_count = 3;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	/* a firewall record needs no rule set */
	r = fixture_firewall_record(ALERT_FW_DENY, "x", 1);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
}

static void test_blocked_action(void **state)
{
	(void)state;
	char buf[4096];
	/* A drop rule in IDS mode is only "allowed"; in IPS mode "blocked". */
	struct alert_record r = fixture_record(RULE_TCP);
	r.action = SIG_ACTION_DROP;
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"alert\":{\"action\":\"allowed\""));
	r.blocked = 1;
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"alert\":{\"action\":\"blocked\""));
	/* Reject always blocks, as in Suricata (the reset is sent in IDS mode too). */
	r = fixture_record(RULE_REJECT);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"alert\":{\"action\":\"blocked\""));
}

static void test_source_target(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_record(RULE_TARGET);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"severity\":1,\"source\":{\"ip\":\"10.0.0.1\",\"port\":51234},"
				    "\"target\":{\"ip\":\"192.168.1.2\",\"port\":80}}"));
	/* target:src_ip swaps the roles. */
	fixture_rules[RULE_TARGET].target = "src_ip";
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	fixture_rules[RULE_TARGET].target = "dest_ip";
	assert_non_null(strstr(buf, "\"source\":{\"ip\":\"192.168.1.2\",\"port\":80},"
				    "\"target\":{\"ip\":\"10.0.0.1\",\"port\":51234}}"));
}

static void test_metadata_sorted_grouped(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_record(RULE_METADATA);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"severity\":3,\"metadata\":{"
				    "\"attack_target\":[\"Client_Endpoint\"],"
				    "\"Created_at\":[\"2024_01_01\"],"
				    "\"signature_severity\":[\"Major\"],"
				    "\"tag\":[\"one\",\"two\"],"
				    "\"updated_at\":[\"2024_01_02\"]}}"));
}

static void test_escaping(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_record(RULE_ESCAPES);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"signature\":\"say \\\"hi\\\" C:\\\\dir\\ttab\\nnl\\u0001 "
				    "caf\xc3\xa9 /x\""));
	/* No raw control character may reach the line. */
	for (const char *c = buf; *c; c++)
		assert_true((unsigned char)*c >= 0x20);
}

static void test_invalid_utf8_spelled_out(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_record(RULE_BAD_UTF8);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"signature\":\"latin1 caf\\\\xE9 ok\xc3\xa9\""));
}

/* Any bytes in a message still give one valid JSON line whose signature
 * decodes to the message (valid UTF-8) or to it with bad bytes spelled \xNN. */
static void test_random_bytes_always_valid_json(void **state)
{
	(void)state;
	char msg[64], buf[4096];
	char *saved = fixture_rules[RULE_PLAIN].msg;
	unsigned seed = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % (sizeof(msg) - 1));
		for (size_t i = 0; i < len; i++) {
			int c = rand_r(&seed) % 255 + 1; /* no NUL: C strings */
			msg[i] = (char)c;
		}
		msg[len] = '\0';
		fixture_rules[RULE_PLAIN].msg = msg;
		struct alert_record r = fixture_record(RULE_PLAIN);
		int n = eve_format_record(&r, NULL, buf, sizeof(buf));
		assert_true(n > 0 && n < (int)sizeof(buf));
		assert_null(memchr(buf, '\n', (size_t)n));

		json_error_t err;
		json_t *root = json_loadb(buf, (size_t)n, 0, &err);
		assert_non_null(root);
		const char *sig = json_string_value(json_object_get(json_object_get(root, "alert"),
								     "signature"));
		assert_non_null(sig);
		json_t *probe = json_string(msg); /* jansson's own UTF-8 check */
		bool is_utf8 = probe != NULL;
		json_decref(probe);
		if (is_utf8)
			assert_string_equal(sig, msg);
		else
			assert_non_null(strstr(sig, "\\x"));
		json_decref(root);
	}
	fixture_rules[RULE_PLAIN].msg = saved;
}

static void test_proto_names_and_numbers(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_record(RULE_TCP);
	r.ip_proto = 200; /* unassigned: the number, no ports */
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"dest_ip\":\"192.168.1.2\",\"proto\":\"200\",\"ip_v\":4"));
	r.ip_proto = 47;
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"proto\":\"GRE\""));
	assert_null(strstr(buf, "src_port"));
	r.ip_proto = 132; /* SCTP has ports */
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"dest_port\":80,\"proto\":\"SCTP\""));
	assert_string_equal(eve_proto_name(58), "IPv6-ICMP");
	assert_string_equal(eve_proto_name(17), "UDP");
	assert_null(eve_proto_name(144));
}

static void test_non_ip_record(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_PLAIN);
	r.l3 = L3_NONE;
	r.flow_id = 0;
	assert_line(&r, NULL,
		    "{" TS_UTC ",\"pcap_cnt\":42,\"event_type\":\"alert\",\"pkt_src\":\"wire/pcap\","
		    "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":7,\"rev\":0,"
		    "\"signature\":\"plain\",\"category\":\"\",\"severity\":3}}");
}

static void test_bad_records_rejected(void **state)
{
	(void)state;
	char buf[4096];
	struct alert_record r = fixture_record(RULE_TCP);
	r.rule_index = FIXTURE_RULES;
	errno = 0;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);

	r = fixture_record(RULE_TCP);
	r.ruleset = NULL;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);

	r = fixture_record(RULE_TCP);
	r.l3 = 5;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);

	r = fixture_record(RULE_TCP);
	r.vlan_count = 3;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);

	r = fixture_record(RULE_TCP);
	r.kind = 9;
	assert_int_equal(eve_format_record(&r, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_small_buffer_reports_needed_size(void **state)
{
	(void)state;
	char small[16], big[4096];
	struct alert_record r = fixture_record(RULE_TCP);
	int need = eve_format_record(&r, NULL, small, sizeof(small));
	assert_true(need >= (int)sizeof(small));
	char *exact = malloc((size_t)need + 1);
	assert_non_null(exact);
	assert_int_equal(eve_format_record(&r, NULL, exact, (size_t)need + 1), need);
	assert_int_equal(eve_format_record(&r, NULL, big, sizeof(big)), need);
	assert_string_equal(exact, big);
	free(exact);
}

static void test_timestamp_zones(void **state)
{
	(void)state;
	char ts[EVE_TIMESTAMP_MAX];

	use_time_zone("UTC");
	assert_int_equal(eve_format_timestamp(FIXTURE_TS_USEC, ts, sizeof(ts)), 31);
	assert_string_equal(ts, "2024-01-31T12:00:00.123456+0000");
	assert_true(eve_format_timestamp(1706702400000007ull, ts, sizeof(ts)) > 0);
	assert_string_equal(ts, "2024-01-31T12:00:00.000007+0000");

	use_time_zone("Europe/Berlin");
	assert_true(eve_format_timestamp(FIXTURE_TS_USEC, ts, sizeof(ts)) > 0);
	assert_string_equal(ts, "2024-01-31T13:00:00.123456+0100");
	/* Summer time: 2024-07-01T12:00:00 UTC */
	assert_true(eve_format_timestamp(1719835200000000ull, ts, sizeof(ts)) > 0);
	assert_string_equal(ts, "2024-07-01T14:00:00.000000+0200");

	use_time_zone("America/New_York");
	assert_true(eve_format_timestamp(FIXTURE_TS_USEC, ts, sizeof(ts)) > 0);
	assert_string_equal(ts, "2024-01-31T07:00:00.123456-0500");

	/* The record's timestamp follows the zone too. */
	use_time_zone("Europe/Berlin");
	char buf[4096];
	struct alert_record r = fixture_record(RULE_TCP);
	assert_true(eve_format_record(&r, NULL, buf, sizeof(buf)) > 0);
	assert_true(strncmp(buf, "{\"timestamp\":\"2024-01-31T13:00:00.123456+0100\",", 47) == 0);

	char tiny[8];
	assert_int_equal(eve_format_timestamp(FIXTURE_TS_USEC, tiny, sizeof(tiny)), -1);
	assert_int_equal(errno, ENOBUFS);
	use_time_zone("UTC");
}

static void test_ip_formatting(void **state)
{
	(void)state;
	char ip[EVE_IP_MAX];
	struct ip_addr a;
	set_ipv4(&a, 255, 0, 10, 1);
	assert_int_equal(eve_format_ip(&a, L3_IPV4, false, ip, sizeof(ip)), 10);
	assert_string_equal(ip, "255.0.10.1");
	memset(&a, 0, sizeof(a));
	assert_true(eve_format_ip(&a, L3_IPV6, false, ip, sizeof(ip)) > 0);
	assert_string_equal(ip, "0000:0000:0000:0000:0000:0000:0000:0000");
	assert_true(eve_format_ip(&a, L3_IPV6, true, ip, sizeof(ip)) > 0);
	assert_string_equal(ip, "::");
	assert_int_equal(eve_format_ip(&a, L3_NONE, false, ip, sizeof(ip)), -1);
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tcp_alert, setup_utc),
		cmocka_unit_test_setup(test_udp_no_flow_no_class, setup_utc),
		cmocka_unit_test_setup(test_icmp_has_type_code_no_ports, setup_utc),
		cmocka_unit_test_setup(test_ipv6_icmp_full_addresses, setup_utc),
		cmocka_unit_test_setup(test_ipv6_compressed_option, setup_utc),
		cmocka_unit_test_setup(test_vlan_array, setup_utc),
		cmocka_unit_test_setup(test_drop_event, setup_utc),
		cmocka_unit_test_setup(test_blocked_action, setup_utc),
		cmocka_unit_test_setup(test_firewall_events, setup_utc),
		cmocka_unit_test_setup(test_firewall_bad_records, setup_utc),
		cmocka_unit_test_setup(test_source_target, setup_utc),
		cmocka_unit_test_setup(test_metadata_sorted_grouped, setup_utc),
		cmocka_unit_test_setup(test_escaping, setup_utc),
		cmocka_unit_test_setup(test_invalid_utf8_spelled_out, setup_utc),
		cmocka_unit_test_setup(test_random_bytes_always_valid_json, setup_utc),
		cmocka_unit_test_setup(test_proto_names_and_numbers, setup_utc),
		cmocka_unit_test_setup(test_non_ip_record, setup_utc),
		cmocka_unit_test_setup(test_bad_records_rejected, setup_utc),
		cmocka_unit_test_setup(test_small_buffer_reports_needed_size, setup_utc),
		cmocka_unit_test(test_timestamp_zones),
		cmocka_unit_test(test_ip_formatting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
