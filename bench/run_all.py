#!/usr/bin/python3
"""Run every benchmark and write one report: bench/results/<date>-<host>.json, .md and -<workload>.png.

Each figure is a ratio against a baseline measured in the same run (median, spread = min..max over
runs, computed from each sub-benchmark's per-run numbers); absolute numbers are printed beside it.
--report-only DIR_OR_FILES rebuilds the report from existing sub-results without running anything.
"""
import argparse, datetime, glob, json, os, socket, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
WORKLOADS = ["inline", "lab", "pcap", "reload", "export"]
NOT_YET = [
    "offline detection vs raw Hyperscan scan rate (hsbench-style baseline not written yet)",
    "flow table benchmark (no script yet)",
    "scaling 1..N workers plot (needs a machine with more than 2 CPUs; inline_bench --workers)",
    "XDP / NFQUEUE modes (later issue)",
]


def spread(runs):
    """median/min/max of a list of numbers; None when there is nothing to compute it from."""
    runs = [r for r in runs if isinstance(r, (int, float))]
    if not runs:
        return None
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs), "n": len(runs)}


def ratio_runs(num, den):
    """Per-run ratios, pairing run i of each (runs alternate, so run i of both shared the same load)."""
    if not num or not den or len(num) != len(den):
        return None
    return [a / b for a, b in zip(num, den) if b]


def fig(name, value_runs, base_runs, unit, baseline, note=None):
    r = ratio_runs(value_runs, base_runs)
    out = {"name": name, "unit": unit, "baseline": baseline,
           "value": spread(value_runs), "baseline_value": spread(base_runs),
           "ratio": spread(r) if r else None}
    if out["ratio"] is None and out["value"] and out["baseline_value"]:
        out["ratio"] = {"median": out["value"]["median"] / out["baseline_value"]["median"],
                        "min": None, "max": None, "n": 1, "spread": "n/a (ratio of medians)"}
    if note:
        out["note"] = note
    return out


def runs_of(d, key):
    return (d.get(key) or {}).get("runs") if isinstance(d.get(key), dict) else None


def from_inline(d):
    figs = []
    for pname, p in sorted(d.get("points", {}).items()):
        figs.append(fig("%s %s" % (d.get("_file_tag", ""), pname), runs_of(p, "rampart_pps"),
                        runs_of(p, "testpmd_pps"), "pps", "dpdk-testpmd io"))
    return figs


def from_lab(d):
    figs = []
    base = d.get("configs", {}).get("bridge")
    if not base:
        return figs
    for cname, c in d["configs"].items():
        if cname == "bridge":
            continue
        for key, unit in (("tcp_gbps", "Gbit/s"), ("udp64_pps", "pps")):
            figs.append(fig("%s %s" % (cname, key), runs_of(c, key), runs_of(base, key), unit, "Linux bridge"))
        for key in ("latency_p50_us", "latency_p99_us"):
            # latency: lower is better, so the ratio is bridge / rampart (>1 = rampart faster).
            figs.append(fig("%s %s (bridge/rampart)" % (cname, key), runs_of(base, key), runs_of(c, key),
                            "us", "Linux bridge", note="value column = bridge, baseline column = rampart"))
    return figs


def from_pcap(d):
    figs = []
    sets = d.get("sets", {})
    none = sets.get("none")
    for sname, s in sets.items():
        if sname == "none" or not none:
            continue
        f = {"name": "%s engine pps vs no rules" % sname, "unit": "pps", "baseline": "same capture, no rules",
             "value": {"median": s.get("engine_pps_median"), "min": s.get("engine_pps_min"),
                       "max": s.get("engine_pps_max"), "n": d.get("runs")},
             "baseline_value": {"median": none.get("engine_pps_median"), "min": none.get("engine_pps_min"),
                                "max": none.get("engine_pps_max"), "n": d.get("runs")},
             "ratio": {"median": s["engine_pps_median"] / none["engine_pps_median"], "min": None, "max": None,
                       "spread": "n/a (pcap JSON holds min/max, not per-run numbers)"},
             "note": "the raw Hyperscan scan-rate baseline is not measured yet"}
        figs.append(f)
    return figs


def from_reload(d):
    figs = []
    for ph in d.get("phases", []):
        rl, bl = ph.get("reload", {}), ph.get("baseline", {})
        figs.append({"name": "%d pps: received, reloads / no reload" % ph.get("rate", 0), "unit": "packets",
                     "baseline": "same stream, no reload",
                     "value": {"median": rl.get("received"), "min": None, "max": None, "n": 1},
                     "baseline_value": {"median": bl.get("received"), "min": None, "max": None, "n": 1},
                     "ratio": {"median": (rl.get("received") / rl.get("sent")) / (bl.get("received") / bl.get("sent"))
                               if rl.get("sent") and bl.get("sent") and bl.get("received") else None,
                               "min": None, "max": None, "spread": "n/a (one phase per rate)"},
                     "absolute": {"reload_lost": rl.get("lost"), "baseline_lost": bl.get("lost"),
                                  "reload_worst_gap_ms": rl.get("worst_gap_ms"),
                                  "baseline_worst_gap_ms": bl.get("worst_gap_ms")}})
    return figs


