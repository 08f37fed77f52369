"""Shared helpers for Rampart's offline end-to-end tests (tests/e2e).

How to run (Debian's /usr/bin/python3 has scapy, yaml and jsonschema):
  /usr/bin/python3 -m unittest discover -s tests/e2e -v       # all e2e modules
  /usr/bin/python3 -m unittest tests.e2e.test_pcap_mode -v    # one module, from the repo root
  RAMPART_DP=build-x/dataplane/dpdk/rampart-dp ...            # choose the binary
  RAMPART_EAL_ARGS="--no-huge -m 512"                          # extra EAL args after `--`
  RAMPART_FULL=1                                               # robustness: every capture
Tests skip (unittest skip, with the reason) when the binary or ../shared is missing.

This module owns: locating the binary and ../shared, writing captures of any
link type (classic pcap and pcapng, written by hand so the link type and
timestamps are exactly what a test says), running rampart-dp and reading
back its EVE records and --stats object.
"""

import json
import os
import shlex
import struct
import subprocess
import tempfile
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))
DEFAULT_BINARY = os.path.join(REPO_ROOT, "build", "dataplane", "dpdk", "rampart-dp")

# pcap link types (LINKTYPE_* values as written in capture files)
DLT_NULL = 0
DLT_EN10MB = 1
DLT_RAW = 101
DLT_LINUX_SLL = 113
DLT_LINUX_SLL2 = 276
DLT_USER0 = 147          # a link type no IDS decodes: must be counted, not crash

RUN_TIMEOUT = float(os.environ.get("RAMPART_E2E_TIMEOUT", "120"))


def binary_path():
    """Absolute, because runs use a temporary directory as cwd."""
    return os.path.abspath(os.environ.get("RAMPART_DP") or DEFAULT_BINARY)


def skip_unless_binary(test_item):
    """Decorator: skip when rampart-dp has not been built."""
    path = binary_path()
    return unittest.skipUnless(os.access(path, os.X_OK),
                               "rampart-dp not found at %s (build it or set RAMPART_DP)" % path)(test_item)


def skip_unless_shared(*parts):
    """Decorator: skip when ../shared/data/<parts> is absent (a fresh clone)."""
    path = os.path.join(SHARED_DATA, *parts)
    return unittest.skipUnless(os.path.exists(path), "%s not found (../shared is absent)" % path)


def shared_path(*parts):
    return os.path.join(SHARED_DATA, *parts)


# ---------------------------------------------------------------- captures

def write_pcap(path, linktype, frames, snaplen=262144):
    """Classic little-endian microsecond pcap.  frames: [(seconds_float, bytes)]."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for ts, data in frames:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def _pcapng_block(block_type, body):
    body += b"\0" * ((4 - len(body) % 4) % 4)
    total = len(body) + 12
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def write_pcapng(path, linktype, frames, snaplen=262144):
    """Minimal pcapng: section header, one interface (microsecond resolution), EPBs."""
    with open(path, "wb") as f:
        f.write(_pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(_pcapng_block(0x00000001, struct.pack("<HHI", linktype, 0, snaplen)))
        for ts, data in frames:
            stamp = int(round(ts * 1e6))
            f.write(_pcapng_block(0x00000006, struct.pack(
                "<IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF, len(data), len(data)) + data))


def frame_for_link(linktype, ip_bytes, ipv6=False):
    """Wraps an IP packet in the link header of `linktype`."""
    proto = 0x86DD if ipv6 else 0x0800
    if linktype == DLT_EN10MB:
        return b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + struct.pack("!H", proto) + ip_bytes
    if linktype == DLT_RAW:
        return ip_bytes
    if linktype == DLT_LINUX_SLL:
        # packet type 0 (to us), ARPHRD_ETHER, 6-byte address padded to 8, protocol
        return struct.pack("!HHH8sH", 0, 1, 6, b"\x66\x77\x88\x99\xaa\xbb", proto) + ip_bytes
    if linktype == DLT_LINUX_SLL2:
        return struct.pack("!HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\x66\x77\x88\x99\xaa\xbb") + ip_bytes
    if linktype == DLT_NULL:
        # host-order address family: AF_INET is 2 everywhere; AF_INET6 differs
        # between BSDs (24, 28, 30), so tests send IPv4 only on this link type
        return struct.pack("<I", 30 if ipv6 else 2) + ip_bytes
    return ip_bytes


def count_pcap_packets(path):
    """Packets in a capture (pcap or pcapng), counted with scapy's raw reader."""
    from scapy.utils import RawPcapReader  # opens pcapng too
    count = 0
    reader = RawPcapReader(path)
    try:
        for _ in reader:
            count += 1
    finally:
        reader.close()
    return count


