#!/usr/bin/python3
"""Inline forwarding benchmark: rampart-dp --ports against dpdk-testpmd io forwarding.

Two cases, each run on the same DPDK devices by both programs in the same
invocation, so the ratio rampart/testpmd is what we quote:

  null    net_null0 <-> net_null1, rampart-dp with an empty rules file.
          The null PMD makes 64-byte zero frames as fast as it is polled and
          frees what is sent to it: the cost of the forwarding loop itself
          (RX burst, decode of a non-IP frame, verdict, TX burst).
  et2024  side A: net_pcap rx_pcap=CAPTURE,infinite_rx=1 (a ~160 MB loop of
          the nDPI captures, Ethernet frames <= 1518 bytes, built once and
          cached under --work); side B: a port that never receives (net_pcap
          on an empty capture, transmit = drop) or, with --side-b null, a
          net_null port. rampart-dp loads ET Open 2024 and inspects every
          frame of side A. infinite_rx holds the whole capture in mbufs, so
          the pools are sized to the capture (EAL -m and dataplane.mbufs).

Timing is the same for both programs: the window opens when the program
says it forwards (testpmd: "packet forwarding - ports=", rampart-dp:
"rampart-dp: rules loaded"), lasts --duration seconds, and closes when we
send SIGINT; packets are the forwarded (transmitted) totals each program
reports at exit (testpmd's accumulated forward statistics, rampart-dp's
--stats forwarding.tx less forwarding.uninspected, the frames it forwarded
before detection was live).
In the et2024 case rampart-dp runs fail-closed, so frames that arrive before
detection is live are dropped (no_rules), never counted as forwarded.
Gbit/s = pps x the capture's average frame size x 8.

Prints a table and writes bench/results/<date>-<host>-inline.json.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = benchlib.ROOT
TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"
NULL_FRAME = 64  # net_null's default packet size


def eal_mem(mb):
    return ["--no-pci", "--no-huge", "-m", str(mb), "--no-shconf", "--log-level=*:error"]


def devices(case, cap, work, side_b):
    """(vdev args list, ethdev names A, B) for a case."""
    if case == "null":
        return ["net_null0", "net_null1"], "net_null0", "net_null1"
    a = f"net_pcap0,rx_pcap={cap['path']},infinite_rx=1"
    if side_b == "null":
        return [a, "net_null1"], "net_pcap0", "net_null1"
    return [a, f"net_pcap1,rx_pcap={benchlib.empty_pcap(work)}"], "net_pcap0", "net_pcap1"


def mem_for(case, cap, pools=1):
    """EAL memory (MB) and mbufs per pool for a case, for `pools` packet pools of that size."""
    if case == "null":
        return 1024 * pools, 16384
    # rampart-dp treats a pool with less than 1/8 free as exhausted (mbuf_low),
    # and infinite_rx holds one mbuf per capture frame for good: size the pool
    # so that 128k stay free. testpmd gets the same pool size.
    mbufs = (cap["packets"] + 131072) * 8 // 7
    # A default-size mbuf takes ~2.4 KB, but in --no-huge mode a pool needs
    # about 4.5 KB of EAL memory per mbuf to be created (measured: 900k mbufs
    # fit in -m 4096, 1.1M do not); plus rings and the program's own tables.
    return int(mbufs * 4.5 / 1024) * pools + 1024, mbufs


def parse_testpmd(out):
    """{'tx': accumulated TX-packets, 'rx': ..., 'ports': {n: {rx, tx}}} from testpmd's exit report."""
    res = {"ports": {}}
    for m in re.finditer(r"Forward statistics for port (\d+)\s+-+\s+RX-packets:\s+(\d+).*?\n\s+TX-packets:\s+(\d+)",
                         out):
        res["ports"][int(m.group(1))] = {"rx": int(m.group(2)), "tx": int(m.group(3))}
    m = re.search(r"Accumulated forward statistics for all ports\+*\s+RX-packets:\s+(\d+).*?\n\s+TX-packets:\s+(\d+)",
                  out)
    if m:
        res["rx"], res["tx"] = int(m.group(1)), int(m.group(2))
    return res


def lcore_map(n):
    """--lcores for n lcores, the same for both programs: the main lcore on CPU 0
    (testpmd's sleeps between stats prints, rampart-dp's is the control thread),
    the others round-robin from CPU 1, so the first forwarding lcore has a CPU
    of its own."""
    ncpu = os.cpu_count() or 1
    return ",".join(["0@0"] + [f"{i}@{i % ncpu}" for i in range(1, n)])


