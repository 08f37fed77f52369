#!/usr/bin/python3
"""Export benchmark: alert records per second through rampartd's sinks, in the lab.

rampart-dp runs managed (firmware/lab.sh, LAB_MANAGED) with one rule that
alerts on every UDP datagram to the sink port (content "SEQ", which every
datagram of the stream carries), so each packet of the stream is one alert
record through the export ring to rampartd. The stream is spread over
--flows flows (512): a flow past the engine's inspection depth is bypassed
and alerts no more (16,385 packets for one flow, measured). For each sink configuration
(--configs: eve, syslog, redis-stream, redis-list, all) rampartd is restarted
with those outputs (rampart-dp re-attaches by itself), then a UDP stream at
--rate packets/s runs for --seconds.

Per configuration: the alerts rampart-dp made (its stats), the records each
sink wrote and dropped (`rampartctl --json stats`: export.SINK.written /
dropped / errors), the export ring's overflow, and records/s = written /
(time from the stream's start until the sink stopped writing). What arrived
is checked at the far end too: EVE lines in the file, syslog datagrams at
the receiver (a socket and a thread in this process), Redis XLEN / LLEN.

Baseline, measured in the same run: redis-benchmark -c 1 -P 64 of XADD and
RPUSH with one real EVE alert record as the value (what the Redis sink's
pipelined writes could reach at best on this machine), and the offered rate
(alerts/s rampart-dp produced): a sink that writes at the offered rate with
no drops kept up, and the lab's traffic, not the sink, was the bound.

Prints a table and writes bench/results/<date>-<host>-export.json. Needs root,
a build with rampart-dp, rampartd and rampartctl (--build, release),
redis-server and redis-benchmark.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
from reload_bench import ManagedLab, stream_phase, PY, SINK_PORT  # noqa: E402

ROOT = benchlib.ROOT
SID = 9400001
RULE = 'alert udp any any -> any %d (msg:"bench export: every datagram"; content:"SEQ"; sid:%d; rev:1;)\n' \
    % (SINK_PORT, SID)
CONFIGS = ("eve", "syslog", "redis-stream", "redis-list", "all")


def outputs_for(name, lab, syslog_port, redis_port):
    eve = {"enabled": True, "filename": os.path.join(lab.cp, "eve-%s.json" % name)}
    syslog = {"enabled": True, "server": "127.0.0.1", "port": syslog_port, "transport": "udp",
              "facility": "local5", "ident": "rampart"}

    def redis(mode):
        return {"enabled": True, "server": "127.0.0.1", "port": redis_port, "mode": mode, "key": "rampart:eve"}
    if name == "eve":
        return {"eve": eve, "syslog": {"enabled": False}, "redis": {"enabled": False}}
    if name == "syslog":
        return {"eve": {"enabled": False}, "syslog": syslog, "redis": {"enabled": False}}
    if name in ("redis-stream", "redis-list"):
        return {"eve": {"enabled": False}, "syslog": {"enabled": False}, "redis": redis(name.split("-")[1])}
    return {"eve": eve, "syslog": syslog, "redis": redis("stream")}


def dp_alerts(stats):
    total = 0
    for dp in stats.get("dataplanes") or []:
        st = dp.get("stats") or {}
        total += st.get("alerts") or 0
    return total


def sink_counters(stats):
    return {k: dict(v) for k, v in (stats.get("export") or {}).items()}


def wait_attached(lab, attached_before, timeout=30):
    """Until rampart-dp re-attached and the new daemon holds its first
    stats (so the counters we take as "before" are real, not zero)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.dp_out().count("rampart-dp: attached ") > attached_before:
            try:
                dps = lab.ctl("stats").get("dataplanes") or []
                if dps and dps[0].get("stats"):
                    return True
            except RuntimeError:
                pass
        time.sleep(0.2)
    return False


