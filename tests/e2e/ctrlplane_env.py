"""The control plane's e2e harness: real rampartd, rampartctl, Redis, syslog
receiver and the lab (firmware/lab.sh with LAB_MANAGED=SOCKET).

Per test class (ControlPlaneTestCase, a lab.LabTestCase): a temp state dir
($STATE, from LabTestCase) whose cp/ holds everything of the control plane:
  cp/rampart.yaml   written by the class (rules, vars, firewall, outputs)
  cp/rules/         the class's rules file (test.rules), unless RULES_PATH
  cp/state/         rampartd's state dir (policy versions, blocklist, ...)
  cp/audit.log      rampartd's audit log
  cp/eve.json       the EVE sink
  cp/rampartd.sock  the socket rampart-dp attaches to and rampartctl uses
  cp/rampartd.out / .err  the daemon's stdout and stderr (all its runs)
  cp/redis.log      redis-server's log
A redis-server on a free 127.0.0.1 port (--save '' --appendonly no), a UDP
syslog receiver (a socket and a thread in the test process) and a metrics
endpoint on a free 127.0.0.1 port. rampartd starts first (wait for
"rampartd: ready"), then `lab.sh up` with LAB_MANAGED=the socket, which
returns once rampart-dp printed "rampart-dp: rules loaded" (the daemon's
first load). Everything is stopped by PID in the class cleanup: the lab
first (rampart-dp's exit status is judged as LabTestCase does), then
rampartd with SIGTERM (it must exit 0: a sanitizer report fails the
class), redis-server, the receiver.

Skips (with the reason) when not root, when rampart-dp, rampartd,
rampartctl or redis-server are missing, and where a class needs them, when
perl's MaxMind::DB::Writer or ../shared are missing.

Binaries: $RAMPART_DP, $RAMPARTD, $RAMPARTCTL (tests/e2e/meson.build sets
them), else build/... of this tree.

Probes for traffic (run in a namespace like lab.py's:
`ip netns exec NS /usr/bin/python3 ctrlplane_env.py probe NAME JSON`):
  udp_sink    count datagrams with sequence numbers, worst inter-arrival gap
  udp_flood   a fixed-rate sender with sequence numbers (until a stop file)
  udp_stream  one UDP flow to an echo, a datagram every `interval`, the
              wall-clock times of sends and echoes (for "cut at once",
              "passes again after the TTL")
  udp_burst   exactly N datagrams (one flow each, or one flow), as fast as asked
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import lab  # noqa: E402
from lab import CLIENT_IP, SERVER_IP, PYTHON, REPO_ROOT  # noqa: E402,F401

SHARED = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")
EVE_SCHEMA = os.path.join(SHARED, "eve", "schema.json")
REAL_MMDB = os.path.join(SHARED, "geoip", "geo-whois-asn-country.mmdb")

DAEMON_READY_TIMEOUT = 60      # ASan build, rule set compiled before "ready"
SINK_PORT = 5555               # the udp_sink in the server namespace
MARKER_PORT = lab.ECHO_PORT    # markers go to the lab's UDP echo (:7)

# ------------------------------------------------------------------ binaries


def _binary(env, *parts):
    return os.path.abspath(os.environ.get(env) or os.path.join(REPO_ROOT, "build", *parts))


def rampartd_path():
    return _binary("RAMPARTD", "ctrlplane", "daemon", "rampartd")


def rampartctl_path():
    return _binary("RAMPARTCTL", "ctrlplane", "ctl", "rampartctl")


def cp_unavailable():
    """Why the control-plane lab cannot run here, or None."""
    why = lab.lab_unavailable()
    if why:
        return why
    for name, path in (("rampartd", rampartd_path()), ("rampartctl", rampartctl_path())):
        if not os.access(path, os.X_OK):
            return "%s not found at %s (build it or set %s)" % (name, path, name.upper())
    if shutil.which("redis-server") is None:
        return "redis-server not found (Debian package redis-server)"
    return None


def perl_writer_unavailable():
    """Why a test mmdb cannot be written here, or None."""
    if shutil.which("perl") is None:
        return "perl not found"
    run = subprocess.run(["perl", "-MMaxMind::DB::Writer::Tree", "-e", "1"], capture_output=True,
                         timeout=30)
    if run.returncode != 0:
        return "perl MaxMind::DB::Writer missing (Debian package libmaxmind-db-writer-perl)"
    return None


MMDB_WRITER = r"""
use strict; use MaxMind::DB::Writer::Tree;
my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24,
  database_type => 'Rampart-E2E', languages => ['en'], description => {en => 'rampart e2e'},
  remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1,
  map_key_type_callback => sub { $_[0] eq 'country' ? 'map' : 'utf8_string' });
