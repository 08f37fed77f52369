"""Shared helpers for the inline e2e tests: rampart-dp live in firmware/lab.sh.

The lab (see the top of firmware/lab.sh): client 192.168.50.1 in ${P}-client
<-> rampart-dp --bridge fwc:fws in ${P}-fw <-> server 192.168.50.2 in
${P}-server (http :80, http :3389, UDP echo :7 and :9999, TCP banner :23).

This module owns:
  - why the lab cannot run here (not root, no netns, no binary) and probes of
    the real binary for features that land one by one (feature());
  - the documented software-distributor hash (worker_of) and source-port
    picking, so a test predicts which worker owns a flow;
  - client programs ("probes") run inside a namespace as
    `ip netns exec NS /usr/bin/python3 lab.py probe NAME JSON_ARGS`, each
    printing one JSON object (what a user would notice: a status code, a
    reset, a timeout, an echo);
  - LabTestCase: one lab per test class with its own LAB_PREFIX and state
    directory, brought down in a class cleanup (so a failing setUpClass or
    test still cleans up), which then checks that no ${P}-* namespace and no
    recorded process remains; EVE and --stats readers.

Run as root, e.g. RAMPART_DP=build-x/dataplane/dpdk/rampart-dp
  /usr/bin/python3 -m unittest discover -s tests/e2e -p 'test_inline_*' -v
RAMPART_KEEP_LAB=1 keeps each class's state directory (EVE, dp.err, logs);
RAMPART_E2E_FEATURES=all runs the tests of features the binary lacks (they fail);
LAB_PMD=af_packet runs the labs on net_af_packet instead of lab.sh's auto.
rampart-dp's LeakSanitizer gets lsan-libxdp.supp (third-party leaks only)
unless LSAN_OPTIONS already names suppressions.
"""

import errno
import functools
import ipaddress
import itertools
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
LAB_SH = os.path.join(REPO_ROOT, "firmware", "lab.sh")
DEFAULT_POLICY = os.path.join(REPO_ROOT, "signatures", "firewall", "default-policy.yaml")
BUNDLED_RULES = os.path.join(REPO_ROOT, "signatures", "rules")
PYTHON = "/usr/bin/python3"
# Third-party leaks LeakSanitizer reports at rampart-dp's exit (see the file).
LSAN_SUPPRESSIONS = os.path.join(HERE, "lsan-libxdp.supp")

CLIENT_IP = "192.168.50.1"
SERVER_IP = "192.168.50.2"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SID_EICAR_DROP = 9000020      # bundled: drop tcp any any -> $HOME_NET any (EICAR)
SID_TELNET_REJECT = 9000030   # bundled: reject tcp any any -> $HOME_NET 23 (SYN)
ECHO_PORT = 7                 # lab UDP echo
REJECT_UDP_PORT = 9999        # lab UDP echo, target of the tests' UDP reject rule
TELNET_PORT = 23              # lab TCP banner, target of the bundled reject rule
HIDDEN_PORT = 3389            # lab http.server the default policy hides

LAB_TIMEOUT = 120             # lab.sh up/down (small rule sets: up takes seconds)
PROBE_SLACK = 10              # seconds a probe may take beyond its own timeouts


def binary_path():
    default = os.path.join(REPO_ROOT, "build", "dataplane", "dpdk", "rampart-dp")
    return os.path.abspath(os.environ.get("RAMPART_DP") or default)


def lab_unavailable():
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if not os.access(binary_path(), os.X_OK):
        return "rampart-dp not found at %s (build it or set RAMPART_DP)" % binary_path()
    if not os.access(PYTHON, os.X_OK):
        return "%s not found" % PYTHON
    if shutil.which("ethtool") is None or shutil.which("ip") is None:
        return "ip and ethtool are needed"
    try:
        subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return "`ip netns list` does not work here: %s" % exc
    return None


