#!/usr/bin/python3
"""Lab benchmark: traffic through firmware/lab.sh's namespaces, rampart-dp against a Linux bridge.

For each appliance configuration it brings the lab up (firmware/lab.sh up),
measures from the client namespace against the server (192.168.50.2), and
takes the lab down again; the configurations are interleaved run by run so
that drifts in machine load hit all of them:

  bridge         LAB_MODE=bridge: a Linux bridge br0 over fwc+fws (baseline)
  rampart-empty  LAB_MODE=rampart, an empty rules file, LAB_CONFIG=none
  rampart-rules  LAB_MODE=rampart, the bundled rules (signatures/rules) and the
                 default firewall policy (lab.sh's default LAB_CONFIG)
A rampart configuration may name the port driver: rampart-empty:af_xdp,
rampart-rules:af_packet (LAB_PMD; without a suffix, --pmd or lab.sh's default).

Measurements, each --runs times (medians reported):
  tcp      iperf3 -c 192.168.50.2 -t T (one TCP stream), Gbit/s received
  udp64    iperf3 -u -l 18 -b 0 -t T: 18-byte payloads = 60-byte frames on the
           wire (14 Ethernet + 20 IPv4 + 8 UDP + 18), 64 with the FCS;
           datagrams received per second at the server (sent - lost)
  latency  --pings UDP request/response round trips (16-byte payload) to the
           lab's UDP echo on port 7, one at a time; p50/p99 in microseconds;
           the client blocks in recv() as an application would
  latency_spin  the same with a client that busy-polls recv(): on a VM an
           idle vCPU halts, and waking it costs tens of microseconds, which a
           busy-polling rampart-dp hides (its CPU never halts) and a bridge
           does not; spinning on the client side takes most of that out
During tcp and udp64 it samples /proc/stat (CPUs busy in user, system,
softirq, idle) and rampart-dp's own CPU time (its PID from lab.sh's state), to
show where the 2 CPUs go.

Prints a table (bridge vs rampart, with ratios) and writes
bench/results/<date>-<host>-lab.json. Needs root, iperf3, firmware/lab.sh.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = benchlib.ROOT
LAB = os.path.join(ROOT, "firmware", "lab.sh")
SERVER = "192.168.50.2"
PY = "/usr/bin/python3"

# Round-trip client run inside the client namespace: prints one JSON object.
PING_CLIENT = r"""
import json, socket, sys, time
host, port, n, warm, spin = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "spin"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((host, port))
s.settimeout(1.0)
if spin:
    s.setblocking(False)
rtts, lost = [], 0


def recv_spin(s, t_end):
    while time.perf_counter_ns() < t_end:
        try:
            return s.recv(64)
        except BlockingIOError:
            pass
    raise socket.timeout()


for i in range(warm + n):
    msg = i.to_bytes(8, "big") + b"rampart!"
    t = time.perf_counter_ns()
    s.send(msg)
    try:
        while True:
            r = recv_spin(s, t + 1000000000) if spin else s.recv(64)
            if r[:8] == msg[:8]:
                break
    except socket.timeout:
        if i >= warm:
            lost += 1
        continue
    if i >= warm:
        rtts.append((time.perf_counter_ns() - t) / 1000.0)
rtts.sort()
q = lambda p: rtts[min(len(rtts) - 1, int(p * len(rtts)))] if rtts else None
print(json.dumps({"n": len(rtts), "lost": lost, "p50_us": q(0.50), "p90_us": q(0.90), "p99_us": q(0.99),
                  "min_us": rtts[0] if rtts else None, "mean_us": sum(rtts) / len(rtts) if rtts else None}))
