#!/usr/bin/python3
"""Summarise a Rampart (or Suricata) EVE file for a person: one line per alert,
then totals by signature, then the run's statistics if a --stats file is given.

Usage: tools/eve_summary.py EVE_FILE [STATS_FILE]
"""
import collections
import json
import sys


def endpoint(ip, port):
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    alerts = []
    with open(sys.argv[1]) as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if rec.get("event_type") == "alert":
                    alerts.append(rec)
    print(f"\n{len(alerts)} alerts:")
    for a in alerts:
        al = a["alert"]
        print(f"  {a['timestamp']}  {al['action']:<7}  [{al['gid']}:{al['signature_id']}:{al['rev']}] "
              f"{al['signature']}  {a['proto']} {endpoint(a['src_ip'], a.get('src_port'))} -> "
              f"{endpoint(a['dest_ip'], a.get('dest_port'))}")
    by_sig = collections.Counter((a["alert"]["signature_id"], a["alert"]["signature"]) for a in alerts)
    if by_sig:
        print("\nby signature:")
        for (sid, msg), n in by_sig.most_common():
            print(f"  {n:6d}  {sid}  {msg}")
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            st = json.load(f)
        keys = ["packets_read", "packets_processed", "flows", "alerts", "wall_seconds"]
        print("\nrun: " + ", ".join(f"{k}={st[k]}" for k in keys if k in st))
        drops = {k: v for k, v in (st.get("drops") or {}).items() if v}
        print("packets not forwarded: " + (", ".join(f"{k}={v}" for k, v in drops.items()) or "none"))


if __name__ == "__main__":
    main()