def _ports_of(spec):
    """Ports a policy port spec covers: number, "a-b"/"a:b", list, any (None)."""
    if spec is None or spec == "any":
        return None
    out = set()
    for item in spec if isinstance(spec, list) else [spec]:
        m = re.fullmatch(r"\s*(\d+)\s*(?:[-:]\s*(\d+)\s*)?", str(item))
        if m:
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            out.update(range(lo, hi + 1))
    return out


def policy_rule_for(path, proto, port, action="deny"):
    """Name of the first rule of the policy in `path` with `action` that
    covers `proto` traffic to `port` (what the firewall's log names), or None."""
    import yaml  # Debian's python3-yaml
    with open(path) as f:
        policy = (yaml.safe_load(f) or {}).get("firewall") or {}
    for rule in policy.get("rules") or []:
        ports = _ports_of(rule.get("dst-port"))
        if rule.get("proto", "any") in (proto, "any") and (ports is None or port in ports):
            return rule.get("name") if rule.get("action") == action else None
    return None


# ------------------------------------------------------------ feature probes

@functools.lru_cache(maxsize=None)
def _help_text():
    try:
        run = subprocess.run([binary_path(), "--help"], capture_output=True, text=True, timeout=20)
        return run.stdout + run.stderr
    except (OSError, subprocess.SubprocessError):
        return ""


@functools.lru_cache(maxsize=None)
def _binary_has(word):
    try:
        with open(binary_path(), "rb") as f:
            return word.encode() in f.read()
    except OSError:
        return False


# What each probe looks for in the real binary: its --help or a stats key the
# feature adds (issue 3 plan, "Stats JSON ... gains").
FEATURES = {
    "workers": lambda: "--workers" in _help_text() and "exactly 1" not in _help_text()
    and _binary_has("flows_created"),
    "fail_mode": lambda: "--fail-mode" in _help_text(),
    "test_fault": lambda: "--test-fault" in _help_text(),
    "reject_tx": lambda: _binary_has("reject_nombuf"),
    "firewall": lambda: _binary_has("firewall_deny"),
}


def feature(name):
    """True when the binary has the feature (False when it is absent or not
    built). RAMPART_E2E_FEATURES=name,name (or all) forces probes true: run the
    tests of a feature being built and watch them fail."""
    forced = os.environ.get("RAMPART_E2E_FEATURES", "").split(",")
    if name in forced or "all" in forced:
        return True
    return os.access(binary_path(), os.X_OK) and FEATURES[name]()


def skip_unless_feature(*names):
    missing = [n for n in names if not feature(n)]
    why = "rampart-dp at %s lacks: %s" % (binary_path(), ", ".join(missing))
    return unittest.skipUnless(not missing, why)


# -------------------------------------------- software distributor (predicted)