"""


class Lab:
    def __init__(self, prefix, mode, rules, config, dp, pmd):
        self.prefix = prefix
        self.state = f"/tmp/rampart-lab-{prefix}"
        self.env = dict(os.environ, LAB_PREFIX=prefix, LAB_MODE=mode, LAB_STATE=self.state, RAMPART_DP=dp)
        if rules is not None:
            self.env["LAB_RULES"] = rules
        if config is not None:
            self.env["LAB_CONFIG"] = config
        if pmd:
            self.env["LAB_PMD"] = pmd
        self.client = f"{prefix}-client"
        self.up_output = ""

    def up(self):
        r = subprocess.run([LAB, "up"], env=self.env, capture_output=True, text=True, timeout=120)
        self.up_output = r.stdout + r.stderr
        if r.returncode != 0:
            raise RuntimeError(f"lab.sh up failed ({r.returncode}):\n{self.up_output[-3000:]}")

    def down(self):
        r = subprocess.run([LAB, "down"], env=self.env, capture_output=True, text=True, timeout=120)
        return r.returncode, r.stdout + r.stderr

    def dp_pid(self):
        try:
            with open(os.path.join(self.state, "rampart-dp.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def dp_cmdline(self):
        try:
            with open(os.path.join(self.state, "dp.cmdline")) as f:
                return f.read().strip()
        except OSError:
            return None

    def in_client(self, cmd, timeout):
        return subprocess.run(["ip", "netns", "exec", self.client, *cmd], capture_output=True, text=True,
                              timeout=timeout)


def sampled(lab, fn):
    """Run fn() while sampling /proc/stat and rampart-dp's CPU; return (fn's result, cpu dict)."""
    pid = lab.dp_pid()
    c0, s0, t0 = benchlib.proc_cpu(pid) if pid else None, benchlib.proc_stat(), time.monotonic()
    res = fn()
    c1, s1, t1 = benchlib.proc_cpu(pid) if pid else None, benchlib.proc_stat(), time.monotonic()
    cpu = benchlib.cpu_shares(s0, s1, t1 - t0)
    cpu["busy"] = sum(v for k, v in cpu.items() if k not in ("idle", "iowait"))
    cpu["rampart_dp"] = (c1 - c0) / os.sysconf("SC_CLK_TCK") / (t1 - t0) if c0 is not None and c1 is not None \
        else None
    return res, cpu


def iperf(lab, args, seconds):
    r = lab.in_client(["iperf3", "-c", SERVER, "-t", str(seconds), "-J", "--connect-timeout", "5000", *args],
                      timeout=seconds + 40)
    try:
        d = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"iperf3 {' '.join(args)}: no JSON (rc {r.returncode}): {r.stderr[-500:]}")
    if d.get("error"):
        raise RuntimeError(f"iperf3 {' '.join(args)}: {d['error']}")
    return d


def measure_tcp(lab, seconds):
    d, cpu = sampled(lab, lambda: iperf(lab, [], seconds))
    s = d["end"]["sum_received"]
    return {"gbps": s["bits_per_second"] / 1e9, "seconds": s["seconds"],
            "retransmits": d["end"].get("sum_sent", {}).get("retransmits"), "cpu": cpu}


def measure_udp64(lab, seconds):
    d, cpu = sampled(lab, lambda: iperf(lab, ["-u", "-l", "18", "-b", "0"], seconds))
    s = d["end"]["sum"]
    received = s["packets"] - s["lost_packets"]
    return {"pps": received / s["seconds"], "sent_pps": s["packets"] / s["seconds"], "sent": s["packets"],
            "lost": s["lost_packets"], "seconds": s["seconds"], "cpu": cpu}


def measure_latency(lab, pings, spin=False):
    r = lab.in_client([PY, "-c", PING_CLIENT, SERVER, "7", str(pings), "200", "spin" if spin else "block"],
                      timeout=pings * 0.01 + 120)
    if r.returncode != 0:
        raise RuntimeError(f"latency client failed: {r.stderr[-500:]}")
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dp", default=os.path.join(ROOT, "build-bench", "dataplane", "dpdk", "rampart-dp"))
    ap.add_argument("--prefix", default="bnlab", help="LAB_PREFIX (namespace names)")
    ap.add_argument("--configs", default="bridge,rampart-empty:af_packet,rampart-empty:af_xdp,rampart-rules:af_xdp")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10, help="iperf3 -t")
    ap.add_argument("--pings", type=int, default=10000)
    ap.add_argument("--pmd", default=None, help="LAB_PMD (default: lab.sh's)")
    ap.add_argument("--tests", default="tcp,udp64,latency,latency_spin")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("lab_bench: needs root (namespaces)")
    if not shutil.which("iperf3"):
        raise SystemExit("lab_bench: iperf3 not found (apt-get install -y iperf3)")
    tests = a.tests.split(",")
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as work:
        empty = os.path.join(work, "empty.rules")
        open(empty, "w").close()
        configs = {
            "bridge": ("bridge", None, None),
            "rampart-empty": ("rampart", empty, "none"),
            "rampart-rules": ("rampart", None, None),
        }
        names = a.configs.split(",")
        for n in names:
            if n.partition(":")[0] not in configs:
                raise SystemExit(f"lab_bench: unknown config {n} (known: {', '.join(configs)}, "
                                 "rampart ones with an optional :af_xdp / :af_packet / :auto suffix)")
        results = benchlib.results_header("lab", runs_per_point=a.runs, seconds=a.seconds, pings=a.pings,
                                          dp=a.dp, pmd=a.pmd, configs={})
        per = {n: {"tcp": [], "udp64": [], "latency": [], "latency_spin": [], "idle_cpu": [], "dp_stats": [],
                   "errors": [],
                   "dp_cmdline": None} for n in names}
        for i in range(a.runs):
            for name in names:
                base_name, _, pmd = name.partition(":")
                mode, rules, config = configs[base_name]
                lab = Lab(a.prefix, mode, rules, config, a.dp, pmd or a.pmd)
                try:
                    lab.up()
                    per[name]["dp_cmdline"] = lab.dp_cmdline()
                    lab.in_client(["ping", "-c", "3", "-i", "0.2", "-W", "1", SERVER], timeout=10)
                    # What the appliance costs with no traffic at all (busy polling or not).
                    _, idle_cpu = sampled(lab, lambda: time.sleep(2.0))
                    per[name]["idle_cpu"].append(idle_cpu)
                    for t in tests:
                        try:
                            if t == "tcp":
                                r = measure_tcp(lab, a.seconds)
                                msg = f"{r['gbps']:.2f} Gbit/s, CPUs busy {r['cpu']['busy']:.2f} " \
                                      f"(softirq {r['cpu']['softirq']:.2f}, rampart-dp " \
                                      f"{r['cpu']['rampart_dp'] or 0:.2f})"
                            elif t == "udp64":
                                r = measure_udp64(lab, a.seconds)
                                msg = f"{r['pps'] / 1e3:.0f} kpps received of {r['sent_pps'] / 1e3:.0f} kpps sent"
                            else:
                                r = measure_latency(lab, a.pings, spin=(t == "latency_spin"))
                                msg = f"p50 {r['p50_us']:.0f} us, p99 {r['p99_us']:.0f} us, lost {r['lost']}"
                            per[name][t].append(r)
                            print(f"run {i} {name:<24} {t:<8} {msg}", flush=True)
                        except (RuntimeError, subprocess.TimeoutExpired, KeyError) as e:
                            per[name]["errors"].append(f"run {i} {t}: {e}"[:2000])
                            print(f"run {i} {name:<24} {t:<8} FAILED: {str(e).splitlines()[0]}", flush=True)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    per[name]["errors"].append(f"run {i} up: {e}"[:3000])
                    print(f"run {i} {name}: lab up FAILED: {str(e).splitlines()[0]}", flush=True)
                finally:
                    rc, out = lab.down()
                    try:  # rampart-dp's own counters for the run (written when `down` stops it)
                        with open(os.path.join(lab.state, "stats.json")) as f:
                            st = json.load(f)
                        per[name]["dp_stats"].append({k: st.get(k) for k in ("forwarding", "drops", "alerts",
                                                                              "flows", "distribution", "fail_mode")})
                    except (OSError, ValueError):
                        pass
                    if rc != 0:
                        per[name]["errors"].append(f"run {i} down: {out[-1000:]}")
                        print(f"run {i} {name}: lab down: {out.strip()[-300:]}", flush=True)

    def med(xs, key, sub=None):
        vals = [(x[key] if sub is None else (x[key] or {}).get(sub)) for x in xs]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    for name in names:
        p = per[name]
        p["tcp_gbps"] = benchlib.summary([r["gbps"] for r in p["tcp"]])
        p["udp64_pps"] = benchlib.summary([r["pps"] for r in p["udp64"]])
        p["latency_p50_us"] = benchlib.summary([r["p50_us"] for r in p["latency"]])
        p["latency_p99_us"] = benchlib.summary([r["p99_us"] for r in p["latency"]])
        p["latency_spin_p50_us"] = benchlib.summary([r["p50_us"] for r in p["latency_spin"]])
        p["latency_spin_p99_us"] = benchlib.summary([r["p99_us"] for r in p["latency_spin"]])
        for t in ("tcp", "udp64"):
            p[t + "_cpu_median"] = {k: med(p[t], "cpu", k) for k in
                                    ("user", "system", "softirq", "idle", "busy", "rampart_dp")}
        p["idle_cpu_median"] = {k: statistics.median([c[k] for c in p["idle_cpu"] if c.get(k) is not None])
                                if any(c.get(k) is not None for c in p["idle_cpu"]) else None
                                for k in ("busy", "softirq", "rampart_dp")}
        results["configs"][name] = p
    base = per.get("bridge")
    print(f"\nlab benchmark, {a.runs} runs, medians; iperf3 -t {a.seconds}; {a.pings} UDP round trips; "
          f"{os.cpu_count()} CPUs")
    print(f"{'config':<24} {'TCP Gb/s':>9} {'x br':>5} {'UDP64 kpps':>10} {'x br':>5} {'p50 us':>7} {'p99 us':>7} "
          f"{'x br p50':>8} {'spin p50':>8} {'spin p99':>8} {'CPU busy':>8} {'softirq':>7} {'dp CPU':>6} "
          f"{'dp idle':>7}")
    for name in names:
        p = per[name]
        t, u, l50, l99 = (p["tcp_gbps"]["median"], p["udp64_pps"]["median"], p["latency_p50_us"]["median"],
                          p["latency_p99_us"]["median"])
        rt = benchlib.ratio(t, base["tcp_gbps"]["median"]) if base else None
        ru = benchlib.ratio(u, base["udp64_pps"]["median"]) if base else None
        rl = benchlib.ratio(l50, base["latency_p50_us"]["median"]) if base else None
        c = p["tcp_cpu_median"]
        print(f"{name:<24} {benchlib.fmt(t, 1, 9)} {benchlib.fmt(rt, 1, 5)} {benchlib.fmt(u, 1e3, 10, 0)} "
              f"{benchlib.fmt(ru, 1, 5)} {benchlib.fmt(l50, 1, 7, 0)} {benchlib.fmt(l99, 1, 7, 0)} "
              f"{benchlib.fmt(rl, 1, 8)} {benchlib.fmt(p['latency_spin_p50_us']['median'], 1, 8, 0)} "
              f"{benchlib.fmt(p['latency_spin_p99_us']['median'], 1, 8, 0)} {benchlib.fmt(c['busy'], 1, 8)} "
              f"{benchlib.fmt(c['softirq'], 1, 7)} "
              f"{benchlib.fmt(c['rampart_dp'], 1, 6)} {benchlib.fmt(p['idle_cpu_median']['rampart_dp'], 1, 7)}")
        results["configs"][name]["ratio_vs_bridge"] = {"tcp": rt, "udp64": ru, "latency_p50": rl}
    print(f"CPU columns, in CPUs (of {os.cpu_count()}): busy and softirq = the whole machine during the TCP test "
          "(/proc/stat, other users included); dp CPU = rampart-dp's own CPU during it; dp idle = rampart-dp's "
          "CPU with no traffic")
    out = benchlib.write_results("lab", results)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
