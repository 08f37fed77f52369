"""rampart-dp --pcap: link types, packet accounting and exact EVE alert fields.

Run: /usr/bin/python3 -m unittest discover -s tests/e2e -v   (or by module,
see rampart_e2e.py).  Captures are built with scapy in a temp directory at
test time; every EVE line written is validated against
../shared/data/eve/schema.json when that file exists.
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rampart_e2e as e2e  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6  # noqa: E402

CLIENT, SERVER = "10.0.0.1", "192.168.1.2"
CLIENT6, SERVER6 = "fd00::1", "fd00::2"
T0 = 1706702400  # 2024-01-31T12:00:00Z

TEST_RULE = ('alert tcp any any -> any 80 (msg:"test"; flow:established,to_server; '
             'content:"evil"; sid:1; rev:2; classtype:trojan-activity;)\n')
SURICATA_TROJAN_CLASS = "config classification: trojan-activity,A Network Trojan was detected,1\n"
BUNDLED_CLASSIFICATION = os.path.join(e2e.REPO_ROOT, "signatures", "classification.config")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$")


def tcp_session(payload=b"GET /evil HTTP/1.1\r\nHost: example\r\n\r\n", sport=40000, start=T0):
    """Handshake, one request (4th packet, at start + 0.123456 s), server ACK.

    Returns [(timestamp, IP packet bytes)]."""
    c, s = 1000, 5000
    packets = [
        IP(src=CLIENT, dst=SERVER) / TCP(sport=sport, dport=80, flags="S", seq=c),
        IP(src=SERVER, dst=CLIENT) / TCP(sport=80, dport=sport, flags="SA", seq=s, ack=c + 1),
        IP(src=CLIENT, dst=SERVER) / TCP(sport=sport, dport=80, flags="A", seq=c + 1, ack=s + 1),
        IP(src=CLIENT, dst=SERVER) / TCP(sport=sport, dport=80, flags="PA", seq=c + 1, ack=s + 1) / payload,
        IP(src=SERVER, dst=CLIENT) / TCP(sport=80, dport=sport, flags="A", seq=s + 1,
                                          ack=c + 1 + len(payload)),
    ]
    times = [start - 0.3, start - 0.2, start - 0.1, start + 0.123456, start + 0.2]
    return list(zip(times, [bytes(p) for p in packets]))


def mixed_ipv4():
    """TCP, UDP and ICMP over IPv4."""
    pkts = [IP(src=CLIENT, dst=SERVER) / TCP(sport=1234, dport=22, flags="S"),
            IP(src=CLIENT, dst=SERVER) / UDP(sport=5000, dport=5001) / b"udpmark",
            IP(src=CLIENT, dst=SERVER) / ICMP(type=8) / b"icmpmark",
            IP(src=SERVER, dst=CLIENT) / ICMP(type=0) / b"icmpmark-reply"]
    return [(T0 + i, bytes(p)) for i, p in enumerate(pkts)]


def mixed_ipv6():
    pkts = [IPv6(src=CLIENT6, dst=SERVER6) / TCP(sport=1234, dport=443, flags="S"),
            IPv6(src=CLIENT6, dst=SERVER6) / UDP(sport=5000, dport=5001) / b"udp6mark",
            IPv6(src=CLIENT6, dst=SERVER6) / ICMPv6EchoRequest(data=b"icmp6mark")]
    return [(T0 + 10 + i, bytes(p)) for i, p in enumerate(pkts)]


def bundled_classification(classtype):
    """(description, priority) of `classtype` in the bundled classification.config."""
    try:
        with open(BUNDLED_CLASSIFICATION) as f:
            for line in f:
                m = re.match(r"^\s*config\s+classification\s*:\s*([^,]+),(.*),\s*(\d+)\s*$", line)
                if m and m.group(1).strip() == classtype:
                    return m.group(2).strip(), int(m.group(3))
    except OSError:
        pass
    return None


def link_frames(linktype, ip_frames, ipv6=False):
    """Frames in `linktype`, sorted by time as a real capture would be."""
    return sorted(((ts, e2e.frame_for_link(linktype, data, ipv6)) for ts, data in ip_frames),
                  key=lambda frame: frame[0])


@e2e.skip_unless_binary
class PcapModeTest(e2e.WorkdirTestCase):

    def rules(self, text, classification=None):
        """Writes a rules file (and a classification.config beside it if given)."""
        directory = os.path.join(self.tmp, "rules")
        os.makedirs(directory, exist_ok=True)
        if classification is not None:
            e2e.write_text(directory, "classification.config", classification)
        return e2e.write_text(directory, "test.rules", text)

    def run_capture(self, frames, linktype=e2e.DLT_EN10MB, rules_text=TEST_RULE,
                    pcapng=False, **kwargs):
        path = os.path.join(self.tmp, "input.pcapng" if pcapng else "input.pcap")
        (e2e.write_pcapng if pcapng else e2e.write_pcap)(path, linktype, frames)
        rules = kwargs.pop("rules", None) or self.rules(rules_text)
        result = e2e.run_dp(self.tmp, path, rules, **kwargs)
        self.assertEveValid(result)
        return result

    def assertEveValid(self, result):
        schema_path = e2e.shared_path("eve", "schema.json")
        if not os.path.exists(schema_path) or not result.eve_lines:
            return
        import jsonschema
        with open(schema_path) as f:
            schema = json.load(f)
        validator_class = jsonschema.validators.validator_for(
            schema, default=jsonschema.Draft202012Validator)
        validator = validator_class(schema)
        for number, line in enumerate(result.eve_lines, 1):
            errors = sorted(validator.iter_errors(json.loads(line)), key=lambda e: e.path)
            self.assertFalse(errors, "EVE line %d fails the schema: %s\n%s" % (
                number, errors[0].message if errors else "", line))

    def assertAllPacketsProcessed(self, result, expected):
        self.assertRunOk(result)
        self.assertEqual(result.stats.get("packets_read"), expected, result.stats)
        self.assertEqual(result.stats.get("packets_processed"), expected, result.stats)

    # ---- link types and capture formats

    def test_every_packet_processed_for_each_link_type(self):
        cases = [("ethernet", e2e.DLT_EN10MB, True), ("raw IP", e2e.DLT_RAW, True),
                 ("linux SLL", e2e.DLT_LINUX_SLL, True), ("linux SLL2", e2e.DLT_LINUX_SLL2, True),
                 ("BSD NULL", e2e.DLT_NULL, False)]
        for name, dlt, with_v6 in cases:
            with self.subTest(link=name):
                frames = link_frames(dlt, mixed_ipv4())
                if with_v6:
                    frames += link_frames(dlt, mixed_ipv6(), ipv6=True)
                result = self.run_capture(frames, dlt)
                self.assertAllPacketsProcessed(result, len(frames))

    def test_pcapng_capture_is_read(self):
        frames = link_frames(e2e.DLT_EN10MB, mixed_ipv4() + tcp_session())
        result = self.run_capture(frames, pcapng=True)
        self.assertAllPacketsProcessed(result, len(frames))
        self.assertEqual(len(result.alerts()), 1, result.eve_lines)

    def test_unsupported_link_type_is_counted_not_fatal(self):
        frames = [(T0 + i, b"\x01\x02\x03\x04" * 10) for i in range(3)]
        result = self.run_capture(frames, e2e.DLT_USER0)
        self.assertRunOk(result)
        self.assertEqual(result.stats.get("packets_read"), 3, result.stats)
        self.assertEqual(e2e.unsupported_count(result.stats), 3,
                         "decode.unsupported_link should count every frame: %s" % result.stats)
        processed = result.stats.get("packets_processed")
        self.assertIn(processed, (0, 3), result.stats)

    def test_jumbo_frame_is_processed_whole(self):
        big = IP(src=CLIENT, dst=SERVER) / UDP(sport=9, dport=9) / (b"x" * 8950 + b"JUMBO-END")
        frames = link_frames(e2e.DLT_EN10MB, mixed_ipv4() + [(T0 + 5, bytes(big))])
        self.assertGreaterEqual(len(frames[-1][1]), 9000)
        result = self.run_capture(frames, rules_text=(
            'alert udp any any -> any any (msg:"jumbo tail"; content:"JUMBO-END"; sid:10;)\n'))
        self.assertAllPacketsProcessed(result, len(frames))
        alerts = result.alerts()
        self.assertEqual([a["alert"]["signature_id"] for a in alerts], [10], result.eve_lines)
        self.assertEqual(alerts[0]["pcap_cnt"], len(frames))

    # ---- the alert record

    def test_alert_has_exact_fields(self):
        rules = self.rules(TEST_RULE, classification=SURICATA_TROJAN_CLASS)
        frames = link_frames(e2e.DLT_EN10MB, tcp_session())
        result = self.run_capture(frames, rules=rules)
        self.assertAllPacketsProcessed(result, len(frames))
        alerts = result.alerts()
        self.assertEqual(len(alerts), 1, result.eve_lines)
        a = alerts[0]
        self.assertEqual(a["timestamp"], "2024-01-31T12:00:00.123456+0000")
        self.assertEqual(a["event_type"], "alert")
        self.assertEqual((a["src_ip"], a["src_port"], a["dest_ip"], a["dest_port"]),
                         (CLIENT, 40000, SERVER, 80))
        self.assertEqual(a["proto"], "TCP")
        self.assertEqual(a["pcap_cnt"], 4)
        self.assertIsInstance(a["flow_id"], int)
        self.assertEqual(a["alert"]["action"], "allowed")
        self.assertEqual(a["alert"]["gid"], 1)
        self.assertEqual(a["alert"]["signature_id"], 1)
        self.assertEqual(a["alert"]["rev"], 2)
        self.assertEqual(a["alert"]["signature"], "test")
        self.assertEqual(a["alert"]["category"], "A Network Trojan was detected")
        self.assertEqual(a["alert"]["severity"], 1)
        self.assertEqual(result.stats.get("alerts"), 1, result.stats)

    def test_every_record_has_a_well_formed_timestamp(self):
        frames = link_frames(e2e.DLT_EN10MB, tcp_session() + mixed_ipv4())
        result = self.run_capture(frames)
        self.assertRunOk(result)
        self.assertTrue(result.eve, "no EVE records at all")
        for record in result.eve:
            self.assertRegex(record.get("timestamp", ""), TIMESTAMP_RE, record)

    def test_flow_id_is_shared_by_all_records_of_a_flow(self):
        rules_text = TEST_RULE + ('alert tcp any 80 -> any any (msg:"server ack"; '
                                  'flow:to_client; sid:5;)\n')
        frames = link_frames(e2e.DLT_EN10MB, tcp_session() + tcp_session(sport=40001, start=T0 + 1))
        result = self.run_capture(frames, rules_text=rules_text)
        self.assertRunOk(result)
        by_port = {}
        for record in result.eve:
            if "flow_id" not in record or record.get("proto") != "TCP":
                continue
            client_port = record["src_port"] if record["src_port"] != 80 else record["dest_port"]
            by_port.setdefault(client_port, set()).add(record["flow_id"])
        self.assertEqual(sorted(by_port), [40000, 40001], result.eve_lines)
        for port, ids in by_port.items():
            self.assertEqual(len(ids), 1, "flow on port %d has flow_ids %s" % (port, ids))
        self.assertNotEqual(by_port[40000], by_port[40001])

    def test_bundled_classification_is_used_when_none_is_beside_the_rules(self):
        bundled = bundled_classification("trojan-activity")
        if bundled is None:
            self.skipTest("%s has no trojan-activity" % BUNDLED_CLASSIFICATION)
        frames = link_frames(e2e.DLT_EN10MB, tcp_session())
        result = self.run_capture(frames)
        self.assertRunOk(result)
        alerts = result.alerts()
        self.assertEqual(len(alerts), 1, result.eve_lines)
        self.assertEqual((alerts[0]["alert"]["category"], alerts[0]["alert"]["severity"]),
                         bundled, result.stderr)

    def test_classification_beside_the_rules_sets_category_and_severity(self):
        rules = self.rules(TEST_RULE, classification=(
            "config classification: trojan-activity,Rampart Test Category,3\n"))
        frames = link_frames(e2e.DLT_EN10MB, tcp_session())
        result = self.run_capture(frames, rules=rules)
        self.assertRunOk(result)
        alerts = result.alerts()
        self.assertEqual(len(alerts), 1, result.eve_lines)
        self.assertEqual(alerts[0]["alert"]["category"], "Rampart Test Category")
        self.assertEqual(alerts[0]["alert"]["severity"], 3)

    def test_drop_rule_blocks_only_with_simulate_ips(self):
        rule = TEST_RULE.replace("alert tcp", "drop tcp")
        frames = link_frames(e2e.DLT_EN10MB, tcp_session())
        for ips, action in ((False, "allowed"), (True, "blocked")):
            with self.subTest(simulate_ips=ips):
                result = self.run_capture(frames, rules_text=rule, simulate_ips=ips)
                self.assertRunOk(result)
                alerts = result.alerts()
                self.assertEqual(len(alerts), 1, result.eve_lines)
                self.assertEqual(alerts[0]["alert"]["action"], action)

    def test_protocol_names_for_udp_icmp_and_ipv6_icmp(self):
        rules_text = (
            'alert udp any any -> any any (msg:"udp"; content:"udpmark"; sid:20;)\n'
            'alert icmp any any -> any any (msg:"icmp"; content:"icmpmark"; sid:21;)\n'
            'alert icmp any any -> any any (msg:"icmp6"; content:"icmp6mark"; sid:22;)\n')
        frames = link_frames(e2e.DLT_EN10MB, mixed_ipv4()) + \
            link_frames(e2e.DLT_EN10MB, mixed_ipv6(), ipv6=True)  # IPv6 ones are later
        result = self.run_capture(frames, rules_text=rules_text)
        self.assertAllPacketsProcessed(result, len(frames))
        protos = {}
        for a in result.alerts():
            protos.setdefault(a["alert"]["signature_id"], set()).add(a["proto"])
        self.assertEqual(protos.get(20), {"UDP"}, result.eve_lines)
        self.assertEqual(protos.get(21), {"ICMP"}, result.eve_lines)
        self.assertEqual(protos.get(22), {"IPv6-ICMP"}, result.eve_lines)


if __name__ == "__main__":
    unittest.main(verbosity=2)
