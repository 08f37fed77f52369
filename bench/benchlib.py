"""Shared helpers for the bench/ scripts (import with bench/ on sys.path).

What lives here: where results go and how they are named
(bench/results/<date>-<host>-<name>.json, as pcap_bench.py writes them), the
median/min/max summary every table quotes, a loop-friendly benchmark capture
built with build_capture.py's readers (frames capped in size so that each fits
one mbuf, which net_pcap's infinite_rx requires), child processes that are
timed from a line they print to the moment we signal them, and /proc/stat
CPU sampling. Everything a script starts is stopped by its PID.
"""
import datetime
import json
import os
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
BENCH = os.path.join(ROOT, "bench")
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)

import build_capture  # noqa: E402  (bench/build_capture.py: capture readers and address offsets)


def need_shared(*parts):
    """The path under ../shared/data, or exit 0 with a message when it is absent."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        print(f"skipped: {path} is absent (benchmarks need ../shared/data)")
        sys.exit(0)
    return path


def summary(values):
    """median/min/max of a list of numbers (the triple every table quotes)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "runs": list(values)}


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, scale=1.0, width=8, prec=2):
    if v is None:
        return f"{'-':>{width}}"
    return f"{v / scale:{width}.{prec}f}"


def results_header(name, **extra):
    d = {"benchmark": name, "date": datetime.datetime.now().isoformat(timespec="seconds"),
         "host": socket.gethostname(), "cpus": os.cpu_count(),
         "loadavg_at_start": os.getloadavg()}
    d.update(extra)
    return d


def write_results(name, results):
    """Write bench/results/<YYYY-MM-DD>-<host>-<name>.json; return its path."""
    outdir = os.path.join(BENCH, "results")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, f"{datetime.date.today().isoformat()}-{socket.gethostname()}-{name}.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    return out


# ---------------------------------------------------------------- captures

def build_loop_capture(out, dirs, size_mb, max_frame=1518):
    """Write an Ethernet pcap of about size_mb from the captures under dirs.

    Like build_capture.py (same readers, same link-type conversion, same
    per-copy address offsets so copies never share a flow), but frames longer
    than max_frame are left out: net_pcap's infinite_rx keeps every frame of
    the file in one mbuf and refuses multi-segment ones. Returns a dict with
    packets, bytes (frame bytes, without pcap headers), avg_frame, copies.
    """
    files = []
    for d in dirs:
        for root, _dirs, names in os.walk(d):
            files += [os.path.join(root, n) for n in names if n.endswith((".pcap", ".pcapng", ".cap"))]
    files.sort()
    base, left_out = [], {}
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] == b"\x0a\x0d\x0d\x0a":
            reader = build_capture.read_pcapng
        elif data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
            reader = build_capture.read_pcap
        else:
            left_out["unreadable file"] = left_out.get("unreadable file", 0) + 1
            continue
        for lt, _ts, frame in reader(path, data):
            eth = build_capture.to_ethernet(lt, frame)
            if eth is None:
                left_out[f"linktype {lt}"] = left_out.get(f"linktype {lt}", 0) + 1
            elif len(eth) > max_frame:
                left_out["frame too long"] = left_out.get("frame too long", 0) + 1
            elif len(eth) >= 60:
                base.append(eth)
            else:
                base.append(eth + bytes(60 - len(eth)))  # Ethernet minimum, as a NIC would deliver it
    if not base:
        raise SystemExit("benchlib: no usable frames for the capture")
    target = size_mb * 1024 * 1024
    written = frame_bytes = packets = copy = 0
    ts = 1700000000 * 1000000
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while written < target and copy < 256:
            for frame in base:
                fr = build_capture.offset_frame(frame, copy)
                ts += 20
                f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
                f.write(fr)
                written += 16 + len(fr)
                frame_bytes += len(fr)
                packets += 1
            copy += 1
    os.replace(tmp, out)
    info = {"path": out, "packets": packets, "bytes": frame_bytes, "avg_frame": frame_bytes / packets,
            "copies": copy, "base_packets": len(base), "left_out": left_out, "max_frame": max_frame}
    with open(out + ".json", "w") as f:
        json.dump(info, f, indent=2)
    return info


def loop_capture(work, size_mb, max_frame=1518):
    """The cached capture under work (built on first use) and its info dict."""
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, f"loop-{size_mb}mb-max{max_frame}.pcap")
    if os.path.exists(path) and os.path.exists(path + ".json"):
        with open(path + ".json") as f:
            return json.load(f)
    ndpi = need_shared("pcaps", "ndpi")
    print(f"building {path} from {ndpi} ...", flush=True)
    return build_loop_capture(path, [ndpi], size_mb, max_frame)


def empty_pcap(work):
    """A capture with a header and no packets (a port that never receives)."""
    path = os.path.join(work, "empty.pcap")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    return path


# ---------------------------------------------------------------- processes

class Child:
    """A child process whose combined output we read line by line.

    stdout is a pipe read without blocking, so we can note the moment a line
    appears (the start of a measurement window) and later send SIGINT at a
    known time. stop() always ends the process (SIGINT, then SIGKILL by PID).
    """

    def __init__(self, cmd, env=None, stdin=None):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=stdin if stdin is not None else subprocess.DEVNULL, env=env)
        self.buf = b""
        self.lines = []

    def _pump(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            return None
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.lines.append(line.decode(errors="replace"))
        return True

    def wait_line(self, needle, timeout):
        """Block until a line containing needle appears; return its arrival time or None."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                if needle in line:
                    return time.monotonic()
            seen = len(self.lines)
            if self._pump(min(0.2, max(0.0, deadline - time.monotonic()))) is None:
                return None
        return None

    def stop(self, sig=signal.SIGINT, grace=30.0):
        """Send sig, read output until exit (SIGKILL after grace); return (send time, rc)."""
        t = time.monotonic()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
        deadline = t + grace
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._pump(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
        while self._pump(0.05):
            pass
        self.proc.wait()
        if self.buf:
            self.lines.append(self.buf.decode(errors="replace"))
            self.buf = b""
        return t, self.proc.returncode

    def output(self):
        return "\n".join(self.lines)


def sleep_pumping(child, seconds):
    """Sleep while draining the child's output (so it never blocks on a full pipe)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if child._pump(min(0.2, max(0.0, end - time.monotonic()))) is None:
            time.sleep(max(0.0, end - time.monotonic()))
            break


# ---------------------------------------------------------------- CPU accounting

def proc_stat():
    """Aggregate CPU jiffies from /proc/stat: dict user/nice/system/idle/iowait/irq/softirq/steal."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:9]
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    return dict(zip(names, (int(x) for x in fields)))


def proc_cpu(pid):
    """utime+stime jiffies of a process (all its threads), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])
    except (OSError, IndexError, ValueError):
        return None


def cpu_shares(before, after, seconds):
    """CPU seconds per category between two proc_stat() samples, in CPUs busy (seconds / wall seconds)."""
    hz = os.sysconf("SC_CLK_TCK")
    return {k: (after[k] - before[k]) / hz / seconds for k in before}
