"""rampart-dp --managed against a fake rampartd written here (no root, no lab).

The data plane forwards between two DPDK null ports (net_null: RX makes
frames, TX frees them), so traffic flows without a kernel interface. This
test plays rampartd's part of the protocol (ctrlplane/link/link.h) with
Python's SCM_RIGHTS and sealed memfds:
  - hello: role, workers, ports, running generation, one fd (the export ring);
  - load: ok with rules/timing/memory; the same sha again: rules_changed false;
  - a broken rule set: ok false with the reason; what runs keeps running;
  - stats: the --stats object, with forwarding and export counters;
  - the daemon closes the connection: rampart-dp re-attaches (new hello,
    same generation) while it keeps forwarding; SIGTERM exits 0.
ETOpenReload (RAMPART_MANAGED_ET=1 and ../shared present) loads ET Open 2024
twice (a rule removed the second time) and prints parse/compile/swap times.

The full daemon + data plane suite is test_ctrlplane*.py (real rampartd).
Binary: $RAMPART_DP, else build/dataplane/dpdk/rampart-dp.
"""

import array
import fcntl
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
RAMPART_DP = os.environ.get("RAMPART_DP", os.path.join(REPO_ROOT, "build", "dataplane", "dpdk", "rampart-dp"))
ET_OPEN = os.path.join(REPO_ROOT, "..", "shared", "data", "rules", "et-open-2024")

RULES_A = 'alert udp any any -> any 7001 (msg:"managed e2e"; sid:8100001; rev:1;)\n'
RULES_BROKEN = 'alert udp any any -> any 7001 (msg:"broken"; sid:8100002;\n'
CONFIG = "eve:\n  append: false\n"


def sealed_memfd(name, data):
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS,
                fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
    return fd