# ---------------------------------------------------------------- running

class RunResult:
    """One rampart-dp run: exit status, stderr, parsed stats and EVE records."""

    def __init__(self, proc, eve_path, stats_path):
        self.returncode = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.eve_lines = []
        self.eve = []
        if eve_path and os.path.exists(eve_path):
            with open(eve_path, encoding="utf-8", errors="replace") as f:
                self.eve_lines = [line for line in f.read().splitlines() if line.strip()]
            self.eve = [json.loads(line) for line in self.eve_lines]
        self.stats = None
        self.stats_error = None
        if stats_path and os.path.exists(stats_path):
            with open(stats_path) as f:
                text = f.read()
            try:
                self.stats = json.loads(text)
            except ValueError as err:
                self.stats_error = "--stats file is not JSON (%s): %r" % (err, text[:200])

    def alerts(self):
        return [r for r in self.eve if r.get("event_type") == "alert"]

    def describe(self):
        text = "exit %d; stderr: %s" % (self.returncode, self.stderr.strip()[-600:])
        if self.stats_error:
            text += "; " + self.stats_error
        return text


def eal_args():
    extra = os.environ.get("RAMPART_EAL_ARGS", "")
    return ["--"] + shlex.split(extra) if extra else []


def run_dp(workdir, pcap, rules, extra=(), simulate_ips=False, config=None,
           variables=(), with_stats=True, with_eve=True, timeout=RUN_TIMEOUT):
    """Runs rampart-dp on `pcap` with the given rules path(s), in TZ=UTC."""
    eve = os.path.join(workdir, "eve.json") if with_eve else None
    stats = os.path.join(workdir, "stats.json") if with_stats else None
    if os.path.exists(os.path.join(workdir, "stats.json")):
        os.unlink(os.path.join(workdir, "stats.json"))
    cmd = [binary_path(), "--pcap", pcap]
    for path in ([rules] if isinstance(rules, str) else rules):
        cmd += ["--rules", path]
    if eve:
        cmd += ["--eve", eve]
    if stats:
        cmd += ["--stats", stats]
    if simulate_ips:
        cmd.append("--simulate-ips")
    if config:
        cmd += ["--config", config]
    for var in variables:
        cmd += ["--var", var]
    cmd += list(extra)
    cmd += eal_args()
    env = dict(os.environ, TZ="UTC")
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    proc = subprocess.run(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)
    return RunResult(proc, eve, stats)


def write_text(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class WorkdirTestCase(unittest.TestCase):
    """A test case with a fresh temporary directory per test (self.tmp)."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="rampart-e2e-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def assertRunOk(self, result):
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertIsNotNone(result.stats, "no --stats file written; " + result.describe())


def unsupported_count(stats):
    """Packets the decoder counted as an unsupported link type."""
    decode = stats.get("decode") or {}
    return max(int(decode.get("unsupported_link", 0)), int(stats.get("link_unsupported", 0)))


def accounted_packets(stats):
    """packets_processed, plus unsupported-link packets when they are not in it."""
    return stats.get("packets_processed", 0) + unsupported_count(stats)