def from_export(d):
    figs = []
    base = d.get("redis_baseline", {})
    for r in d.get("runs", []):
        for sink, s in (r.get("sinks") or {}).items():
            b = base.get("xadd") if sink == "redis" else None
            figs.append({"name": "%s: %s records/s vs offered" % (r.get("config"), sink), "unit": "records/s",
                         "baseline": "alerts/s offered in the same run",
                         "value": {"median": s.get("records_per_s"), "min": None, "max": None, "n": 1},
                         "baseline_value": {"median": r.get("offered_alerts_per_s"), "min": None, "max": None, "n": 1},
                         "ratio": {"median": s["records_per_s"] / r["offered_alerts_per_s"]
                                   if s.get("records_per_s") and r.get("offered_alerts_per_s") else None,
                                   "min": None, "max": None, "spread": "n/a (one run per config)"},
                         "absolute": {"dropped": s.get("dropped"), "redis_benchmark_xadd_per_s": b}})
    return figs


PARSERS = {"inline": from_inline, "lab": from_lab, "pcap": from_pcap, "reload": from_reload, "export": from_export}


def workload_of(path):
    base = os.path.basename(path)[:-5]
    for w in WORKLOADS:
        if base.endswith("-" + w) or ("-%s-" % w) in base:
            return w
    return None


def build_report(files, skipped):
    report = {"date": datetime.date.today().isoformat(), "host": socket.gethostname(),
              "workloads": {}, "not_yet_measured": NOT_YET}
    for w, reason in skipped.items():
        report["workloads"][w] = {"skipped": reason}
    for path in sorted(files):
        w = workload_of(path)
        if not w:
            continue
        d = json.load(open(path))
        d["_file_tag"] = os.path.basename(path)[:-5].split("-" + w)[-1].lstrip("-") or "main"
        entry = report["workloads"].setdefault(w, {"sources": [], "figures": []})
        entry.pop("skipped", None)
        entry.setdefault("sources", []).append(os.path.relpath(path, ROOT))
        entry.setdefault("figures", []).extend(PARSERS[w](d))
    return report


def fmt(v):
    if v is None:
        return "n/a"
    if abs(v) >= 1e6:
        return "%.3gM" % (v / 1e6)
    if abs(v) >= 1e3:
        return "%.4gk" % (v / 1e3)
    return "%.3g" % v


def write_md(report, path):
    out = ["# Rampart benchmarks, %s, %s" % (report["date"], report["host"]), "",
           "Ratios against a baseline measured in the same run; spread = min..max over runs ('n/a' where the "
           "sub-result holds no per-run numbers). Absolute numbers are informative, never asserted.", ""]
    for w, e in report["workloads"].items():
        out.append("## %s" % w)
        if "skipped" in e:
            out += ["", "skipped: %s" % e["skipped"], ""]
            continue
        out += ["", "sources: " + ", ".join(e["sources"]), "",
                "| figure | baseline | ratio median | ratio spread | value (median) | baseline (median) |",
                "|---|---|---|---|---|---|"]
        for f in e["figures"]:
            r = f["ratio"] or {}
            sp = r.get("spread") or ("%s..%s" % (fmt(r.get("min")), fmt(r.get("max"))))
            out.append("| %s | %s | %s | %s | %s %s | %s %s |" % (
                f["name"], f["baseline"], fmt(r.get("median")), sp, fmt((f["value"] or {}).get("median")), f["unit"],
                fmt((f["baseline_value"] or {}).get("median")), f["unit"]))
        out.append("")
    out += ["## Not yet measured (issue 7)", ""] + ["- " + n for n in report["not_yet_measured"]] + [""]
    open(path, "w").write("\n".join(out))