def run_testpmd(case, cap, work, side_b, workers, duration):
    vdevs, _a, _b = devices(case, cap, work, side_b)
    mem, mbufs = mem_for(case, cap)
    cmd = ["stdbuf", "-oL", TESTPMD, *eal_mem(mem), "--lcores", lcore_map(workers + 1)]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", "--forward-mode=io", "--auto-start", f"--nb-cores={workers}", "--stats-period", "3600",
            f"--total-num-mbufs={mbufs}"]
    child = benchlib.Child(cmd)
    try:
        t0 = child.wait_line("packet forwarding - ports=", 300)
        if t0 is None:
            raise RuntimeError("testpmd did not start forwarding:\n" + child.output()[-3000:])
        cpu0, st0 = benchlib.proc_cpu(child.proc.pid), benchlib.proc_stat()
        benchlib.sleep_pumping(child, duration)
        cpu1, st1 = benchlib.proc_cpu(child.proc.pid), benchlib.proc_stat()
    finally:
        t1, rc = child.stop()
    seconds = t1 - t0
    res = parse_testpmd(child.output())
    if "tx" not in res:
        raise RuntimeError(f"testpmd exit report not found (rc {rc}):\n" + child.output()[-3000:])
    return {"tx": res["tx"], "rx": res["rx"], "ports": res["ports"], "seconds": seconds,
            "cpu_seconds": (cpu1 - cpu0) / os.sysconf("SC_CLK_TCK") if cpu0 is not None and cpu1 is not None
            else None, "system_cpu": benchlib.cpu_shares(st0, st1, seconds), "cmd": cmd}