def fmix32(h):
    """MurmurHash3's 32-bit finalizer."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def _addr_word(addr):
    ip = ipaddress.ip_address(addr)
    value = int(ip)
    words = 1 if ip.version == 4 else 4
    out = 0
    for i in range(words):
        out ^= (value >> (32 * i)) & 0xFFFFFFFF
    return out


def worker_of(src, dst, proto, sport, dport, n_workers):
    """The worker rampart-dp's software distributor gives this flow (issue 3
    plan): fmix32(a ^ b ^ (sport ^ dport) ^ proto) % N, symmetric."""
    ports = (sport ^ dport) if proto in (6, 17, 132) else 0
    return fmix32(_addr_word(src) ^ _addr_word(dst) ^ ports ^ proto) % n_workers


def pick_udp_source_ports(per_worker, dport, n_workers, first=40000):
    """{worker: [client source ports]} with per_worker[w] UDP flows
    CLIENT_IP:sport -> SERVER_IP:dport owned by each worker w."""
    chosen = {w: [] for w in range(n_workers)}
    for sport in range(first, 65536):
        w = worker_of(CLIENT_IP, SERVER_IP, 17, sport, dport, n_workers)
        if len(chosen[w]) < per_worker[w]:
            chosen[w].append(sport)
        if all(len(chosen[w]) == per_worker[w] for w in chosen):
            return chosen
    raise AssertionError("no source ports for %r" % (per_worker,))


# ------------------------------------------------ probes (run in a namespace)

def _exc_result(exc):
    if isinstance(exc, socket.timeout):
        return "timeout"
    if getattr(exc, "errno", None) in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreachable"  # no ARP answer: nothing crossed the appliance
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    return "error: %s" % exc


def probe_http(host=SERVER_IP, port=80, request=None, path="/", timeout=3.0):
    """One HTTP/1.0 request (raw bytes allowed: `request` is latin-1 text).
    result: response | timeout | refused | reset | closed; status; body."""
    if request is None:
        request = "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)
    t0 = time.monotonic()
    out = {"result": None, "status": None, "body": ""}
    try:
        s = socket.create_connection((host, port), timeout=timeout)
        s.settimeout(timeout)
        s.sendall(request.encode("latin-1"))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        if not data:
            out["result"] = "closed"
        else:
            head, _, body = data.partition(b"\r\n\r\n")
            out["result"] = "response"
            m = re.match(rb"HTTP/\d\.\d (\d+)", head)
            out["status"] = int(m.group(1)) if m else None
            out["body"] = body.decode("latin-1")
    except OSError as exc:
        out["result"] = _exc_result(exc)
    out["seconds"] = time.monotonic() - t0
    return out


def probe_tcp_connect(host=SERVER_IP, port=TELNET_PORT, timeout=3.0):
    """connect(): result connected | refused | reset | timeout, and how fast."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        result = "connected"
    except OSError as exc:
        result = _exc_result(exc)
    finally:
        s.close()
    return {"result": result, "seconds": time.monotonic() - t0}


def probe_udp(host=SERVER_IP, port=ECHO_PORT, flows=(), timeout=1.0):
    """flows: [[source_port, [payload, ...]], ...]. Round r sends payload r of
    every flow from its own connected socket, then waits up to `timeout` for
    the echoes. Per flow, per payload: echo | timeout | refused (ICMP port
    unreachable on a connected socket)."""
    socks = []
    for sport, _ in flows:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((CLIENT_IP, sport))
        s.connect((host, port))
        s.setblocking(False)
        socks.append(s)
    results = [[] for _ in flows]
    rounds = max((len(p) for _, p in flows), default=0)
    for r in range(rounds):
        waiting = {}
        for i, (s, (_, payloads)) in enumerate(zip(socks, flows)):
            if r < len(payloads):
                s.send(payloads[r].encode("latin-1"))
                waiting[s.fileno()] = (i, s, payloads[r].encode("latin-1"))
        deadline = time.monotonic() + timeout
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([s for _, s, _ in waiting.values()], [], [], left)
            for s in ready:
                i, _, want = waiting[s.fileno()]
                try:
                    data = s.recv(65536)
                except ConnectionRefusedError:
                    results[i].append("refused")
                    del waiting[s.fileno()]
                    continue
                except OSError as exc:
                    if exc.errno == errno.EAGAIN:
                        continue
                    results[i].append(_exc_result(exc))
                    del waiting[s.fileno()]
                    continue
                if data == want:
                    results[i].append("echo")
                    del waiting[s.fileno()]
        for i, _, _ in waiting.values():
            results[i].append("timeout")
    for s in socks:
        s.close()
    return {"results": results}


def _icmp_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def probe_ping(host=SERVER_IP, count=3, timeout=1.0):
    """ICMP echo over a raw socket (no ping binary needed): replies received."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident, got = os.getpid() & 0xFFFF, 0
    for seq in range(count):
        body = struct.pack("!HH", ident, seq) + b"rampart-lab-ping"
        head = struct.pack("!BBH", 8, 0, _icmp_checksum(struct.pack("!BBH", 8, 0, 0) + body))
        sock.sendto(head + body, (host, 0))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                pkt = sock.recv(2048)
            except socket.timeout:
                break
            icmp = pkt[(pkt[0] & 15) * 4:]
            if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
                got += 1
                break
    return {"replies": got, "sent": count}


def probe_listen(bind=CLIENT_IP, port=8080, seconds=5.0):
    """A TCP listener for `seconds`: prints {"ready": true} first, then the
    number of connections it accepted."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(8)
    print(json.dumps({"ready": True}), flush=True)
    accepted = 0
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            conn, _ = s.accept()
        except socket.timeout:
            break
        accepted += 1
        conn.close()
    return {"accepted": accepted}