my $out = shift @ARGV;
while (@ARGV) { my $net = shift @ARGV; my $cc = shift @ARGV;
  $t->insert_network($net, {country_code => $cc, country => {iso_code => $cc}}); }
open my $fh, '>:raw', $out or die "$out: $!"; $t->write_tree($fh); close $fh;
"""


def write_mmdb(path, networks):
    """A MaxMind DB at `path` mapping each CIDR of {cidr: country} to it
    (both country_code and country.iso_code, so either reader finds it)."""
    args = []
    for cidr, cc in networks.items():
        args += [cidr, cc]
    subprocess.run(["perl", "-e", MMDB_WRITER, path] + args, check=True, capture_output=True, timeout=60)
    return path


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------ syslog receiver

RFC5424 = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) ?(.*)$", re.S)


class SyslogReceiver:
    """A UDP socket on 127.0.0.1 and a thread appending each datagram (bytes)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.datagrams = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.datagrams.append(data)

    def stop(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()

    def messages(self):
        """Every datagram parsed as RFC 5424: dicts pri, timestamp, host,
        app, procid, msgid, sd, msg, raw; 'parsed': False when it is not one."""
        out = []
        for raw in list(self.datagrams):
            text = raw.decode("utf-8", errors="replace")
            m = RFC5424.match(text)
            if not m:
                out.append({"parsed": False, "raw": text})
                continue
            msg = m.group(8)
            if msg.startswith("\ufeff"):
                msg = msg[1:]
            out.append({"parsed": True, "pri": int(m.group(1)), "timestamp": m.group(2),
                        "host": m.group(3), "app": m.group(4), "procid": m.group(5),
                        "msgid": m.group(6), "sd": m.group(7), "msg": msg, "raw": text})
        return out


# ------------------------------------------------------------------ redis

class RedisServer:
    """redis-server on a free 127.0.0.1 port, no persistence, stopped by PID;
    command() speaks RESP over a plain socket (no client library needed)."""

    def __init__(self, logdir):
        self.port = free_port()
        self.log = open(os.path.join(logdir, "redis.log"), "wb")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", logdir],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.command("PING") == "PONG":
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("redis-server did not start (see %s/redis.log)" % logdir)
            time.sleep(0.05)

    def command(self, *args):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            req = b"*%d\r\n" % len(args)
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                req += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(req)
            f = s.makefile("rb")
            return self._read(f)
        finally:
            s.close()

    def _read(self, f):
        line = f.readline()
        if not line:
            raise OSError("redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError("redis: " + rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data.decode("utf-8", errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise OSError("redis: unexpected reply %r" % line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


# ------------------------------------------------------------------ rampartd

class Daemon:
    """One rampartd run: Popen, output appended to cp/rampartd.out/.err."""

    def __init__(self, cpdir, config):
        self.out_path = os.path.join(cpdir, "rampartd.out")
        self.err_path = os.path.join(cpdir, "rampartd.err")
        self.out = open(self.out_path, "ab")
        self.err = open(self.err_path, "ab")
        self.start_offset = self.out.tell()
        self.proc = subprocess.Popen([rampartd_path(), "--config", config], stdout=self.out,
                                     stderr=self.err, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid

    def wait_ready(self, timeout=DAEMON_READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.out_path, "rb") as f:
                f.seek(self.start_offset)
                if b"rampartd: ready\n" in f.read():
                    return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        return False

    def stop(self, sig=signal.SIGTERM, grace=20):
        """Signal it and wait; returns its exit status (SIGKILL after grace)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()
        return self.proc.returncode


def _tail(path, n=3000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n:]
    except OSError:
        return ""


# ------------------------------------------------------------- the test case

class ControlPlaneTestCase(lab.LabTestCase):
    """A lab run by rampartd. Subclasses set:
      RULES_TEXT  text of cp/rules/test.rules (the daemon's only rule file)
      RULES_PATH  instead: a rules file or directory (e.g. lab.BUNDLED_RULES)
      EXTRA_RULE_PATHS  more rule files or directories loaded BEFORE the
                  class's own (e.g. ET Open 2024 under test.rules)
      HOME_NET    the vars' HOME_NET (default the server, as lab.sh's)
      FIREWALL    the initial policy (a dict: the firewall: section), or None
      EXTRA_CONFIG  more top-level keys of rampart.yaml (dict)
      REDIS       None: no Redis sink; "stream" or "list": a redis-server and
                  the sink in that mode
      SYSLOG      True: the syslog sink (UDP) to the test's receiver
      prepare_class()  a hook run before the config is written (e.g. write
                  an mmdb or reputation files into cls.cp)
    """
    RULES_TEXT = 'alert udp any any -> any 7 (msg:"E2E marker"; content:"E2E-MARK"; sid:9100100; rev:1;)\n'
    RULES_PATH = None
    EXTRA_RULE_PATHS = ()
    HOME_NET = "[%s/32]" % SERVER_IP
    FIREWALL = None
    EXTRA_CONFIG = {}
    REDIS = None
    SYSLOG = True
    WORKERS = 1
    SOCKET_MODE = None   # e.g. 0o666: chmod the socket once rampartd listens

    @classmethod
    def setUpClass(cls):
        why = cp_unavailable()
        if why:
            raise unittest.SkipTest(why)
        cls.daemon = None
        cls.redis = None
        cls.syslog = None
        cls.cp_started = False
        super().setUpClass()

    @classmethod
    def prepare_class(cls):
        pass

    # LabTestCase calls _lab("up") after making cls.state and registering
    # its cleanup: the control plane starts right before the lab.
    @classmethod
    def _lab(cls, action):
        if action == "up" and not cls.cp_started:
            cls.cp_started = True
            cls.addClassCleanup(cls._cp_cleanup)
            cls._start_control_plane()
            cls.env["LAB_MANAGED"] = cls.socket
        return super()._lab(action)

    @classmethod
    def _start_control_plane(cls):
        import yaml
        cls.cp = os.path.join(cls.state, "cp")
        os.makedirs(os.path.join(cls.cp, "rules"), exist_ok=True)
        # An unprivileged caller must reach the socket (its directories
        # traversable) for the daemon's own credential check to be what
        # refuses it.
        os.chmod(cls.state, 0o755)
        os.chmod(cls.cp, 0o755)
        cls.socket = os.path.join(cls.cp, "rampartd.sock")
        cls.audit_path = os.path.join(cls.cp, "audit.log")
        cls.eve_path = os.path.join(cls.cp, "eve.json")
        cls.state_dir = os.path.join(cls.cp, "state")
        cls.rules_file = os.path.join(cls.cp, "rules", "test.rules")
        cls.metrics_port = free_port()
        cls.prepare_class()
        if cls.RULES_PATH is None:
            with open(cls.rules_file, "w") as f:
                f.write(cls.RULES_TEXT)
            rule_path, rule_files = os.path.dirname(cls.rules_file), ["test.rules"]
        else:
            rule_path, rule_files = os.path.dirname(cls.RULES_PATH), [os.path.abspath(cls.RULES_PATH)]
        rule_files = [os.path.abspath(p) for p in cls.EXTRA_RULE_PATHS] + rule_files
        outputs = {"eve": {"enabled": True, "filename": cls.eve_path}}
        if cls.SYSLOG:
            cls.syslog = SyslogReceiver()
            outputs["syslog"] = {"enabled": True, "server": "127.0.0.1", "port": cls.syslog.port,
                                 "transport": "udp", "facility": "local5", "ident": "rampart"}
        if cls.REDIS:
            cls.redis = RedisServer(cls.cp)
            outputs["redis"] = {"enabled": True, "server": "127.0.0.1", "port": cls.redis.port,
                                "mode": cls.REDIS, "key": "rampart:eve"}
        config = {
            "rampartd": {"socket": cls.socket, "state-dir": cls.state_dir, "audit-log": cls.audit_path},
            "default-rule-path": rule_path,
            "rule-files": rule_files,
            "outputs": outputs,
            "metrics": {"enabled": True, "listen": "127.0.0.1:%d" % cls.metrics_port},
            "vars": {"address-groups": {"HOME_NET": cls.HOME_NET, "EXTERNAL_NET": "!$HOME_NET"}},
        }
        if cls.FIREWALL is not None:
            config["firewall"] = cls.FIREWALL
        config.update(cls.EXTRA_CONFIG)
        cls.config_path = os.path.join(cls.cp, "rampart.yaml")
        with open(cls.config_path, "w") as f:
            yaml.safe_dump(config, f, sort_keys=False)
        cls.start_daemon()

    @classmethod
    def start_daemon(cls):
        cls.daemon = Daemon(cls.cp, cls.config_path)
        if not cls.daemon.wait_ready():
            rc = cls.daemon.stop(signal.SIGKILL)
            raise AssertionError("rampartd (pid %d, status %s) did not print 'rampartd: ready':\n%s%s"
                                 % (cls.daemon.pid, rc, _tail(cls.daemon.out_path),
                                    _tail(cls.daemon.err_path)))
        if cls.SOCKET_MODE is not None:
            os.chmod(cls.socket, cls.SOCKET_MODE)
        return cls.daemon

    @classmethod
    def _cp_cleanup(cls):
        """Lab down (rampart-dp judged), then rampartd (must exit 0), Redis,
        the receiver. Runs before LabTestCase's cleanup (which removes
        the namespaces left over, and the state dir)."""
        problems = []
        judge_dp = cls.down_result is None and cls.up_result is not None and cls.up_result.returncode == 0
        down = cls.lab_down()
        if judge_dp and down.returncode != 0:
            problems.append("lab.sh down failed (%d) (rampart-dp's exit):\n%s%s\ndp.err (end):\n%s" % (
                down.returncode, down.stdout, down.stderr, _tail(os.path.join(cls.state, "dp.err"))))
        if cls.daemon is not None and cls.daemon.proc.poll() is None:
            rc = cls.daemon.stop()
            if rc != 0:
                problems.append("rampartd exited %s on SIGTERM (expected 0):\n%s" % (
                    rc, _tail(cls.daemon.err_path)))
        elif cls.daemon is not None:
            cls.daemon.stop()
        if cls.redis is not None:
            cls.redis.stop()
        if cls.syslog is not None:
            cls.syslog.stop()
        if os.environ.get("RAMPART_KEEP_LAB"):
            sys.stderr.write("control plane files in %s\n" % cls.cp)
        if problems:
            raise AssertionError("\n".join(problems))

    # ---- rampartctl

    def ctl(self, *args, as_json=False, uid=None, timeout=180):
        """rampartctl --socket S [--json] ARGS...; CompletedProcess (text)."""
        cmd = [rampartctl_path(), "--socket", self.socket] + (["--json"] if as_json else []) + list(args)
        if uid is not None:
            cmd = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def ctl_ok(self, *args, as_json=False):
        run = self.ctl(*args, as_json=as_json)
        self.assertEqual(run.returncode, 0, "rampartctl %s failed (%d):\n%s%s"
                         % (" ".join(args), run.returncode, run.stdout, run.stderr))
        return json.loads(run.stdout) if as_json else run.stdout

    # ---- what the control plane wrote

    def cp_file(self, name):
        try:
            with open(os.path.join(self.cp, name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def eve_records(self, want=lambda records: True, timeout=3.0):
        """The daemon's EVE file (lab.py's helpers read through this)."""
        deadline = time.monotonic() + timeout
        while True:
            records = []
            for line in self.cp_file("eve.json").splitlines():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
            if want(records) or time.monotonic() > deadline:
                return records
            time.sleep(0.05)

    def audit(self):
        """Audit log entries (dicts); a line that is not JSON fails the test."""
        out = []
        for line in self.cp_file("audit.log").decode(errors="replace").splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def audit_entry(self, command_prefix, uid=0, result_prefix="ok"):
        """The last audit entry whose command starts with command_prefix;
        asserts its uid and result."""
        entries = [e for e in self.audit() if str(e.get("command", "")).startswith(command_prefix)]
        self.assertTrue(entries, "no audit entry for %r in:\n%s" % (
            command_prefix, self.cp_file("audit.log").decode(errors="replace")))
        e = entries[-1]
        self.assertEqual(e.get("uid"), uid, e)
        self.assertTrue(str(e.get("result", "")).startswith(result_prefix), e)
        self.assertRegex(e.get("timestamp", ""), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$")
        self.assertIsInstance(e.get("pid"), int)
        return e

    def metrics(self):
        """{'name{labels}': value} from the Prometheus endpoint."""
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port, timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                out[key] = float(value)
        return out

    def wait_metric(self, key, want, timeout=10.0):
        """The metric once want(value) holds (None = absent), or its last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.metrics().get(key)
            if (value is not None and want(value)) or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def dp_out(self):
        return self.state_file("dp.out").decode(errors="replace")

    # ---- traffic

    def send_markers(self, payloads, port=MARKER_PORT):
        """One datagram per payload from the client, each from its own socket
        (its own flow), to the server's `port`; waits for the echoes."""
        flows = [[0, [p]] for p in payloads]
        return self.client_udp(flows, port)

    def client_udp(self, flows, port=MARKER_PORT, timeout=1.0):
        """lab.probe_udp with source ports chosen by the kernel when 0."""
        return self.probe("client", "udp_burst_flows", host=SERVER_IP, port=port, flows=flows,
                          timeout=timeout)

    def probe(self, side, name, **args):
        """Probes from lab.py and from this module (same calling convention)."""
        if name in lab.PROBES:
            return super().probe(side, name, **args)
        budget = args.get("timeout", 3.0) + args.get("seconds", 0) + lab.PROBE_SLACK
        run = subprocess.run(["ip", "netns", "exec", self.ns(side), PYTHON, os.path.abspath(__file__),
                              "probe", name, json.dumps(args)],
                             capture_output=True, text=True, timeout=budget)
        self.assertEqual(run.returncode, 0, "probe %s in %s failed:\n%s" % (name, side, run.stderr))
        return json.loads(run.stdout.strip().splitlines()[-1])

    def start_cp_probe(self, side, name, **args):
        """A probe of this module in the background: (Popen, first JSON line)."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns(side), PYTHON, os.path.abspath(__file__),
                                 "probe", name, json.dumps(args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def stop():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        self.addCleanup(stop)
        first = proc.stdout.readline()
        if not first:  # it exited: its stderr says why (read only then: it blocks)
            self.fail("probe %s in %s did not start: %s" % (name, side, proc.stderr.read()))
        return proc, json.loads(first)

    def finish_probe(self, proc, timeout=60):
        out, err = proc.communicate(timeout=timeout)
        self.assertEqual(proc.returncode, 0, "probe failed:\n%s" % err)
        return json.loads(out.strip().splitlines()[-1])


# ------------------------------------------------------ probes (in namespace)

SO_RCVBUFFORCE = 33


def udp_rcvbuf_errors():
    """UDP RcvbufErrors of this network namespace (/proc/net/snmp): datagrams
    the kernel dropped because a socket's buffer was full."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(dict(zip(rows[0][1:], rows[1][1:]))["RcvbufErrors"])


def probe_udp_sink(bind=SERVER_IP, port=SINK_PORT, idle=2.0, max_seconds=600):
    """Prints {"ready": true}, then counts datagrams "SEQ n ..." until `idle`
    seconds pass without one (after the first) or max_seconds. Result:
    received, unique, duplicates, first/last seq, worst gap (seconds between
    two arrivals) and when it happened (wall clock)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # past net.core.rmem_max (root): the sink itself must not be what drops
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind((bind, port))
    rcvbuf_errors0 = udp_rcvbuf_errors()
    print(json.dumps({"ready": True}), flush=True)
    seen = set()
    received = dup = 0
    last = None
    worst, worst_at = 0.0, None
    start = time.monotonic()
    s.settimeout(1.0)
    while time.monotonic() - start < max_seconds:
        try:
            data = s.recv(65536)
        except socket.timeout:
            if last is not None and time.monotonic() - last > idle:
                break
            continue
        now = time.monotonic()
        m = re.match(rb"SEQ (\d+)", data)
        if not m:
            continue
        seq = int(m.group(1))
        received += 1
        if seq in seen:
            dup += 1
        seen.add(seq)
        if last is not None and now - last > worst:
            worst, worst_at = now - last, time.time()
        last = now
    return {"received": received, "unique": len(seen), "duplicates": dup,
            "rcvbuf_errors": udp_rcvbuf_errors() - rcvbuf_errors0,
            "max_seq": max(seen) if seen else None, "worst_gap_s": worst, "worst_gap_at": worst_at,
            "missing_sample": sorted(set(range(max(seen) + 1)) - seen)[:20] if seen else []}


def probe_udp_flood(host=SERVER_IP, port=SINK_PORT, rate=5000, stop_file=None, max_seconds=300,
                    size=64, flows=1):
    """Sends "SEQ n" datagrams (padded to `size` bytes) at `rate` per second
    from `flows` sockets in turn, until stop_file exists or max_seconds.
    Prints {"ready": true} first. Result: sent, seconds, achieved rate, send
    errors (ENOBUFS etc.: not sent, not counted)."""
    socks = []
    for _ in range(flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.connect((host, port))
        socks.append(s)
    print(json.dumps({"ready": True}), flush=True)
    sent = errors = 0
    t0 = time.monotonic()
    next_check = t0
    while True:
        now = time.monotonic()
        if now - t0 > max_seconds:
            break
        if now >= next_check:
            if stop_file and os.path.exists(stop_file):
                break
            next_check = now + 0.05
        due = int((now - t0) * rate) + 1
        if sent >= due:
            time.sleep(min(0.001, (sent + 1) / rate - (now - t0)) if rate else 0.001)
            continue
        while sent < due:
            payload = (b"SEQ %d " % sent).ljust(size, b"x")
            try:
                socks[sent % flows].send(payload)
            except OSError:
                errors += 1
                time.sleep(0.0005)
                continue
            sent += 1
    seconds = time.monotonic() - t0
    return {"sent": sent, "seconds": seconds, "rate": sent / seconds if seconds else 0,
            "send_errors": errors, "t_start": time.time() - seconds}


def probe_udp_stream(host=SERVER_IP, port=MARKER_PORT, seconds=8.0, interval=0.05, payload="STREAM"):
    """One UDP flow (one socket) to an echo: a datagram every `interval` for
    `seconds`. Prints {"ready": true, "sport": N} once the first echo came
    back (the flow is established). Result: sends and echoes as wall-clock
    times."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(interval)
    sends, echoes = [], []
    ready = False
    t_end = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < t_end:
        s.send(("%s %d" % (payload, seq)).encode())
        sends.append(time.time())
        seq += 1
        slot_end = time.monotonic() + interval
        while time.monotonic() < slot_end:
            s.settimeout(max(0.001, slot_end - time.monotonic()))
            try:
                s.recv(2048)
            except (socket.timeout, ConnectionRefusedError):
                continue
            echoes.append(time.time())
            if not ready:
                ready = True
                print(json.dumps({"ready": True, "sport": s.getsockname()[1]}), flush=True)
    if not ready:
        print(json.dumps({"ready": False}), flush=True)
    return {"sends": sends, "echoes": echoes}


def probe_udp_burst_flows(host=SERVER_IP, port=MARKER_PORT, flows=(), timeout=1.0):
    """flows: [[sport or 0, [payload...]], ...] like lab.probe_udp, but a
    source port 0 lets the kernel choose (a fresh flow each)."""
    out = []
    for sport, payloads in flows:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((CLIENT_IP, sport))
        s.connect((host, port))
        s.settimeout(timeout)
        res = []
        for p in payloads:
            s.send(p.encode("latin-1"))
            try:
                s.recv(65536)
                res.append("echo")
            except socket.timeout:
                res.append("timeout")
            except ConnectionRefusedError:
                res.append("refused")
        s.close()
        out.append(res)
    return {"results": out}


def probe_udp_count(host=SERVER_IP, port=MARKER_PORT, count=100, payload="E2E-MARK", rate=1000,
                    new_flow_every=0):
    """Exactly `count` datagrams (no waiting for echoes), paced at `rate`;
    a fresh socket every new_flow_every datagrams (0: one flow)."""
    s = None
    t0 = time.monotonic()
    for i in range(count):
        if s is None or (new_flow_every and i % new_flow_every == 0):
            if s is not None:
                s.close()
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((host, port))
        while time.monotonic() - t0 < i / rate:
            time.sleep(0.0002)
        s.send(payload.encode("latin-1"))
    s.close()
    return {"sent": count, "seconds": time.monotonic() - t0}


PROBES = {
    "udp_sink": probe_udp_sink,
    "udp_flood": probe_udp_flood,
    "udp_stream": probe_udp_stream,
    "udp_burst_flows": probe_udp_burst_flows,
    "udp_count": probe_udp_count,
}


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "probe":
        name, args = sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
        print(json.dumps(PROBES[name](**args)), flush=True)
        sys.exit(0)
    sys.stderr.write("usage: ctrlplane_env.py probe NAME [JSON_ARGS]   (%s)\n" % ", ".join(sorted(PROBES)))
    sys.exit(2)
