#!/usr/bin/python3
"""Run Rampart's whole test suite against one build directory and count cases.

Usage: tests/run.py --build BUILD_DIR [--suite unit,e2e,compat,fuzz] [--fuzz-seconds N]

Suites, each counted per test case:
  unit    every cmocka executable registered with meson (suite 'unit'), run with
          TAP output: one case per cmocka test.
  e2e     python unittest modules under tests/e2e (the real rampart-dp on
          captures made at test time): one case per test method / subTest.
  compat  the committed suricata-verify regression list (tests/compat/passing.txt):
          one case per suricata-verify test.
  fuzz    each libFuzzer target under tests/fuzz for a short smoke run: one case
          per target.

The last line printed is `N passed, N failed` (plus `, N skipped`), and the exit
status is non-zero exactly when a case failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sanitizer reports must fail the run, not scroll past.
SAN_ENV = {
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
    "ASAN_OPTIONS": "abort_on_error=0:detect_leaks=1:halt_on_error=1",
}

TAP_LINE = re.compile(r"^(not ok|ok)\s+\d+\s*-?\s*(.*?)(\s+#\s*(SKIP|skip).*)?$")


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def add(self, suite, name, outcome, detail=""):
        if outcome == "pass":
            self.passed += 1
        elif outcome == "skip":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(f"{suite}: {name} {detail}".rstrip())


def env_with(extra=None):
    env = dict(os.environ)
    for k, v in SAN_ENV.items():
        env.setdefault(k, v)
    if extra:
        env.update(extra)
    return env


def parse_tap(text, suite, prefix, tally):
    seen = 0
    for line in text.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            continue
        seen += 1
        name = f"{prefix}:{m.group(2)}"
        if m.group(4):
            tally.add(suite, name, "skip")
        elif m.group(1) == "ok":
            tally.add(suite, name, "pass")
        else:
            tally.add(suite, name, "fail")
    return seen


def run_unit(build, tally):
    out = subprocess.run(["meson", "introspect", "--tests", build], capture_output=True, text=True)
    if out.returncode != 0:
        tally.add("unit", "meson introspect", "fail", out.stderr.strip())
        return
    tests = [t for t in json.loads(out.stdout) if "unit" in t.get("suite", []) or
             any(s.endswith(":unit") for s in t.get("suite", []))]
    for t in sorted(tests, key=lambda t: t["name"]):
        env = env_with({"CMOCKA_MESSAGE_OUTPUT": "TAP"})
        env.update(t.get("env") or {})
        t0 = time.time()
        try:
            p = subprocess.run(t["cmd"], capture_output=True, text=True, env=env,
                               cwd=t.get("workdir") or ROOT, timeout=600)
            text, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            text, rc = "", -1
        seen = parse_tap(text, "unit", t["name"], tally)
        if rc != 0 and (seen == 0 or "ERROR: AddressSanitizer" in text or "runtime error" in text):
            # A crash or sanitizer report outside a counted case is a failure of its own.
            tail = "\n".join(text.splitlines()[-15:])
            tally.add("unit", t["name"], "fail", f"(exit {rc})\n{tail}")
        print(f"  unit {t['name']}: {seen} cases, exit {rc}, {time.time() - t0:.1f}s", flush=True)


UNITTEST_RESULT = re.compile(r"^(test\w*) \(([\w.]+)\)(?: \[(.*?)\])?(?: \(.*\))? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$")


def run_e2e(build, tally):
    run_unittest_dir(build, tally, "e2e", os.path.join(ROOT, "tests", "e2e"))


def run_unittest_dir(build, tally, suite, e2e):
    if not os.path.isdir(e2e):
        return
    env = env_with({"RAMPART_DP": os.path.join(build, "dataplane", "dpdk", "rampart-dp"),
                    "RAMPART_BUILD": build, "PYTHONPATH": ROOT})
    p = subprocess.run(["/usr/bin/python3", "-m", "unittest", "discover", "-s", e2e, "-t", ROOT, "-v"],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    text = p.stdout + p.stderr
    seen = 0
    sub_fail = set()
    # unittest prints subTest failures as "FAIL: test_x (mod.Class) [params]" blocks.
    for m in re.finditer(r"^(FAIL|ERROR): (test\w*) \(([\w.]+)\)(?: \((.*?)\))?", text, re.M):
        sub_fail.add((m.group(2), m.group(3), m.group(4)))
    for line in text.splitlines():
        m = UNITTEST_RESULT.match(line.strip())
        if not m:
            continue
        seen += 1
        name = f"{m.group(2)}.{m.group(1)}"
        res = m.group(4)
        if res == "ok" or res == "expected failure":
            tally.add(suite, name, "pass")
        elif res.startswith("skipped"):
            tally.add(suite, name, "skip")
        else:
            tally.add(suite, name, "fail")
    # Cases reported only as failure blocks (subTests inside a passing-looking line).
    for (meth, cls, params) in sorted(sub_fail, key=str):
        if params:
            seen += 1
            tally.add(suite, f"{cls}.{meth} ({params})", "fail")
    if p.returncode != 0:
        print("\n".join(text.splitlines()[-60:]))
    if seen == 0 and p.returncode != 0:
        tally.add(suite, "unittest discover", "fail", f"exit {p.returncode}")
    print(f"  {suite}: {seen} cases, exit {p.returncode}", flush=True)


def run_compat(build, tally):
    # The runner's own check language and scoring rules, then the regression list.
    run_unittest_dir(build, tally, "compat-selftest", os.path.join(ROOT, "tests", "compat"))
    runner = os.path.join(ROOT, "tests", "compat", "run_compat.py")
    plist = os.path.join(ROOT, "tests", "compat", "passing.txt")
    if not (os.path.exists(runner) and os.path.exists(plist)):
        return
    if not os.path.isdir(os.path.join(ROOT, "..", "shared", "data", "suricata-verify")):
        print("  compat: ../shared/data/suricata-verify absent, skipped")
        return
    env = env_with({"RAMPART_DP": os.path.join(build, "dataplane", "dpdk", "rampart-dp")})
    p = subprocess.run(["/usr/bin/python3", runner, "--check-regressions", plist],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    seen = parse_tap(p.stdout, "compat", "sv", tally)
    if p.returncode != 0:
        print("\n".join([l for l in p.stdout.splitlines() if l.startswith("not ok")][:40]))
        print(p.stderr[-3000:])
    if seen == 0 and p.returncode != 0:
        tally.add("compat", "run_compat", "fail", f"exit {p.returncode}")
    print(f"  compat: {seen} cases, exit {p.returncode}", flush=True)


def _mmdb_encode(v):
    """One value in MaxMind DB's data section encoding (the types the
    metadata and country records use)."""
    import struct
    def ctrl(t, payload):
        n = len(payload) if t not in (7, 11) else v_len
        if n < 29:
            size = bytes([n])
            sb = b""
        elif n < 29 + 256:
            size, sb = bytes([29]), bytes([n - 29])
        else:
            size, sb = bytes([30]), (n - 285).to_bytes(2, "big")
        if t <= 7:
            return bytes([(t << 5) | size[0]]) + sb + payload
        return bytes([size[0], t - 7]) + sb + payload
    if isinstance(v, dict):
        v_len = len(v)
        return ctrl(7, b"".join(_mmdb_encode(k) + _mmdb_encode(x) for k, x in v.items()))
    if isinstance(v, list):
        v_len = len(v)
        return ctrl(11, b"".join(_mmdb_encode(x) for x in v))
    v_len = 0
    if isinstance(v, str):
        return ctrl(2, v.encode())
    if isinstance(v, tuple):  # ("u16"|"u32"|"u64", n)
        kind, n = v
        t = {"u16": 5, "u32": 6, "u64": 9}[kind]
        return ctrl(t, n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")
    raise TypeError(v)


def _mmdb_file(ip_version, networks, top_level_country=True):
    """A small .mmdb (record size 24) mapping networks [("10.0.0.0", 8, "US")]
    to {"country_code": CC} (or GeoLite2's {"country": {"iso_code": CC}})."""
    import ipaddress
    width = 32 if ip_version == 4 else 128
    data, offsets = b"", {}
    for _net, _plen, cc in networks:
        if cc not in offsets:
            offsets[cc] = len(data)
            rec = {"country_code": cc} if top_level_country else {"country": {"iso_code": cc}}
            data += _mmdb_encode(rec)
    # binary trie: node = [left, right], leaf = ("data", cc)
    root = [None, None]
    for net, plen, cc in networks:
        a = int(ipaddress.ip_address(net))
        if ip_version == 6 and ipaddress.ip_address(net).version == 4:
            a, plen = a, plen + 96
        node = root
        for d in range(plen):
            bit = (a >> (width - 1 - d)) & 1
            if d == plen - 1:
                node[bit] = ("data", cc)
            else:
                if not isinstance(node[bit], list):
                    node[bit] = [None, None]
                node = node[bit]
    nodes, queue = [], [root]
    while queue:
        n = queue.pop(0)
        nodes.append(n)
        queue += [c for c in n if isinstance(c, list)]
    index = {id(n): i for i, n in enumerate(nodes)}
    count = len(nodes)
    tree = b""
    for n in nodes:
        for c in n:
            if c is None:
                r = count
            elif isinstance(c, list):
                r = index[id(c)]
            else:
                r = count + 16 + offsets[c[1]]
            tree += r.to_bytes(3, "big")
    meta = {"binary_format_major_version": ("u16", 2), "binary_format_minor_version": ("u16", 0),
            "build_epoch": ("u64", 1700000000), "database_type": "rampart-fuzz",
            "description": {"en": "fuzz seed"}, "ip_version": ("u16", ip_version),
            "languages": ["en"], "node_count": ("u32", count), "record_size": ("u16", 24)}
    return tree + b"\x00" * 16 + data + b"\xab\xcd\xefMaxMind.com" + _mmdb_encode(meta)


# Seeds of the control-plane targets (issue 4): small valid inputs in each
# target's own input format (see the header comment of tests/fuzz/fuzz_NAME.c).
FUZZ_TEXT_SEEDS = {
    # byte 0: entry point (0 plain, 1 with $VARs, 2 embedded after the rules)
    "threshold_config": [
        b"\x00suppress gen_id 1, sig_id 1\n",
        b"\x00suppress gen_id 1, sig_id 2, track by_src, ip 10.0.0.0/8\n"
        b"threshold gen_id 1, sig_id 3, type limit, track by_src, count 1, seconds 60\n",
        b"\x01suppress gen_id 1, sig_id 4, track by_either, ip [$HOME_NET,!10.1.2.3]\n"
        b"event_filter gen_id 0, sig_id 0, type both, track by_dst, count 2, seconds 30\n",
        b"\x02# comment\n\nthreshold gen_id 1, sig_id 5, type threshold, \\\n"
        b"  track by_rule, count 10, seconds 1\n"
        b"rate_filter gen_id 1, sig_id 1, track by_rule, count 5, seconds 1, new_action drop, timeout 10\n",
    ],
    # categories "\n--\n" reputation; or reputation alone (default categories)
    "iprep": [
        b"1,BadHosts,Known bad hosts\n2,Google,Known google host\n--\n"
        b"1.2.3.4,1,101\n1.1.1.1,2,98\n# comment\n10.0.0.0/8,1,50\n10.1.0.0/16,1,120\n"
        b"2001:db8::/32,2,127\n2001:db8::1,2,3\n",
        b"192.0.2.0/24,3,90\n192.0.2.128/25,3,10\n0.0.0.0/0,1,1\n::/0,2,2\nbad line\n300.1.1.1,1,5\n",
    ],
    # flags, cap u16, head u64, tail u64, n u8, n head steps u64, [24 header bytes], data area
    "export_ring": [
        b"\x00\x00\x01" + (56).to_bytes(8, "little") + (0).to_bytes(8, "little") + b"\x01"
        + (56).to_bytes(8, "little") + (24).to_bytes(4, "little") + b"\x00\x00\x00\x00" + b"\x00" * 24
        + b'{"event_type":"alert"}\x00\x00' + (24).to_bytes(4, "little") + b"\x01\x00\x00\x00"
        + b"\x00" * 24 + b'{"event_type":"drop"}\x00\x00\x00',
        b"\x02\x40\x00" + (40).to_bytes(8, "little") + (4096 - 16).to_bytes(8, "little") + b"\x00"
        + b"\x00" * (4096 - 16) + (8).to_bytes(4, "little") + b"\x01\x02\x03\x00" + b"\x07" * 8,
    ],
    # byte 0: bit 7 = attach (byte0 & 7) % 7 descriptors; then one message
    "link_msg": [
        b"\x00" + b'{"type":"hello","role":"dataplane","pid":42,"workers":2,'
        b'"ports":[{"id":0,"name":"veth-a"}],"running":{"generation":1,"rules_sha256":null,"policy_version":null}}',
        b"\x81" + b'{"type":"load","generation":3,"rules_sha256":"00ff","policy_version":2}',
        b"\x00" + b'{"type":"command","argv":["policy","add","--name","x","--action","deny"]}',
        b"\x86" + b'{"type":"stats","id":7}',
        b"\x00" + b'{"type":"load-result","generation":3,"ok":false,"error":"one line"}',
    ],
    "daemon_config": [
        b"rampartd:\n  socket: /tmp/x.sock\n  socket-group: rampart\n  state-dir: /tmp/state\n"
        b"  audit-log: /tmp/audit.log\ndefault-rule-path: /tmp/rules\nrule-files: [a.rules, /abs/b.rules]\n"
        b"classification-file: /tmp/c.config\nthreshold-file: /tmp/t.config\n"
        b"outputs:\n  eve: { enabled: yes, filename: /tmp/eve.json }\n"
        b"  syslog: { enabled: no, server: 127.0.0.1, port: 514, transport: udp, facility: local5, ident: rampart }\n"
        b"  redis: { enabled: no, server: 127.0.0.1, port: 6379, mode: stream, key: rampart:eve, max-queue: 65536 }\n"
        b"metrics:\n  enabled: yes\n  listen: 127.0.0.1:9477\n"
        b"vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n",
        b"outputs:\n  syslog:\n    enabled: yes\n    transport: unix\n    path: /dev/log\n"
        b"  redis:\n    enabled: yes\n    socket: /tmp/redis.sock\n    mode: list\n    max-len: 10\n"
        b"metrics:\n  listen: \"[::1]:0\"\n  allow-remote: no\n",
    ],
    # first line: a comment holding an address for policy_cidr_normalize
    "policy_yaml": [
        b"# 10.0.0.1\nvars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n"
        b"geoip-database: /usr/share/rampart/geo.mmdb\nreputation-files: [a.list]\n"
        b"firewall:\n  default-action: allow\n  zones: { inside: [veth-a], outside: [veth-b] }\n"
        b"  address-sets:\n    bad-geo: { countries: [KP, RU] }\n"
        b"    bad-rep: { reputation: { category: BadHosts, min-score: 50 } }\n    mgmt: [\"10.0.0.0/8\"]\n"
        b"  rules:\n    - { name: ssh, action: deny, proto: tcp, dst-port: 22, src: \"@bad-geo\", log: yes }\n"
        b"    - name: \"quoted: name\"\n      action: allow\n      dst: \"2001:db8::/32\"\n",
    ],
}
# The keywords of issue 4 (fuzz_rule_parser loads reputation categories
# BadHosts/Spam/CnC and, with ../shared, the country database).
RULE_PARSER_EXTRA_SEEDS = [
    "alert ip any any -> any any (msg:\"geo\"; geoip:src,KP,RU; sid:9000001;)\n",
    "alert ip any any -> any any (msg:\"rep\"; iprep:both,BadHosts,>,30; sid:9000002;)\n",
    "drop ip any any -> any any (msg:\"rep\"; iprep:dst,Spam,=,120; geoip:any,US; sid:9000003;)\n",
]
FUZZ_FILE_SEEDS = {
    "daemon_config": ["firmware/rampart.yaml", "signatures/firewall/default-policy.yaml"],
    "policy_yaml": ["firmware/rampart.yaml", "signatures/firewall/default-policy.yaml"],
}


def make_seeds(build, target):
    """Seed corpus made at run time from real inputs (never committed):
    decode: the first frames of a few shared Ethernet captures (link byte 0);
    rule_parser: the bundled rules and every 50th ET Open 2024 rule;
    config: the bundled firewall policy; inline_frame: Ethernet frames as for decode;
    the control-plane targets: FUZZ_TEXT_SEEDS below plus the FUZZ_FILE_SEEDS files;
    geoip_db: small .mmdb files written by _mmdb_file."""
    seeds = os.path.join(build, "fuzz-seeds", target)
    if os.path.isdir(seeds):
        return seeds
    os.makedirs(seeds)
    shared = os.path.join(ROOT, "..", "shared", "data")
    n = 0
    if target == "rule_parser":
        rules = [os.path.join(ROOT, "signatures", "rules", f)
                 for f in sorted(os.listdir(os.path.join(ROOT, "signatures", "rules"))) if f.endswith(".rules")]
        et = os.path.join(shared, "rules", "et-open-2024")
        if os.path.isdir(et):
            rules += [os.path.join(et, f) for f in sorted(os.listdir(et)) if f.endswith(".rules")]
        i = 0
        for path in rules:
            with open(path, errors="replace") as f:
                for line in f:
                    if line.startswith(("alert", "drop", "reject", "pass")):
                        i += 1
                        if "/signatures/" in path or i % 50 == 0:
                            with open(os.path.join(seeds, f"r{n}"), "w") as o:
                                o.write(line)
                            n += 1
        for line in RULE_PARSER_EXTRA_SEEDS:
            with open(os.path.join(seeds, f"r{n}"), "w") as o:
                o.write(line)
            n += 1
    elif target == "config":
        with open(os.path.join(ROOT, "signatures", "firewall", "default-policy.yaml"), "rb") as f:
            samples = [f.read()]
        samples.append(b"vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n"
                       b"flow:\n  max-flows: 4096\n  timeouts: { new: 30, established: 300 }\n"
                       b"detect:\n  inspection-depth: 512kb\n  max-alerts-per-packet: 5\n"
                       b"dataplane:\n  workers: 2\n  distribution: software\n"
                       b"  failure-mode: fail-closed\n  watchdog-timeout-ms: 200\n")
        for data in samples:
            with open(os.path.join(seeds, f"c{n}"), "wb") as o:
                o.write(data)
            n += 1
    elif target in FUZZ_TEXT_SEEDS or target in FUZZ_FILE_SEEDS or target == "geoip_db":
        samples = list(FUZZ_TEXT_SEEDS.get(target, []))
        if target == "geoip_db":  # small databases in both record layouts
            samples.append(_mmdb_file(4, [("1.2.3.0", 24, "US"), ("10.0.0.0", 8, "DE"), ("128.0.0.0", 1, "RU")]))
            samples.append(_mmdb_file(6, [("1.2.3.0", 24, "US"), ("2001:db8::", 32, "KP"), ("8000::", 1, "DE")],
                                      top_level_country=False))
        for rel in FUZZ_FILE_SEEDS.get(target, []):
            path = os.path.join(ROOT, rel)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    samples.append(f.read())
        for data in samples:
            with open(os.path.join(seeds, f"s{n}"), "wb") as o:
                o.write(data)
            n += 1
    elif target in ("decode", "inline_frame"):
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import build_capture
        pdir = os.path.join(shared, "pcaps", "ndpi")
        names = sorted(os.listdir(pdir))[::25] if os.path.isdir(pdir) else []
        for name in names:
            with open(os.path.join(pdir, name), "rb") as f:
                data = f.read()
            reader = build_capture.read_pcapng if data[:4] == b"\x0a\x0d\x0d\x0a" else build_capture.read_pcap
            for k, (lt, _ts, frame) in enumerate(reader(name, data)):
                if k >= 20:
                    break
                eth = build_capture.to_ethernet(lt, frame)
                if eth:
                    with open(os.path.join(seeds, f"p{n}"), "wb") as o:
                        o.write(b"\x00" + eth if target == "decode" else eth)
                    n += 1
    return seeds


def run_fuzz(build, tally, seconds):
    fuzz_dir = os.path.join(build, "tests", "fuzz")
    if not os.path.isdir(fuzz_dir):
        print("  fuzz: not built (configure with -Dfuzz=true), skipped")
        return
    for name in sorted(os.listdir(fuzz_dir)):
        exe = os.path.join(fuzz_dir, name)
        if not (name.startswith("fuzz_") and os.access(exe, os.X_OK) and os.path.isfile(exe)):
            continue
        corpus = os.path.join(build, "fuzz-corpus", name)
        os.makedirs(corpus, exist_ok=True)
        seeds = make_seeds(build, name[len("fuzz_"):])
        args = [exe, f"-max_total_time={seconds}", "-timeout=25", "-rss_limit_mb=4096", "-print_final_stats=0", corpus]
        if os.path.isdir(seeds):
            args.append(seeds)
        p = subprocess.run(args, capture_output=True, text=True, env=env_with({"ASAN_OPTIONS": "detect_leaks=1"}))
        if p.returncode == 0:
            tally.add("fuzz", name, "pass")
        else:
            tally.add("fuzz", name, "fail", "\n".join(p.stderr.splitlines()[-25:]))
        print(f"  fuzz {name}: exit {p.returncode} after {seconds}s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--suite", default="unit,e2e,compat,fuzz")
    ap.add_argument("--fuzz-seconds", type=int, default=30)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    tally = Tally()
    suites = a.suite.split(",")
    t0 = time.time()
    for s in suites:
        print(f"== {s}", flush=True)
        if s == "unit":
            run_unit(build, tally)
        elif s == "e2e":
            run_e2e(build, tally)
        elif s == "compat":
            run_compat(build, tally)
        elif s == "fuzz":
            run_fuzz(build, tally, a.fuzz_seconds)
    if tally.failures:
        print("\nFailed cases:")
        for f in tally.failures:
            print("  " + f)
    print(f"\n(test suite took {time.time() - t0:.0f}s)")
    line = f"{tally.passed} passed, {tally.failed} failed"
    if tally.skipped:
        line += f", {tally.skipped} skipped"
    print(line)
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()