PROBES = {
    "http": probe_http,
    "tcp_connect": probe_tcp_connect,
    "udp": probe_udp,
    "ping": probe_ping,
    "listen": probe_listen,
}


def _probe_main(argv):
    name, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    print(json.dumps(PROBES[name](**args)), flush=True)
    return 0


# ------------------------------------------------------------- lab fixture

_class_counter = itertools.count()


def _namespaces():
    run = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    return [line.split()[0] for line in run.stdout.splitlines() if line.strip()]


def _pid_alive(pid, start):
    """Is PID still the process that started at `start` (ticks), not a zombie?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] != "Z" and fields[19] == str(start)


class LabTestCase(unittest.TestCase):
    """One lab per test class. Subclasses set:
      LAB_MODE     rampart (default) | bridge | none
      WORKERS      None (not passed) or N (--workers N)
      CONFIG       None: the tree's default policy (lab.sh's default);
                   "none": no --config; otherwise YAML text written to config.yaml
      RULES        None: the bundled rules; otherwise rules text (own rules dir)
      EXTRA_RULES  rules text added with a second --rules (own file), or None
      DP_ARGS      extra rampart-dp arguments (list)
      RAMPART_DP   None: binary_path(); otherwise this binary (e.g. /bin/false)
      WAIT_RULES   True: `up` returns once detection is live ("rules loaded");
                   False: at "forwarding" (LAB_WAIT_RULES=0)
      EXPECT_UP_FAILS  True: setUpClass records up's failure instead of raising
    """
    LAB_MODE = "rampart"
    WORKERS = None
    CONFIG = None
    RULES = None
    EXTRA_RULES = None
    DP_ARGS = ()
    RAMPART_DP = None
    EXPECT_UP_FAILS = False
    WAIT_RULES = True

    @classmethod
    def setUpClass(cls):
        why = lab_unavailable()
        if why:
            raise unittest.SkipTest(why)
        cls.prefix = "t%05d%02d" % (os.getpid() % 100000, next(_class_counter) % 100)
        cls.state = tempfile.mkdtemp(prefix="rampart-lab-%s-" % cls.prefix)
        env = dict(os.environ, LAB_PREFIX=cls.prefix, LAB_STATE=cls.state, LAB_MODE=cls.LAB_MODE,
                   RAMPART_DP=cls.RAMPART_DP or binary_path())
        for key in ("LAB_WORKERS", "LAB_CONFIG", "LAB_RULES", "LAB_DP_ARGS", "LAB_WAIT_RULES"):
            env.pop(key, None)
        if not cls.WAIT_RULES:
            env["LAB_WAIT_RULES"] = "0"
        lsan = env.get("LSAN_OPTIONS", "")
        if "suppressions=" not in lsan:
            env["LSAN_OPTIONS"] = ":".join(filter(None, [lsan, "suppressions=" + LSAN_SUPPRESSIONS]))
        if cls.WORKERS is not None:
            env["LAB_WORKERS"] = str(cls.WORKERS)
        if cls.CONFIG is not None:
            env["LAB_CONFIG"] = cls.CONFIG if cls.CONFIG == "none" else \
                cls._write("config.yaml", cls.CONFIG)
        if cls.RULES is not None:
            env["LAB_RULES"] = os.path.dirname(cls._write("rules/test.rules", cls.RULES))
        dp_args = list(cls.DP_ARGS)
        if cls.EXTRA_RULES is not None:
            dp_args += ["--rules", cls._write("extra-rules/extra.rules", cls.EXTRA_RULES)]
        if dp_args:
            env["LAB_DP_ARGS"] = " ".join(dp_args)
        cls.env = env
        cls.down_result = None
        cls.up_result = None
        # Registered first: runs even when `up` fails half way.
        cls.addClassCleanup(cls._class_cleanup)
        cls.up_result = cls._lab("up")
        if cls.up_result.returncode != 0 and not cls.EXPECT_UP_FAILS:
            raise AssertionError("lab.sh up failed (%d):\n%s%s" % (
                cls.up_result.returncode, cls.up_result.stdout, cls.up_result.stderr))

    @classmethod
    def _write(cls, name, text):
        path = os.path.join(cls.state, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    @classmethod
    def _lab(cls, action):
        return subprocess.run(["bash", LAB_SH, action], env=cls.env, capture_output=True,
                              text=True, timeout=LAB_TIMEOUT)

    @classmethod
    def lab_down(cls):
        """Bring the lab down once (rampart-dp writes stats.json); the result
        of `lab.sh down` (its exit status says whether rampart-dp exited 0)."""
        if cls.down_result is None:
            cls.down_result = cls._lab("down")
        return cls.down_result

    @classmethod
    def recorded_pids(cls):
        """{name: (pid, start)} of every process lab.sh recorded."""
        out = {}
        for name in os.listdir(cls.state) if os.path.isdir(cls.state) else ():
            if name.endswith(".pid"):
                try:
                    with open(os.path.join(cls.state, name)) as f:
                        pid, start = f.read().split()
                    out[name[:-4]] = (int(pid), start)
                except (OSError, ValueError):
                    pass
        return out

    @classmethod
    def leftovers(cls):
        """What a lab left behind: its namespaces and live recorded processes."""
        left = [ns for ns in _namespaces() if ns.startswith(cls.prefix + "-")]
        left += ["%s pid %d" % (name, pid) for name, (pid, start) in cls.recorded_pids().items()
                 if _pid_alive(pid, start)]
        return left

    @classmethod
    def _class_cleanup(cls):
        live_before = {name: ps for name, ps in cls.recorded_pids().items() if _pid_alive(*ps)}
        # A rampart-dp that dies or exits non-zero (a sanitizer report at exit)
        # fails the class, unless a test took the down result itself.
        judge_exit = cls.down_result is None and cls.up_result is not None \
            and cls.up_result.returncode == 0
        down = cls.lab_down()
        dp_err = ""
        if judge_exit and down.returncode != 0:
            try:
                with open(os.path.join(cls.state, "dp.err"), errors="replace") as f:
                    dp_err = f.read()[-4000:]
            except OSError:
                pass
        left = cls.leftovers()
        if left:
            # Do not leave them for the next class: remove by recorded PID.
            for name, (pid, start) in live_before.items():
                if _pid_alive(pid, start):
                    os.kill(pid, 9)
            for ns in _namespaces():
                if ns.startswith(cls.prefix + "-"):
                    subprocess.run(["ip", "netns", "del", ns], timeout=10)
        if os.environ.get("RAMPART_KEEP_LAB"):
            sys.stderr.write("lab state kept in %s\n" % cls.state)
        else:
            shutil.rmtree(cls.state, ignore_errors=True)
        if left:
            raise AssertionError("lab.sh down left %s behind:\n%s%s" % (left, down.stdout, down.stderr))
        if judge_exit and down.returncode != 0:
            raise AssertionError("lab.sh down failed (%d):\n%s%s\ndp.err (end):\n%s"
                                 % (down.returncode, down.stdout, down.stderr, dp_err))

    # ---- running things in the lab

    def ns(self, side):
        return "%s-%s" % (self.prefix, side)

    def probe(self, side, name, **args):
        """Run probe `name` in namespace ${P}-side; its JSON result."""
        rounds = max([len(p) for _, p in args.get("flows", ())] + [args.get("count", 1), 1])
        budget = args.get("timeout", 3.0) * rounds + PROBE_SLACK
        run = subprocess.run(["ip", "netns", "exec", self.ns(side), PYTHON, os.path.abspath(__file__),
                              "probe", name, json.dumps(args)],
                             capture_output=True, text=True, timeout=budget)
        self.assertEqual(run.returncode, 0, "probe %s in %s failed:\n%s" % (name, side, run.stderr))
        return json.loads(run.stdout.strip().splitlines()[-1])

    def client(self, name, **args):
        return self.probe("client", name, **args)

    def server(self, name, **args):
        return self.probe("server", name, **args)

    def start_probe(self, side, name, **args):
        """A probe in the background (e.g. a listener): (Popen, first JSON line).
        Killed and reaped by a cleanup."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns(side), PYTHON, os.path.abspath(__file__),
                                 "probe", name, json.dumps(args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def stop():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        self.addCleanup(stop)
        first = proc.stdout.readline()
        self.assertTrue(first, "probe %s in %s did not start: %s" % (name, side, proc.stderr.read()))
        return proc, json.loads(first)

    # ---- reading what the lab wrote

    def state_path(self, name):
        return os.path.join(self.state, name)

    def state_file(self, name):
        try:
            with open(self.state_path(name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def index_html(self):
        return self.state_file("www/index.html").decode("latin-1")

    def wait_for_text(self, name, pattern, timeout=10.0):
        """The first match of regex `pattern` in state file `name`, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.state_file(name).decode(errors="replace"), re.M)
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.05)

    def eve_records(self, want=lambda records: True, timeout=3.0):
        """EVE records once `want(records)` holds (the writer flushes when idle)."""
        deadline = time.monotonic() + timeout
        while True:
            records = []
            for line in self.state_file("eve.json").splitlines():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass  # a line being written
            if want(records) or time.monotonic() > deadline:
                return records
            time.sleep(0.05)

    @staticmethod
    def alerts(records, sid):
        return [r for r in records if r.get("event_type") == "alert"
                and r.get("alert", {}).get("signature_id") == sid]

    @staticmethod
    def drops(records, sid=None):
        return [r for r in records if r.get("event_type") == "drop"
                and (sid is None or r.get("alert", {}).get("signature_id") == sid)]

    def wait_alerts(self, sid, count=1, timeout=3.0):
        """The alerts with `sid` once there are `count` (waits a little for
        more, so that "exactly one" can fail)."""
        records = self.eve_records(lambda rs: len(self.alerts(rs, sid)) >= count, timeout)
        time.sleep(0.3)
        return self.alerts(self.eve_records(), sid), records

    def dp_pid(self):
        pid, start = self.recorded_pids()["rampart-dp"]
        return pid

    def stats(self):
        """rampart-dp's --stats object: brings the lab down first (written at exit)."""
        down = self.lab_down()
        self.assertEqual(down.returncode, 0, "lab.sh down: rampart-dp did not exit cleanly:\n%s%s\n%s"
                         % (down.stdout, down.stderr, self.state_file("dp.err").decode(errors="replace")))
        with open(self.state_path("stats.json")) as f:
            return json.load(f)


def forward_drops(stats, reason):
    """Packets not forwarded for `reason`: forwarding.dropped, else drops,
    else the sum over the workers' drops."""
    for block in ((stats.get("forwarding") or {}).get("dropped"), stats.get("drops")):
        if isinstance(block, dict) and isinstance(block.get(reason), int):
            return block[reason]
    workers = [w.get("drops") or {} for w in stats.get("workers") or []]
    if any(reason in d for d in workers):
        return sum(d.get(reason, 0) for d in workers)
    raise KeyError("no %r drop counter in %s" % (reason, sorted(stats)))


def layer_count(counters, layer):
    """Packets of one decode layer (udp, tcp ...) in a stats or per-worker object."""
    for key in ("decode_layers", "layers", "decode"):
        block = counters.get(key)
        if isinstance(block, dict) and isinstance(block.get(layer), int):
            return block[layer]
    raise KeyError("no %s packet counter in %s" % (layer, sorted(counters)))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "probe":
        sys.exit(_probe_main(sys.argv[2:]))
    sys.stderr.write("usage: lab.py probe NAME [JSON_ARGS]   (%s)\n" % ", ".join(sorted(PROBES)))
    sys.exit(2)
