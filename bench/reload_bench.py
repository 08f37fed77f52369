#!/usr/bin/python3
"""Reload benchmark: ET Open 2024 through rampartd, reloaded under traffic in the lab.

rampartd (release build) runs the ET Open 2024 rule set plus one marker rule;
rampart-dp runs managed (firmware/lab.sh, LAB_MANAGED=rampartd's socket). For
each rate (--rates, default 20000 and 50000 packets/s) a UDP stream of
64-byte datagrams with sequence numbers, spread over 256 flows (so no flow
reaches the engine's inspection depth and is bypassed: every packet is
inspected), goes from the client namespace to a sink in the server namespace:

  baseline  the stream for as long as the reloads took, no reload
  reload    the stream while `rampartctl --json rules reload` runs --reloads
            times, the marker rule's sid alternating (so every reload is a
            real rule change: the daemon parses and compiles the whole set,
            then rampart-dp parses, compiles and swaps it)

Per phase: packets sent / received / lost and the worst gap between two
arrivals at the sink; where a loss happened: the sink's own socket
(the server namespace's UDP RcvbufErrors; the sink asks for a 64 MiB buffer
with SO_RCVBUFFORCE) and rampart-dp's drop counters (`rampartctl stats`).
Per reload: the daemon's parse and compile time and RSS,
rampart-dp's parse / compile / swap / total time, RSS and peak RSS (its
load-result), and the end-to-end time of the rampartctl call.

Prints a table and writes bench/results/<date>-<host>-reload.json. Needs root,
a build with rampart-dp, rampartd and rampartctl (--build, a release build:
`meson setup build-rel -Dtests=false`), ../shared/data/rules/et-open-2024.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402

ROOT = benchlib.ROOT
LAB = os.path.join(ROOT, "firmware", "lab.sh")
E2E = os.path.join(ROOT, "tests", "e2e")
sys.path.insert(0, E2E)
PY = "/usr/bin/python3"
SERVER = "192.168.50.2"
SINK_PORT = 5555
MARKER = 'alert udp any any -> any 7 (msg:"bench reload marker %d"; content:"RELOAD-%d"; sid:%d; rev:1;)\n'


class ManagedLab:
    """rampartd + a managed lab in a temp state dir; everything stopped by PID."""

    def __init__(self, build, prefix, rule_files, classification, outputs=None, workers=None):
        os.environ["RAMPARTD"] = os.path.join(build, "ctrlplane", "daemon", "rampartd")
        os.environ["RAMPARTCTL"] = os.path.join(build, "ctrlplane", "ctl", "rampartctl")
        import ctrlplane_env  # noqa: E402  (reads the two variables above)
        self.env_mod = ctrlplane_env
        self.dp = os.path.join(build, "dataplane", "dpdk", "rampart-dp")
        for p in (self.dp, ctrlplane_env.rampartd_path(), ctrlplane_env.rampartctl_path()):
            if not os.access(p, os.X_OK):
                raise SystemExit(f"{p} not found: build it (meson setup {build} -Dtests=false)")
        self.state = tempfile.mkdtemp(prefix=f"rampart-bench-{prefix}-")
        os.chmod(self.state, 0o755)
        self.cp = os.path.join(self.state, "cp")
        os.makedirs(os.path.join(self.cp, "rules"))
        self.socket = os.path.join(self.cp, "rampartd.sock")
        self.marker = os.path.join(self.cp, "rules", "marker.rules")
        self.set_marker(0)
        self.metrics_port = ctrlplane_env.free_port()
        self.config = {
            "rampartd": {"socket": self.socket, "state-dir": os.path.join(self.cp, "state"),
                         "audit-log": os.path.join(self.cp, "audit.log")},
            "default-rule-path": os.path.join(self.cp, "rules"),
            "rule-files": list(rule_files) + [self.marker],
            "outputs": outputs or {"eve": {"enabled": True, "filename": os.path.join(self.cp, "eve.json")}},
            "metrics": {"enabled": True, "listen": f"127.0.0.1:{self.metrics_port}"},
            "vars": {"address-groups": {"HOME_NET": f"[{SERVER}/32]", "EXTERNAL_NET": "!$HOME_NET"}},
        }
        if classification:
            self.config["classification-file"] = classification
        self.config_path = os.path.join(self.cp, "rampart.yaml")
        self.daemon = None
        self.prefix = prefix
        self.lab_env = dict(os.environ, LAB_PREFIX=prefix, LAB_STATE=self.state, LAB_MODE="rampart",
                            RAMPART_DP=self.dp, LAB_MANAGED=self.socket)
        for k in ("LAB_RULES", "LAB_CONFIG", "LAB_DP_ARGS", "LAB_WAIT_RULES"):
            self.lab_env.pop(k, None)
        if workers:
            self.lab_env["LAB_WORKERS"] = str(workers)
        self.lab_up = False

    def set_marker(self, k):
        with open(self.marker + ".tmp", "w") as f:
            f.write(MARKER % (k, k, 9300000 + k))
        os.replace(self.marker + ".tmp", self.marker)

    def write_config(self):
        import yaml
        with open(self.config_path, "w") as f:
            yaml.safe_dump(self.config, f, sort_keys=False)

    def start_daemon(self, timeout=900):
        self.write_config()
        t0 = time.monotonic()
        self.daemon = self.env_mod.Daemon(self.cp, self.config_path)
        if not self.daemon.wait_ready(timeout):
            self.daemon.stop(signal.SIGKILL)
            raise SystemExit("rampartd did not start:\n" + open(self.daemon.err_path).read()[-3000:])
        return time.monotonic() - t0

    def stop_daemon(self):
        if self.daemon:
            rc = self.daemon.stop()
            self.daemon = None
            return rc
        return None

    def up(self):
        t0 = time.monotonic()
        self.lab_up = True
        r = subprocess.run(["bash", LAB, "up"], env=self.lab_env, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise RuntimeError(f"lab.sh up failed ({r.returncode}):\n{r.stdout}{r.stderr}")
        return time.monotonic() - t0

    def down(self):
        if self.lab_up:
            subprocess.run(["bash", LAB, "down"], env=self.lab_env, capture_output=True, text=True, timeout=300)
            self.lab_up = False

    def close(self, keep=False):
        self.down()
        self.stop_daemon()
        if not keep:
            shutil.rmtree(self.state, ignore_errors=True)

    def ctl(self, *args, as_json=True, timeout=900):
        cmd = [self.env_mod.rampartctl_path(), "--socket", self.socket] + (["--json"] if as_json else []) \
            + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"rampartctl {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
        return json.loads(r.stdout) if as_json else r.stdout

    def dp_out(self):
        try:
            with open(os.path.join(self.state, "dp.out")) as f:
                return f.read()
        except OSError:
            return ""

    def dp_pid(self):
        with open(os.path.join(self.state, "rampart-dp.pid")) as f:
            return int(f.read().split()[0])

    def probe(self, side, name, **args):
        """A probe of tests/e2e/ctrlplane_env.py in a namespace, in the
        background: Popen (its first line already read)."""
        p = subprocess.Popen(["ip", "netns", "exec", f"{self.prefix}-{side}", PY,
                              os.path.join(E2E, "ctrlplane_env.py"), "probe", name, json.dumps(args)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = p.stdout.readline()
        if not first:
            raise RuntimeError(f"probe {name} did not start: {p.stderr.read()}")
        return p

    @staticmethod
    def finish(p, timeout=900):
        out, err = p.communicate(timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"probe failed: {err}")
        return json.loads(out.strip().splitlines()[-1])

    def in_ns(self, side, cmd, timeout=60):
        return subprocess.run(["ip", "netns", "exec", f"{self.prefix}-{side}"] + cmd, capture_output=True,
                              text=True, timeout=timeout)


def _flatten(prefix, obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _flatten(f"{prefix}[{i}]", v, out)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix] = obj


def dp_counters(lab):
    """rampart-dp's drop and port counters (flattened) from `rampartctl stats`."""
    out = {}
    try:
        st = lab.ctl("stats")
    except RuntimeError:
        return out
    for dp in st.get("dataplanes") or []:
        stats = dp.get("stats") or {}
        for key in ("drops", "forwarding", "ports"):
            _flatten(key, stats.get(key), out)
    return out