def redis_baseline(redis_port, payload, n):
    out = {}
    for cmd in (["XADD", "bench:stream", "*", "eve", payload], ["RPUSH", "bench:list", payload]):
        r = subprocess.run(["redis-benchmark", "-p", str(redis_port), "-c", "1", "-P", "64", "-n", str(n), "-q"]
                           + cmd, capture_output=True, text=True, timeout=300)
        m = re.findall(r"([\d.]+) requests per second", r.stdout)
        out[cmd[0].lower()] = float(m[-1]) if m else None
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-rel"), help="build dir (release)")
    ap.add_argument("--rate", type=int, default=100000, help="packets/s asked of the sender")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--flows", type=int, default=512,
                    help="UDP flows the stream is spread over (a flow past the engine's inspection depth, "
                         "16k packets here, is bypassed and alerts no more)")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--prefix", default="bnexp")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (network namespaces)")
    for tool in ("redis-server", "redis-benchmark"):
        if not subprocess.run(["which", tool], capture_output=True).returncode == 0:
            raise SystemExit(f"{tool} not found (Debian package redis-server / redis-tools)")
    lab = ManagedLab(os.path.abspath(a.build), a.prefix, [], None)
    with open(lab.marker, "w") as f:
        f.write(RULE)
    env = lab.env_mod
    syslog = env.SyslogReceiver()
    redis = env.RedisServer(lab.cp)
    results = benchlib.results_header("export", build=os.path.abspath(a.build), rate=a.rate,
                                      seconds=a.seconds, rule=RULE.strip())
    runs = []
    try:
        lab.config["outputs"] = outputs_for("eve", lab, syslog.port, redis.port)
        lab.start_daemon()
        lab.up()
        lab.in_ns("client", [PY, os.path.join(ROOT, "tests", "e2e", "lab.py"), "probe", "ping",
                             json.dumps({"count": 2})])
        for name in a.configs.split(","):
            attached = lab.dp_out().count("rampart-dp: attached ")
            lab.stop_daemon()
            lab.config["outputs"] = outputs_for(name, lab, syslog.port, redis.port)
            lab.start_daemon()
            if not wait_attached(lab, attached):
                raise RuntimeError("rampart-dp did not re-attach to the new rampartd")
            redis.command("DEL", "rampart:eve")
            n_syslog0 = len(syslog.datagrams)
            s0 = lab.ctl("stats")
            t0 = time.monotonic()
            stream, _ = stream_phase(lab, a.rate, seconds=a.seconds, flows=a.flows)
            t_stream_end = time.monotonic()
            # Until every sink stopped writing (its queue drained).
            last, t_last = None, time.monotonic()
            while time.monotonic() - t_last < 2.0 and time.monotonic() - t_stream_end < 120:
                s1 = lab.ctl("stats")
                now = {k: v.get("written") for k, v in sink_counters(s1).items()}
                if now != last:
                    last, t_last = now, time.monotonic()
                time.sleep(0.2)
            c0, c1 = sink_counters(s0), sink_counters(s1)
            alerts = dp_alerts(s1) - dp_alerts(s0)
            run = {"config": name, "stream": stream, "alerts": alerts,
                   "offered_alerts_per_s": alerts / stream["seconds"] if stream["seconds"] else None,
                   "ring_dropped": (s1.get("export_ring_dropped") or 0) - (s0.get("export_ring_dropped") or 0),
                   "sinks": {}}
            for sink, v1 in c1.items():
                if not v1.get("enabled"):
                    continue
                v0 = c0.get(sink, {})
                written = (v1.get("written") or 0) - (v0.get("written") or 0)
                span = t_last - t0 - 1.0  # the stream starts 1 s after t0 (stream_phase)
                run["sinks"][sink] = {
                    "written": written, "dropped": (v1.get("dropped") or 0) - (v0.get("dropped") or 0),
                    "errors": (v1.get("errors") or 0) - (v0.get("errors") or 0),
                    "records_per_s": written / span if span > 0 else None}
            arrived = {}
            if "eve" in run["sinks"]:
                with open(os.path.join(lab.cp, "eve-%s.json" % name), "rb") as f:
                    arrived["eve_lines"] = sum(1 for _ in f)
            if "syslog" in run["sinks"]:
                time.sleep(0.5)
                arrived["syslog_datagrams"] = len(syslog.datagrams) - n_syslog0
            if "redis" in run["sinks"]:
                mode = lab.config["outputs"]["redis"]["mode"]
                if mode == "stream":  # XLEN is capped by the sink's MAXLEN ~: count what was added
                    info = redis.command("XINFO", "STREAM", "rampart:eve")
                    info = dict(zip(info[::2], info[1::2]))
                    arrived["redis_entries"] = info.get("entries-added", info.get("length"))
                    arrived["redis_xlen"] = info.get("length")
                else:
                    arrived["redis_entries"] = redis.command("LLEN", "rampart:eve")
            run["arrived"] = arrived
            runs.append(run)
            print(f"{name}: {alerts} alerts at {run['offered_alerts_per_s'] or 0:.0f}/s, ring dropped "
                  f"{run['ring_dropped']}, " + ", ".join(
                      f"{k} {v['written']} written ({v['records_per_s'] or 0:.0f}/s) {v['dropped']} dropped"
                      for k, v in run["sinks"].items()) + f"; arrived {arrived}", flush=True)
        # Baseline: raw Redis writes of a real alert record.
        payload = None
        with open(os.path.join(lab.cp, "eve-eve.json")) as f:
            payload = f.readline().strip()
        results["record_bytes"] = len(payload)
        results["redis_baseline"] = redis_baseline(redis.port, payload, 200000)
    finally:
        lab.close(keep=a.keep)
        redis.stop()
        syslog.stop()
    results["runs"] = runs

    print()
    print(f"{'config':>12} {'sent pps':>9} {'alerts/s':>9} {'ring drop':>9} {'sink':>7} {'written':>9} "
          f"{'records/s':>10} {'dropped':>8} {'arrived':>9}")
    for r in runs:
        for sink, v in r["sinks"].items():
            arrived = {"eve": r["arrived"].get("eve_lines"), "syslog": r["arrived"].get("syslog_datagrams"),
                       "redis": r["arrived"].get("redis_entries")}[sink]
            print(f"{r['config']:>12} {r['stream']['rate_achieved']:>9.0f} {r['offered_alerts_per_s'] or 0:>9.0f} "
                  f"{r['ring_dropped']:>9} {sink:>7} {v['written']:>9} {v['records_per_s'] or 0:>10.0f} "
                  f"{v['dropped']:>8} {arrived if arrived is not None else '-':>9}")
    rb = results["redis_baseline"]
    print(f"\nbaseline: redis-benchmark -c 1 -P 64, {results['record_bytes']}-byte record: "
          f"XADD {rb.get('xadd') or 0:.0f}/s, RPUSH {rb.get('rpush') or 0:.0f}/s")
    out = benchlib.write_results("export", results)
    print(f"results: {out}")


if __name__ == "__main__":
    main()
