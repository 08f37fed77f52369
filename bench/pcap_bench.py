#!/usr/bin/python3
"""Offline detection benchmark: rampart-dp --pcap on a large real capture.

For each rule set (none, ET Open 2020 in Snort 2.9 syntax, ET Open 2024) it runs
`rampart-dp --pcap BIG --rules SET --eve ... --stats ...` --runs times and
reports, from the run's own --stats object, packets/s and Gbit/s per core (the
offline run uses one worker core), rule load/compile time and memory, flow
table bytes per flow. The capture is built by bench/build_capture.py from
../shared data (cached under --work).

Prints a table and writes bench/results/<date>-<host>-pcap.json.
Performance figures live here, never in timed tests.
"""
import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")


def run_once(dp, pcap, rules, work, extra):
    eve = os.path.join(work, "eve.json")
    stats = os.path.join(work, "stats.json")
    cmd = [dp, "--pcap", pcap, "--eve", eve, "--stats", stats] + extra
    for r in rules:
        cmd += ["--rules", r]
    t = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    if t.returncode != 0:
        raise SystemExit(f"pcap_bench: {' '.join(cmd)} failed ({t.returncode}):\n{t.stderr[-2000:]}")
    with open(stats) as f:
        st = json.load(f)
    st["peak_rss_kb"] = int(t.stderr.strip().splitlines()[-1])
    return st


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dp", default=os.path.join(ROOT, "build", "dataplane", "dpdk", "rampart-dp"))
    ap.add_argument("--work", default="/var/tmp/rampart-bench")
    ap.add_argument("--size-mb", type=int, default=1100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sets", default="none,et2020,et2024")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    pcap = os.path.join(a.work, f"mix-{a.size_mb}mb.pcap")
    if not os.path.exists(pcap):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "build_capture.py"), "--out", pcap,
                        "--size-mb", str(a.size_mb), os.path.join(SHARED, "pcaps", "ndpi"),
                        os.path.join(SHARED, "suricata-verify", "tests")], check=True)
    empty = os.path.join(a.work, "empty.rules")
    open(empty, "w").close()
    sets = {
        "none": ([empty], []),
        # The Snort 3 figures in DESIGN.md used HOME_NET and EXTERNAL_NET both `any`.
        "et2020": ([os.path.join(SHARED, "rules", "et-open-2020-snort29")],
                   ["--var", "HOME_NET=any", "--var", "EXTERNAL_NET=any"]),
        "et2024": ([os.path.join(SHARED, "rules", "et-open-2024")], []),
    }
    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": socket.gethostname(),
               "capture": pcap, "capture_bytes": os.path.getsize(pcap), "runs": a.runs, "sets": {}}
    with tempfile.TemporaryDirectory() as work:
        for name in a.sets.split(","):
            rules, extra = sets[name]
            runs = [run_once(a.dp, pcap, rules, work, extra) for _ in range(a.runs)]
            pps = [r["packets_processed"] / r["wall_seconds"] for r in runs]
            gbps = [r["bytes"] * 8 / r["wall_seconds"] / 1e9 for r in runs]
            cpu_pps = [r["packets_processed"] / r["cpu_seconds"] for r in runs]
            # The engine's own per-core rate (decode..detect..alert records), without
            # net_pcap's file reading, which dominates offline wall time.
            eng_pps = [r["packets_processed"] / r["engine_seconds"] for r in runs]
            eng_gbps = [r["bytes"] * 8 / r["engine_seconds"] / 1e9 for r in runs]
            last = runs[-1]
            results["sets"][name] = {
                "packets": last["packets_processed"], "bytes": last["bytes"],
                "pps_median": statistics.median(pps), "pps_min": min(pps), "pps_max": max(pps),
                "gbps_median": statistics.median(gbps), "pps_per_cpu_second_median": statistics.median(cpu_pps),
                "engine_pps_median": statistics.median(eng_pps), "engine_pps_min": min(eng_pps),
                "engine_pps_max": max(eng_pps), "engine_gbps_median": statistics.median(eng_gbps),
                "alerts": last.get("alerts"), "rules": last.get("rules"), "detect": last.get("detect"),
                "flow": last.get("flow"), "flows": last.get("flows"), "peak_rss_kb": last["peak_rss_kb"],
                "wall_seconds": [r["wall_seconds"] for r in runs],
            }
    base = results["sets"].get("none", {}).get("engine_pps_median")
    print(f"\ncapture {pcap}: {results['capture_bytes'] / 1e9:.2f} GB\n")
    print("Mpps/Gbit/s: whole run on one core, capture reading included; engine: inside the engine only")
    print(f"{'rules':<8} {'Mpps':>7} {'Gbit/s':>7} {'eng Mpps':>9} {'(min-max)':>13} {'eng Gb/s':>9} {'vs none':>8} "
          f"{'alerts':>8} {'active':>7} {'load s':>7} {'RSS MB':>7} {'B/flow':>7}")
    for name, s in results["sets"].items():
        rules = s.get("rules") or {}
        det = s.get("detect") or {}
        ratio = f"{s['engine_pps_median'] / base:.2f}" if base else "-"
        spread = f"{s['engine_pps_min'] / 1e6:.2f}-{s['engine_pps_max'] / 1e6:.2f}"
        print(f"{name:<8} {s['pps_median'] / 1e6:7.3f} {s['gbps_median']:7.2f} {s['engine_pps_median'] / 1e6:9.3f} "
              f"{spread:>13} {s['engine_gbps_median']:9.2f} {ratio:>8} {s['alerts'] or 0:8d} "
              f"{rules.get('active', 0):7d} {(rules.get('load_seconds') or 0) + (det.get('compile_seconds') or 0):7.2f} "
              f"{s['peak_rss_kb'] / 1024:7.0f} {(s.get('flow') or {}).get('bytes_per_flow', 0):7}")
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    out = os.path.join(ROOT, "bench", "results",
                       f"{datetime.date.today().isoformat()}-{socket.gethostname()}-pcap.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