def run_rampart(dp, case, cap, work, side_b, workers, duration, rules, pin):
    vdevs, a, b = devices(case, cap, work, side_b)
    # rampart-dp gives every port its own pool of dataplane.mbufs.
    mem, mbufs = mem_for(case, cap, pools=2)
    stats = os.path.join(work, "stats.json")
    cfg = os.path.join(work, "inline-bench.yaml")
    with open(cfg, "w") as f:
        f.write("dataplane:\n"
                f"  mbufs: {mbufs}\n"
                f"  failure-mode: {'fail-open' if case == 'null' else 'fail-closed'}\n")
    if os.path.exists(stats):
        os.unlink(stats)
    cmd = [dp, "--ports", f"{a}:{b}", "--rules", rules, "--eve", "/dev/null", "--stats", stats,
           "--config", cfg, "--workers", str(workers), "--", *eal_mem(mem)]
    if pin:
        # The main lcore plus one per worker, plus the distributor when
        # rampart-dp distributes in software (net_pcap has one RX queue).
        cmd += ["--lcores", lcore_map(1 + workers + (1 if case != "null" and workers > 1 else 0))]
    for v in vdevs:
        cmd += ["--vdev", v]
    child = benchlib.Child(cmd)
    try:
        t0 = child.wait_line("rampart-dp: forwarding", 300)
        if t0 is None:
            raise RuntimeError("rampart-dp did not start forwarding:\n" + child.output()[-3000:])
        # Detection may still be compiling: the window opens when it is live.
        t0 = child.wait_line("rampart-dp: rules loaded", 300)
        if t0 is None:
            raise RuntimeError("rampart-dp did not report its rules loaded:\n" + child.output()[-3000:])
        cpu0, st0 = benchlib.proc_cpu(child.proc.pid), benchlib.proc_stat()
        benchlib.sleep_pumping(child, duration)
        cpu1, st1 = benchlib.proc_cpu(child.proc.pid), benchlib.proc_stat()
    finally:
        t1, rc = child.stop(grace=60)
    seconds = t1 - t0
    if rc != 0 or not os.path.exists(stats):
        raise RuntimeError(f"rampart-dp exited {rc}:\n" + child.output()[-3000:])
    with open(stats) as f:
        st = json.load(f)
    fwd = st.get("forwarding") or {}
    if fwd.get("tx") is None:
        raise RuntimeError("rampart-dp --stats has no forwarding.tx: " + json.dumps(st)[:2000])
    # Frames forwarded before detection was live (fail-open) are counted as
    # uninspected and fall before the window: leave them out.
    tx = fwd["tx"] - (fwd.get("uninspected") or 0)
    return {"tx": tx, "tx_total": fwd["tx"], "uninspected": fwd.get("uninspected"), "rx": fwd.get("rx"),
            "dropped": fwd.get("dropped"), "seconds": seconds, "workers_stats": st.get("workers"),
            "alerts": st.get("alerts"), "cpu_seconds": (cpu1 - cpu0) / os.sysconf("SC_CLK_TCK")
            if cpu0 is not None and cpu1 is not None else None,
            "system_cpu": benchlib.cpu_shares(st0, st1, seconds), "cmd": cmd,
            "stats": {k: v for k, v in st.items() if k != "decode"}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dp", default=os.path.join(ROOT, "build-bench", "dataplane", "dpdk", "rampart-dp"),
                    help="a release build of rampart-dp (meson setup build-bench --buildtype=release)")
    ap.add_argument("--cases", default="null,et2024")
    ap.add_argument("--workers", default="1,2",
                    help="null case: worker counts (same forwarding lcore count for testpmd)")
    ap.add_argument("--et-workers", default="1",
                    help="et2024 case: worker counts. net_pcap has one RX queue, so 2 workers means software "
                         "distribution: a distributor lcore + 2 workers + the control thread, more pollers "
                         "than a 2-CPU machine has")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds in each measurement window")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/var/tmp/rampart-bench")
    ap.add_argument("--size-mb", type=int, default=160, help="size of the looped capture for et2024")
    ap.add_argument("--side-b", choices=["empty", "null"], default="empty",
                    help="et2024 side B: net_pcap on an empty capture (default) or net_null")
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="let rampart-dp choose its lcores (default: the same --lcores map as testpmd)")
    ap.add_argument("--only", choices=["both", "rampart", "testpmd"], default="both")
    a = ap.parse_args()
    if not os.access(a.dp, os.X_OK) and a.only != "testpmd":
        raise SystemExit(f"inline_bench: {a.dp} is not executable (build it: meson setup build-bench "
                         "--buildtype=release && ninja -C build-bench)")
    cases = a.cases.split(",")
    cap = None
    if "et2024" in cases:
        rules_et = benchlib.need_shared("rules", "et-open-2024")
        cap = benchlib.loop_capture(a.work, a.size_mb)
    results = benchlib.results_header("inline", duration=a.duration, runs_per_point=a.runs, dp=a.dp, pin=a.pin,
                                      side_b=a.side_b, capture=cap, points={})
    with tempfile.TemporaryDirectory(prefix="inline-bench-") as work:
        empty_rules = os.path.join(work, "empty.rules")
        open(empty_rules, "w").close()
        for case in cases:
            frame = NULL_FRAME if case == "null" else cap["avg_frame"]
            rules = empty_rules if case == "null" else rules_et
            for w in [int(x) for x in (a.workers if case == "null" else a.et_workers).split(",")]:
                key = f"{case}/w{w}"
                point = {"case": case, "workers": w, "avg_frame": frame, "testpmd": [], "rampart": [],
                         "errors": []}
                # Interleave the two programs so slow drifts in machine load hit both.
                for i in range(a.runs):
                    for prog in ("testpmd", "rampart"):
                        if a.only not in ("both", prog):
                            continue
                        try:
                            if prog == "testpmd":
                                r = run_testpmd(case, cap, work, a.side_b, w, a.duration)
                            else:
                                r = run_rampart(a.dp, case, cap, work, a.side_b, w, a.duration, rules, a.pin)
                        except RuntimeError as e:
                            point["errors"].append(f"{prog} run {i}: {e}"[:4000])
                            print(f"{key} {prog} run {i}: FAILED: {str(e).splitlines()[0]}", flush=True)
                            continue
                        r["pps"] = r["tx"] / r["seconds"]
                        r["gbps"] = r["pps"] * frame * 8 / 1e9
                        point[prog].append(r)
                        print(f"{key} {prog} run {i}: {r['pps'] / 1e6:.3f} Mpps, {r['gbps']:.2f} Gbit/s "
                              f"over {r['seconds']:.1f} s, CPU {r['cpu_seconds'] or 0:.1f} s", flush=True)
                for prog in ("testpmd", "rampart"):
                    point[prog + "_pps"] = benchlib.summary([r["pps"] for r in point[prog]])
                    point[prog + "_gbps"] = benchlib.summary([r["gbps"] for r in point[prog]])
                point["ratio_pps"] = benchlib.ratio(point["rampart_pps"]["median"], point["testpmd_pps"]["median"])
                results["points"][key] = point
    print(f"\nrampart-dp {a.dp}; dpdk-testpmd io forwarding on the same devices; {a.runs} runs of "
          f"{a.duration:.0f} s each, medians (min-max)")
    if cap:
        print(f"et2024 capture: {cap['path']}, {cap['packets']} frames, {cap['avg_frame']:.0f} B average, "
              f"side B {a.side_b}")
    print(f"{'case':<8} {'wk':>2} {'testpmd Mpps':>13} {'rampart Mpps':>13} {'(min-max)':>13} "
          f"{'testpmd Gb/s':>12} {'rampart Gb/s':>12} {'ratio':>6}")
    for key, p in results["points"].items():
        t, r = p["testpmd_pps"], p["rampart_pps"]
        spread = f"{r['min'] / 1e6:.2f}-{r['max'] / 1e6:.2f}" if r["min"] is not None else "-"
        print(f"{p['case']:<8} {p['workers']:>2} {benchlib.fmt(t['median'], 1e6, 13, 3)} "
              f"{benchlib.fmt(r['median'], 1e6, 13, 3)} {spread:>13} "
              f"{benchlib.fmt(p['testpmd_gbps']['median'], 1, 12)} {benchlib.fmt(p['rampart_gbps']['median'], 1, 12)} "
              f"{benchlib.fmt(p['ratio_pps'], 1, 6)}")
    out = benchlib.write_results("inline", results)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