def stream_phase(lab, rate, seconds=None, during=None, flows=256):
    """A UDP stream at `rate` while `during()` runs (or for `seconds`); the
    sink's and sender's results and what during() returned."""
    stop = os.path.join(lab.state, "flood.stop")
    if os.path.exists(stop):
        os.unlink(stop)
    dp0 = dp_counters(lab)
    sink = lab.probe("server", "udp_sink", port=SINK_PORT, idle=2.0)
    # Many flows: the engine stops inspecting (bypasses) a flow past its
    # inspection depth, and a single 50 kpps flow would soon be bypassed.
    flood = lab.probe("client", "udp_flood", port=SINK_PORT, rate=rate, stop_file=stop, flows=flows)
    time.sleep(1.0)
    t0 = time.monotonic()
    result = during() if during else time.sleep(seconds)
    elapsed = time.monotonic() - t0
    time.sleep(1.0)
    open(stop, "w").close()
    sent = lab.finish(flood)
    got = lab.finish(sink)
    dp1 = dp_counters(lab)
    dp_delta = {k: v - dp0.get(k, 0) for k, v in dp1.items() if v - dp0.get(k, 0)}
    return {"sink_rcvbuf_drops": got.get("rcvbuf_errors"), "dp_counter_deltas": dp_delta,
            "flows": flows, "rate_asked": rate, "sent": sent["sent"], "rate_achieved": sent["rate"],
            "send_errors": sent["send_errors"], "received": got["unique"], "duplicates": got["duplicates"],
            "lost": sent["sent"] - got["unique"], "worst_gap_ms": got["worst_gap_s"] * 1000,
            "seconds": sent["seconds"], "window_s": elapsed}, result