class FakeDaemon:
    """One listening SEQPACKET socket; one data plane connection at a time."""

    def __init__(self, path):
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(path)
        self.listener.listen(4)
        self.conn = None

    def accept(self, timeout=15.0):
        self.listener.settimeout(timeout)
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(None)
        return self.recv("hello", timeout)

    def send(self, msg, fds=()):
        data = json.dumps(msg).encode()
        if fds:
            self.conn.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        else:
            self.conn.send(data)

    def recv(self, type_, timeout=30.0):
        """The next message of type_ (others skipped): (msg, fds)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %s message in %.0f s" % (type_, timeout))
            self.conn.settimeout(left)
            data, fds, _flags, _addr = socket.recv_fds(self.conn, 65536, 4)
            if not data:
                raise ConnectionError("the data plane closed the connection")
            msg = json.loads(data)
            if msg.get("type") == type_:
                return msg, fds
            for fd in fds:
                os.close(fd)

    def load(self, generation, sha, rules, config=CONFIG, timeout=60.0):
        fds = [sealed_memfd("rules", rules.encode()), sealed_memfd("config", config.encode())]
        try:
            self.send({"type": "load", "generation": generation, "rules_sha256": sha,
                       "policy_version": 1}, fds)
        finally:
            for fd in fds:
                os.close(fd)
        msg, _ = self.recv("load-result", timeout)
        return msg

    def close_conn(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def close(self):
        self.close_conn()
        self.listener.close()


class ManagedDataPlane(unittest.TestCase):
    WORKERS = 1

    @classmethod
    def setUpClass(cls):
        if not os.access(RAMPART_DP, os.X_OK):
            raise unittest.SkipTest("no rampart-dp at %s (set RAMPART_DP)" % RAMPART_DP)
        cls.tmp = tempfile.mkdtemp(prefix="rampart-managed-")
        cls.sock = os.path.join(cls.tmp, "rampartd.sock")
        cls.stats = os.path.join(cls.tmp, "stats.json")
        cls.daemon = FakeDaemon(cls.sock)
        cls.lines = []
        eal = os.environ.get("RAMPART_EAL_ARGS", "").split()
        cls.err_file = open(os.path.join(cls.tmp, "dp.err"), "w")
        cls.proc = subprocess.Popen(
            [RAMPART_DP, "--ports", "net_null0:net_null1", "--managed", cls.sock,
             "--workers", str(cls.WORKERS), "--stats", cls.stats, "--",
             "--vdev", "net_null0", "--vdev", "net_null1"] + eal,
            stdout=subprocess.PIPE, stderr=cls.err_file, text=True)
        cls.reader = threading.Thread(target=cls._read_stdout, daemon=True)
        cls.reader.start()

    @classmethod
    def _read_stdout(cls):
        for line in cls.proc.stdout:
            cls.lines.append(line.rstrip("\n"))

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            try:
                cls.proc.wait(60)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        cls.reader.join(5)
        cls.proc.stdout.close()
        cls.err_file.close()
        cls.daemon.close()
        if os.environ.get("RAMPART_KEEP_LAB"):
            print("\n  kept %s" % cls.tmp, file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def wait_line(self, text, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(os.path.join(self.tmp, "dp.err")) as f:
            err = f.read()[-3000:]
        self.fail("rampart-dp never printed %r; stdout %r; stderr tail:\n%s" % (text, self.lines, err))

    def stats_request(self, ident):
        self.daemon.send({"type": "stats", "id": ident})
        msg, _ = self.daemon.recv("stats-result")
        self.assertEqual(msg["id"], ident)
        return msg["stats"]

    def test_protocol_reload_refusal_stats_reattach(self):
        self.wait_line("rampart-dp: forwarding")
        hello, fds = self.daemon.accept()
        self.wait_line("rampart-dp: attached %s" % self.sock)
        for fd in fds:
            os.close(fd)
        self.assertEqual(hello["role"], "dataplane")
        self.assertEqual(hello["workers"], self.WORKERS)
        self.assertEqual([p["name"] for p in hello["ports"]], ["net_null0", "net_null1"])
        self.assertEqual(len(fds), 1, "hello carries the export ring's memfd")
        self.assertEqual(hello["running"]["generation"], 0)
        self.assertIsNone(hello["running"]["rules_sha256"])

        res = self.daemon.load(1, "sha-a", RULES_A)
        self.assertTrue(res["ok"], res)
        self.assertTrue(res["rules_changed"])
        self.assertEqual(res["rules"]["loaded"], 1)
        for key in ("parse_s", "compile_s", "swap_s", "total_s"):
            self.assertGreaterEqual(res["timing"][key], 0.0)
        self.assertGreater(res["memory"]["rss_kb"], 0)
        self.wait_line("rampart-dp: rules loaded")
        self.wait_line("rampart-dp: reload generation 1 ok")

        res = self.daemon.load(2, "sha-a", RULES_A)
        self.assertTrue(res["ok"], res)
        self.assertFalse(res["rules_changed"], "same sha and vars: no rebuild")

        res = self.daemon.load(3, "sha-broken", RULES_BROKEN)
        self.assertFalse(res["ok"], res)
        self.assertIn("rejected", res["error"])
        self.wait_line("rampart-dp: reload generation 3 refused: ")

        stats = self.stats_request(41)
        self.assertGreater(stats["forwarding"]["rx"], 0, "null ports make traffic")
        self.assertIn("pushed", stats["export"])
        self.assertEqual(stats["managed"]["generation"], 2)
        self.assertEqual(stats["managed"]["reloads_refused"], 1)

        # The daemon goes away: rampart-dp keeps forwarding and comes back.
        rx_before = stats["forwarding"]["rx"]
        self.daemon.close_conn()
        hello, fds = self.daemon.accept(timeout=15.0)
        for fd in fds:
            os.close(fd)
        self.assertEqual(hello["running"]["generation"], 2)
        self.assertEqual(hello["running"]["rules_sha256"], "sha-a")
        stats = self.stats_request(42)
        self.assertGreater(stats["forwarding"]["rx"], rx_before)

        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(60), 0)
        with open(self.stats) as f:
            final = json.load(f)
        self.assertTrue(final["rules_loaded"])
        self.assertIn("export", final)


@unittest.skipUnless(os.environ.get("RAMPART_MANAGED_ET") == "1" and os.path.isdir(ET_OPEN),
                     "set RAMPART_MANAGED_ET=1 (needs ../shared): ET Open reload timing")
class ETOpenReload(ManagedDataPlane):
    def test_protocol_reload_refusal_stats_reattach(self):
        self.skipTest("covered by ManagedDataPlane")

    def test_et_open_swap_times(self):
        text = ""
        for path in sorted(glob.glob(os.path.join(ET_OPEN, "*.rules"))):
            with open(path, encoding="utf-8", errors="replace") as f:
                text += f.read()
        lines = text.splitlines(keepends=True)
        first_rule = next(i for i, l in enumerate(lines) if l.startswith("alert"))
        text_b = "".join(lines[:first_rule] + lines[first_rule + 1:])
        self.wait_line("rampart-dp: forwarding")
        self.daemon.accept()
        for gen, sha, rules in ((1, "et-a", text), (2, "et-b", text_b)):
            res = self.daemon.load(gen, sha, rules, timeout=600.0)
            self.assertTrue(res["ok"], res)
            print("\n  ET Open generation %d: %d rules loaded, %d compiled, %d skipped, %d failed; parse %.2f s, compile %.2f s, "
                  "swap %.4f s, total %.2f s; detect %.1f MiB, RSS %.0f MiB (peak %.0f MiB)" % (
                      gen, res["rules"]["loaded"], res["rules"]["compiled"], res["rules"]["skipped"],
                      res["rules"]["failed"], res["timing"]["parse_s"],
                      res["timing"]["compile_s"], res["timing"]["swap_s"], res["timing"]["total_s"],
                      res["memory"]["detect_bytes"] / 2**20, res["memory"]["rss_kb"] / 1024,
                      res["memory"]["rss_peak_kb"] / 1024), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
