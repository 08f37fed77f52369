"""Real captures through rampart-dp with ET Open 2024: no crash, every packet accounted.

Run: /usr/bin/python3 -m unittest discover -s tests/e2e -v   (see rampart_e2e.py).

The sample is FIXED so results compare between runs: all capture files
(*.pcap, *.pcapng, *.cap) under ../shared/data/pcaps/ndpi and
../shared/data/suricata-verify/tests, sorted by their path relative to
../shared/data, and of those every 10th (positions 0, 10, 20, ...).  That is
138 of the 1,375 captures present today.  RAMPART_FULL=1 runs every capture
(the separate "run everything" command).

For each capture: rampart-dp --pcap F --rules ../shared/data/rules/et-open-2024
exits 0 with no sanitizer "runtime error:" on stderr, reads as many packets
as libpcap does (the same library net_pcap uses), and packets_processed
(+ decode.unsupported_link when those are not in it) equals that number.
Each capture is its own generated test method.
Runs go in parallel (RAMPART_E2E_JOBS, default nproc); each method waits
for its own run.  Per-capture limit: RAMPART_ROBUSTNESS_TIMEOUT (600 s).
"""

import concurrent.futures
import ctypes
import ctypes.util
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rampart_e2e as e2e  # noqa: E402

CAPTURE_DIRS = [os.path.join("pcaps", "ndpi"), os.path.join("suricata-verify", "tests")]
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")
SAMPLE_EVERY = 10
RULES = e2e.shared_path("rules", "et-open-2024")
TIMEOUT = float(os.environ.get("RAMPART_ROBUSTNESS_TIMEOUT", "600"))
JOBS = int(os.environ.get("RAMPART_E2E_JOBS", str(len(os.sched_getaffinity(0)))))


def all_captures():
    """Every capture under CAPTURE_DIRS, as paths relative to ../shared/data, sorted."""
    found = []
    for top in CAPTURE_DIRS:
        for dirpath, _, filenames in os.walk(os.path.join(e2e.SHARED_DATA, top)):
            for name in filenames:
                if name.endswith(CAPTURE_SUFFIXES):
                    found.append(os.path.relpath(os.path.join(dirpath, name), e2e.SHARED_DATA))
    return sorted(found)


def selected_captures():
    captures = all_captures()
    if os.environ.get("RAMPART_FULL") == "1":
        return captures
    return captures[::SAMPLE_EVERY]


class _PcapPkthdr(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long),
                ("caplen", ctypes.c_uint32), ("len", ctypes.c_uint32)]


def count_packets(path):
    """Packets libpcap reads from `path` before its end or first error."""
    lib_name = ctypes.util.find_library("pcap")
    if not lib_name:
        return e2e.count_pcap_packets(path)
    lib = ctypes.CDLL(lib_name)
    lib.pcap_open_offline.restype = ctypes.c_void_p
    lib.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(_PcapPkthdr)),
                                 ctypes.POINTER(ctypes.c_void_p)]
    lib.pcap_close.argtypes = [ctypes.c_void_p]
    errbuf = ctypes.create_string_buffer(512)
    handle = lib.pcap_open_offline(path.encode(), errbuf)
    if not handle:
        return None
    header = ctypes.POINTER(_PcapPkthdr)()
    data = ctypes.c_void_p()
    count = 0
    try:
        while lib.pcap_next_ex(handle, ctypes.byref(header), ctypes.byref(data)) == 1:
            count += 1
    finally:
        lib.pcap_close(handle)
    return count


def run_capture(relpath):
    """Runs one capture; returns (expected_packets, RunResult or error string)."""
    path = os.path.join(e2e.SHARED_DATA, relpath)
    expected = count_packets(path)
    with tempfile.TemporaryDirectory(prefix="rampart-robust-") as tmp:
        try:
            result = e2e.run_dp(tmp, path, RULES, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return expected, "timed out after %.0f s" % TIMEOUT
    return expected, result


@e2e.skip_unless_binary
@e2e.skip_unless_shared("rules", "et-open-2024")
class RobustnessTest(unittest.TestCase):
    """One generated test_<n>_<capture> method per capture of the sample."""

    _pool = None
    _futures = {}

    @classmethod
    def setUpClass(cls):
        cls._pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, JOBS))
        cls._futures = {}

    @classmethod
    def tearDownClass(cls):
        cls._pool.shutdown(wait=True, cancel_futures=True)

    @classmethod
    def _future(cls, relpath):
        # Submit every capture on the first request so runs overlap, in order.
        if not cls._futures:
            for capture in selected_captures():
                cls._futures[capture] = cls._pool.submit(run_capture, capture)
        if relpath not in cls._futures:
            cls._futures[relpath] = cls._pool.submit(run_capture, relpath)
        return cls._futures[relpath]

    def test_sample_is_not_empty(self):
        captures = selected_captures()
        self.assertGreater(len(captures), 0, "no captures under %s" % e2e.SHARED_DATA)

    def check_capture(self, relpath):
        expected, result = self._future(relpath).result()
        if expected is None:
            self.skipTest("libpcap cannot open %s" % relpath)
        self.assertNotIsInstance(result, str, "%s: %s" % (relpath, result))
        self.assertEqual(result.returncode, 0, "%s: %s" % (relpath, result.describe()))
        # A sanitized build reports undefined behaviour without failing the run.
        self.assertNotIn("runtime error:", result.stderr, relpath)
        self.assertIsNotNone(result.stats, "%s: no --stats written" % relpath)
        self.assertEqual(result.stats.get("packets_read"), expected,
                         "%s: packets_read vs libpcap; stats %s" % (relpath, result.stats))
        processed = result.stats.get("packets_processed", 0)
        self.assertIn(expected, (processed, e2e.accounted_packets(result.stats)),
                      "%s: %d packets in file, stats %s" % (relpath, expected, result.stats))


def _method_name(index, relpath):
    slug = re.sub(r"[^A-Za-z0-9]+", "_", relpath).strip("_")
    return "test_%04d_%s" % (index, slug)


def _add_capture_methods():
    if not os.path.isdir(e2e.SHARED_DATA):
        return
    for index, relpath in enumerate(selected_captures()):
        def method(self, relpath=relpath):
            self.check_capture(relpath)
        method.__doc__ = None
        setattr(RobustnessTest, _method_name(index, relpath), method)


_add_capture_methods()


if __name__ == "__main__":
    unittest.main(verbosity=2)