def write_plots(report, prefix):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    written = []
    for w, e in report["workloads"].items():
        figs = [f for f in e.get("figures", []) if f["ratio"] and f["ratio"].get("median") is not None]
        if not figs:
            continue
        names = [f["name"] for f in figs]
        med = [f["ratio"]["median"] for f in figs]
        lo = [m - f["ratio"]["min"] if f["ratio"].get("min") is not None else 0 for m, f in zip(med, figs)]
        hi = [f["ratio"]["max"] - m if f["ratio"].get("max") is not None else 0 for m, f in zip(med, figs)]
        fig, ax = plt.subplots(figsize=(10, 0.55 * len(figs) + 1.5))
        y = range(len(figs))
        ax.barh(y, med, xerr=[lo, hi], capsize=4, color="#4c72b0")
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(list(y))
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("ratio vs baseline (median, bars = min..max over runs)")
        ax.set_title("%s — %s %s" % (w, report["date"], report["host"]))
        xmax = max(m + h for m, h in zip(med, hi))
        ax.set_xlim(0, xmax * 1.6)
        for i, f in enumerate(figs):
            ax.text(med[i] + hi[i] + xmax * 0.02, i, "%.2f  (%s vs %s %s)" % (
                med[i], fmt(f["value"]["median"]), fmt(f["baseline_value"]["median"]), f["unit"]),
                va="center", fontsize=7)
        fig.tight_layout()
        p = "%s-%s.png" % (prefix, w)
        fig.savefig(p, dpi=110)
        plt.close(fig)
        written.append(p)
    return written


def run_benchmarks(args, only):
    """Runs each selected script; returns (new result files, skipped reasons)."""
    q = args.quick
    dp = os.path.join(args.build, "dataplane", "dpdk", "rampart-dp")
    cmds = {
        "inline": ["inline_bench.py", "--dp", dp] + (["--cases", "null", "--workers", "1", "--duration", "3", "--runs", "2"] if q else []),
        "lab": ["lab_bench.py", "--dp", dp] + (["--runs", "1", "--seconds", "3", "--pings", "1000"] if q else []),
        "pcap": ["pcap_bench.py", "--dp", dp] + (["--runs", "1", "--size-mb", "100", "--sets", "none,et2024"] if q else []),
        "reload": ["reload_bench.py", "--build", args.build] + (["--rates", "20000", "--reloads", "2"] if q else []),
        "export": ["export_bench.py", "--build", args.build] + (["--seconds", "3", "--configs", "eve"] if q else []),
    }
    skipped, files = {}, []
    shared = os.path.join(ROOT, "..", "shared", "data")
    for w in only:
        if not os.path.exists(os.path.join(HERE, cmds[w][0])):
            skipped[w] = "script %s missing" % cmds[w][0]; continue
        if not os.access(dp, os.X_OK):
            skipped[w] = "no build: %s not found" % dp; continue
        if w in ("lab", "reload", "export") and os.geteuid() != 0:
            skipped[w] = "needs root"; continue
        if w in ("pcap", "reload", "inline") and not os.path.isdir(shared) and not (w == "inline" and q):
            skipped[w] = "../shared/data absent"; continue
        before = set(glob.glob(os.path.join(RESULTS, "*.json")))
        t0 = os.path.getmtime
        start = datetime.datetime.now().timestamp()
        print("run_all: %s" % " ".join(cmds[w]), flush=True)
        rc = subprocess.call([sys.executable, os.path.join(HERE, cmds[w][0])] + cmds[w][1:], cwd=ROOT)
        new = [p for p in glob.glob(os.path.join(RESULTS, "*.json"))
               if workload_of(p) == w and (p not in before or t0(p) >= start)]
        if rc != 0 or not new:
            skipped[w] = "failed: exit %d, %d result file(s)" % (rc, len(new))
        files += new
    return files, skipped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="release build dir")
    ap.add_argument("--quick", action="store_true", help="fewer runs, shorter durations (smoke run)")
    ap.add_argument("--only", default=",".join(WORKLOADS))
    ap.add_argument("--report-only", nargs="+", metavar="DIR_OR_FILE",
                    help="rebuild the report from existing sub-results, run nothing")
    ap.add_argument("--out", default=None, help="report prefix (default bench/results/<date>-<host>)")
    args = ap.parse_args()
    only = [w for w in args.only.split(",") if w]
    bad = [w for w in only if w not in WORKLOADS]
    if bad:
        ap.error("unknown workload(s): %s" % ",".join(bad))
    if args.report_only:
        files = []
        for p in args.report_only:
            files += sorted(glob.glob(os.path.join(p, "*.json"))) if os.path.isdir(p) else [p]
        files = [f for f in files if workload_of(f) in only]
        skipped = {}
    else:
        files, skipped = run_benchmarks(args, only)
    report = build_report(files, skipped)
    prefix = args.out or os.path.join(RESULTS, "%s-%s" % (report["date"], report["host"]))
    json.dump(report, open(prefix + ".json", "w"), indent=1)
    write_md(report, prefix + ".md")
    pngs = write_plots(report, prefix)
    print(open(prefix + ".md").read())
    print("run_all: wrote %s.json, %s.md, %s" % (prefix, prefix, ", ".join(pngs)))


if __name__ == "__main__":
    main()