def do_reloads(lab, n, first_marker):
    out = []
    for i in range(n):
        lab.set_marker(first_marker + i + 1)
        t0 = time.monotonic()
        data = lab.ctl("rules", "reload")
        wall = time.monotonic() - t0
        dps = data.get("dataplanes") or []
        res = (dps[0].get("result") or {}) if dps else {}
        out.append({
            "ctl_seconds": wall,
            "daemon_parse_s": (data.get("timing") or {}).get("parse_s"),
            "daemon_compile_s": (data.get("timing") or {}).get("compile_s"),
            "daemon_rss_kb": (data.get("memory") or {}).get("rss_kb"),
            "daemon_rss_peak_kb": (data.get("memory") or {}).get("rss_peak_kb"),
            "rules_loaded": data.get("loaded"), "rules_compiled": data.get("compiled"),
            "dp_ok": res.get("ok"), "dp_rules_changed": res.get("rules_changed"),
            "dp_rules": res.get("rules"),
            "dp_parse_s": (res.get("timing") or {}).get("parse_s"),
            "dp_compile_s": (res.get("timing") or {}).get("compile_s"),
            "dp_swap_s": (res.get("timing") or {}).get("swap_s"),
            "dp_total_s": (res.get("timing") or {}).get("total_s"),
            "dp_detect_bytes": (res.get("memory") or {}).get("detect_bytes"),
            "dp_rss_kb": (res.get("memory") or {}).get("rss_kb"),
            "dp_rss_peak_kb": (res.get("memory") or {}).get("rss_peak_kb"),
        })
        print(f"    reload {i + 1}: {wall:.2f} s (daemon compile {out[-1]['daemon_compile_s'] or 0:.2f} s, "
              f"dp total {out[-1]['dp_total_s'] or 0:.2f} s, swap {1000 * (out[-1]['dp_swap_s'] or 0):.1f} ms, "
              f"dp rss {(out[-1]['dp_rss_kb'] or 0) / 1024:.0f} MiB)", flush=True)
    return out


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-rel"), help="build dir (release)")
    ap.add_argument("--rates", default="20000,50000", help="packets/s, comma-separated")
    ap.add_argument("--reloads", type=int, default=10)
    ap.add_argument("--rules", default=None, help="rules dir (default ../shared/data/rules/et-open-2024)")
    ap.add_argument("--workers", type=int, default=None, help="LAB_WORKERS")
    ap.add_argument("--prefix", default="bnrel")
    ap.add_argument("--keep", action="store_true", help="keep the state dir")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (network namespaces)")
    rules = a.rules or benchlib.need_shared("rules", "et-open-2024")
    classification = os.path.join(rules, "classification.config")
    lab = ManagedLab(os.path.abspath(a.build), a.prefix, [rules],
                     classification if os.path.exists(classification) else None, workers=a.workers)
    results = benchlib.results_header("reload", build=os.path.abspath(a.build), rules=rules,
                                      reloads=a.reloads, rates=a.rates)
    try:
        results["daemon_start_s"] = lab.start_daemon()
        results["lab_up_s"] = lab.up()
        print(f"rampartd ready in {results['daemon_start_s']:.1f} s, rampart-dp loaded in "
              f"{results['lab_up_s']:.1f} s", flush=True)
        results["status"] = lab.ctl("status")
        lab.in_ns("client", [PY, os.path.join(ROOT, "tests", "e2e", "lab.py"), "probe", "ping",
                             json.dumps({"count": 2})])
        phases = []
        marker = 0
        for rate in [int(x) for x in a.rates.split(",")]:
            print(f"rate {rate} pps: reloads", flush=True)
            rel, reloads = stream_phase(lab, rate, during=lambda: do_reloads(lab, a.reloads, marker))
            marker += a.reloads
            print(f"rate {rate} pps: baseline ({rel['window_s']:.0f} s, no reload)", flush=True)
            base, _ = stream_phase(lab, rate, seconds=rel["window_s"])
            phases.append({"rate": rate, "reload": rel, "baseline": base, "reloads": reloads})
        results["phases"] = phases
        results["dp_stdout_tail"] = lab.dp_out()[-2000:]
    finally:
        lab.close(keep=a.keep)

    print()
    print(f"{'rate':>7} {'phase':>9} {'sent':>9} {'recv':>9} {'lost':>6} {'sink drops':>10} {'dp drops':>8} "
          f"{'worst gap ms':>12} {'achieved pps':>12}")
    for ph in results["phases"]:
        for name in ("baseline", "reload"):
            r = ph[name]
            dp_drops = sum(v for k, v in r["dp_counter_deltas"].items() if k.startswith("drops."))
            print(f"{ph['rate']:>7} {name:>9} {r['sent']:>9} {r['received']:>9} {r['lost']:>6} "
                  f"{r['sink_rcvbuf_drops'] if r['sink_rcvbuf_drops'] is not None else '-':>10} {dp_drops:>8} "
                  f"{r['worst_gap_ms']:>12.1f} {r['rate_achieved']:>12.0f}")
    print()
    print(f"{'rate':>7} {'ctl s':>7} {'d compile s':>11} {'d rss MiB':>9} {'dp parse s':>10} {'dp compile s':>12} "
          f"{'dp swap ms':>10} {'dp total s':>10} {'dp rss MiB':>10} {'dp peak MiB':>11}   (medians)")
    for ph in results["phases"]:
        rl = ph["reloads"]

        def m(k, rl=rl):
            return med([r[k] for r in rl])
        print(f"{ph['rate']:>7} {m('ctl_seconds'):>7.2f} {m('daemon_compile_s'):>11.2f} "
              f"{(m('daemon_rss_kb') or 0) / 1024:>9.0f} {m('dp_parse_s'):>10.2f} {m('dp_compile_s'):>12.2f} "
              f"{1000 * m('dp_swap_s'):>10.1f} {m('dp_total_s'):>10.2f} {(m('dp_rss_kb') or 0) / 1024:>10.0f} "
              f"{(max(r['dp_rss_peak_kb'] or 0 for r in rl)) / 1024:>11.0f}")
        ph["summary"] = {k: m(k) for k in ("ctl_seconds", "daemon_parse_s", "daemon_compile_s", "daemon_rss_kb",
                                           "dp_parse_s", "dp_compile_s", "dp_swap_s", "dp_total_s", "dp_rss_kb")}
        ph["summary"]["dp_rss_peak_kb_max"] = max(r["dp_rss_peak_kb"] or 0 for r in rl)
    out = benchlib.write_results("reload", results)
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
