#!/bin/bash
# lab_demo.sh - Rampart's main job, live: the appliance (rampartd + an inline
# rampart-dp) between a client and a server, with benign and malicious
# traffic and live changes, in under a minute.
#
#   tools/lab_demo.sh            (as root; `./quickstart.sh demo` builds and runs it)
#
# Starts rampartd with firmware/rampart.yaml (its paths moved under
# $LAB_STATE/appliance: socket, state, audit log, EVE file; rules from this
# tree's signatures/rules; the bundled default firewall policy), brings up
# firmware/lab.sh (client 192.168.50.1 <-> rampart-dp --managed <-> server
# 192.168.50.2), waits for the daemon's first load, then from the client
# namespace:
#   1. GET http://192.168.50.2/ (curl)          -> passed (200)
#   2. a GET whose URI carries the EICAR string -> blocked by drop rule 9000020
#   3. TCP to 192.168.50.2:3389                 -> blocked by the firewall policy
#                                                  (the rule that denies tcp/3389)
#   4. telnet SYN to 192.168.50.2:23            -> reset by reject rule 9000030
#   5. ping 192.168.50.2                        -> passed
#   6. rampartctl rules reload                  -> new rule set live, timing shown
#   7. rampartctl policy add (deny tcp/80)      -> HTTP blocked at once, no restart;
#      rampartctl policy rollback               -> HTTP answered again
#   8. the metrics endpoint and the audit log
# then stops the lab (rampart-dp writes its stats) and the daemon, shows the
# server's access log (the malicious URI never arrived), the EVE alerts and
# drops the daemon wrote, and rampart-dp's drop counters. Exit 0 only when every expectation held; 1 when
# one did not (each failure is named); 2 when the lab could not start.
# The lab always comes down (trap), also on Ctrl-C.
#
# Environment: RAMPART_DP (default build/dataplane/dpdk/rampart-dp), RAMPARTD
# and RAMPARTCTL (default build/ctrlplane/daemon/rampartd, .../ctl/rampartctl),
# LAB_PREFIX (default rpdemo), LAB_STATE (default /tmp/rampart-lab-$LAB_PREFIX),
# LAB_PMD, LAB_WORKERS: passed on to firmware/lab.sh.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LAB_PREFIX=${LAB_PREFIX:-rpdemo}
export LAB_STATE=${LAB_STATE:-/tmp/rampart-lab-$LAB_PREFIX}
export RAMPART_DP=${RAMPART_DP:-$ROOT/build/dataplane/dpdk/rampart-dp}
RAMPARTD=${RAMPARTD:-$ROOT/build/ctrlplane/daemon/rampartd}
RAMPARTCTL=${RAMPARTCTL:-$ROOT/build/ctrlplane/ctl/rampartctl}
unset LAB_MODE LAB_RULES LAB_CONFIG LAB_DP_ARGS LAB_MANAGED
APP=$LAB_STATE/appliance
SOCK=$APP/rampartd.sock
EVE=$APP/eve.json
DAEMON_PID=
LAB=$ROOT/firmware/lab.sh
PY=/usr/bin/python3
POLICY=$ROOT/signatures/firewall/default-policy.yaml
CLIENT_NS=$LAB_PREFIX-client
SERVER=192.168.50.2
FAILED=()
LAB_IS_UP=0

say() { printf '%s\n' "$*"; }
expect() { # expect OK_FLAG "description"
	if [ "$1" = 1 ]; then return 0; fi
	FAILED+=("$2")
	say "   ^ UNEXPECTED: $2"
}
in_client() { ip netns exec "$CLIENT_NS" "$@"; }

lab_down() {
	if [ "$LAB_IS_UP" = 1 ]; then
		LAB_IS_UP=0
		bash "$LAB" down || FAILED+=("rampart-dp exited cleanly (lab.sh down)")
	fi
}
daemon_down() { # SIGTERM: rampartd flushes its sinks and exits 0
	[ -n "$DAEMON_PID" ] || return 0
	local pid=$DAEMON_PID rc
	DAEMON_PID=""
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || FAILED+=("rampartd exited cleanly (status $rc, see $APP/rampartd.err)")
}
ctl() { "$RAMPARTCTL" --socket "$SOCK" "$@"; }
trap 'lab_down; daemon_down' EXIT
trap 'say "demo: interrupted"; exit 1' INT TERM

[ "$(id -u)" = 0 ] || { say "lab_demo: run as root (network namespaces)" >&2; exit 2; }
command -v curl >/dev/null || { say "lab_demo: curl not found (Debian package curl)" >&2; exit 2; }
for bin in "$RAMPART_DP" "$RAMPARTD" "$RAMPARTCTL"; do
	[ -x "$bin" ] || { say "lab_demo: $bin not built (./quickstart.sh demo builds it)" >&2; exit 2; }
done
if ip netns list | awk '{print $1}' | grep -q "^$LAB_PREFIX-"; then
	say "lab_demo: a lab named $LAB_PREFIX is up already: LAB_PREFIX=$LAB_PREFIX $LAB down" >&2
	exit 2
fi

say "== Rampart appliance demo: client -> rampart-dp (IPS + firewall, managed by rampartd) -> server"
# The appliance's config: the shipped sample with its paths moved here.
rm -rf "$APP"
mkdir -p "$APP" || exit 2
if ! $PY - "$ROOT" "$APP" <<'EOF'
import sys, yaml
root, app = sys.argv[1], sys.argv[2]
cfg = yaml.safe_load(open(root + "/firmware/rampart.yaml"))
cfg["rampartd"].update({"socket": app + "/rampartd.sock", "state-dir": app + "/state",
                        "audit-log": app + "/audit.log"})
cfg["default-rule-path"] = root + "/signatures/rules"
cfg["rule-files"] = ["rampart-default.rules"]
cfg["classification-file"] = root + "/signatures/classification.config"
cfg["outputs"]["eve"]["filename"] = app + "/eve.json"
cfg["metrics"]["listen"] = "127.0.0.1:0"   # any free port: rampartd prints it
yaml.safe_dump(cfg, open(app + "/rampart.yaml", "w"), sort_keys=False)
EOF
then
	say "lab_demo: cannot write $APP/rampart.yaml" >&2
	exit 2
fi
"$RAMPARTD" --config "$APP/rampart.yaml" >"$APP/rampartd.out" 2>"$APP/rampartd.err" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q "rampartd: ready" "$APP/rampartd.out" && break; sleep 0.1; done
if ! grep -q "rampartd: ready" "$APP/rampartd.out"; then
	say "lab_demo: rampartd did not start:" >&2
	sed 's/^/   /' "$APP/rampartd.err" >&2
	exit 2
fi
METRICS_PORT=$(sed -n 's/^rampartd: metrics on port \([0-9]*\).*/\1/p' "$APP/rampartd.out")
say "   rampartd: ready ($SOCK, metrics on 127.0.0.1:${METRICS_PORT:-?})"
LAB_IS_UP=1
if ! LAB_MANAGED=$SOCK bash "$LAB" up; then
	say "lab_demo: the lab did not come up (see above)" >&2
	exit 2
fi
say ""

# 1. Benign request.
say "1. benign:    curl http://$SERVER/"
out=$(in_client curl -s -o /dev/null -m 5 -w '%{http_code} %{size_download}' "http://$SERVER/")
read -r code size <<<"${out:-000 0}"
if [ "$code" = 200 ]; then say "   passed: HTTP GET / -> 200, $size bytes"; ok=1
else say "   failed: HTTP GET / -> ${code} (curl)"; ok=0; fi
expect $ok "1 benign HTTP GET answered 200"

# 2. Malicious request: the EICAR test string in the URI, raw bytes as sent.
say "2. malicious: GET /X5O!P%@AP[4\\PZX54(P^)7CC)7}\$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!\$H+H* (bundled drop rule 9000020)"
res=$(in_client $PY - "$SERVER" <<'EOF'
import socket, sys
eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
try:
    s = socket.create_connection((sys.argv[1], 80), timeout=3)
    s.settimeout(3)
    s.sendall(b"GET /" + eicar + b" HTTP/1.0\r\nHost: " + sys.argv[1].encode() + b"\r\n\r\n")
    print("response" if s.recv(4096) else "closed")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error %s" % e)
EOF
)
if [ "$res" = timeout ]; then say "   blocked: no response (3 s)"; ok=1
else say "   NOT blocked: $res"; ok=0; fi
expect $ok "2 EICAR request got no response"

# 3. A service the default firewall policy hides from outside: the name of
#    the policy rule that denies tcp/3389, as the firewall's log names it.
FW_RULE=$($PY - "$POLICY" <<'EOF'
import re, sys, yaml
def covers(spec, port):
    if spec in (None, "any"):
        return True
    for item in spec if isinstance(spec, list) else [spec]:
        m = re.fullmatch(r"\s*(\d+)\s*(?:[-:]\s*(\d+)\s*)?", str(item))
        if m and int(m.group(1)) <= port <= int(m.group(2) or m.group(1)):
            return True
    return False
try:
    rules = (yaml.safe_load(open(sys.argv[1])) or {}).get("firewall", {}).get("rules") or []
except OSError:
    rules = []
for r in rules:
    if r.get("proto", "any") in ("tcp", "any") and covers(r.get("dst-port"), 3389):
        print(r.get("name", "?") if r.get("action") == "deny" else "")
        break
EOF
)
say "3. firewall:  curl http://$SERVER:3389/ (remote desktop port; policy rule ${FW_RULE:-none in $POLICY})"
in_client curl -s -o /dev/null -m 3 "http://$SERVER:3389/"
rc=$?
if [ $rc = 28 ]; then say "   blocked by firewall policy (${FW_RULE:-?}): no answer in 3 s"; ok=1
elif [ $rc = 0 ]; then say "   NOT blocked: the hidden service answered"; ok=0
else say "   unexpected: curl exit status $rc"; ok=0; fi
expect $ok "3 port 3389 blocked (client timed out)"

# 4. Telnet: the reject rule answers the SYN with a reset (the server listens
#    on :23, so a reset can only come from rampart-dp).
say "4. reject:    telnet $SERVER 23 (bundled reject rule 9000030)"
res=$(in_client $PY - "$SERVER" <<'EOF'
import socket, sys, time
t = time.monotonic()
s = socket.socket()
s.settimeout(3)
try:
    s.connect((sys.argv[1], 23))
    print("connected")
except (ConnectionResetError, ConnectionRefusedError):
    print("reset %.3f" % (time.monotonic() - t))
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error %s" % e)
EOF
)
case $res in
reset*) say "   rejected: connection reset after ${res#reset }s"; ok=1 ;;
*) say "   NOT rejected: $res"; ok=0 ;;
esac
expect $ok "4 telnet connection reset"

# 5. Ping (ICMP echo over a raw socket: no ping binary needed).
say "5. ping:      ping -c 3 $SERVER"
res=$(in_client $PY - "$SERVER" <<'EOF'
import os, socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, got = os.getpid() & 0xffff, 0
for seq in range(3):
    body = struct.pack("!HH", ident, seq) + b"rampart demo ping"[:16]
    sock.sendto(struct.pack("!BBH", 8, 0, csum(struct.pack("!BBH", 8, 0, 0) + body)) + body, (sys.argv[1], 0))
    end = time.monotonic() + 1
    while time.monotonic() < end:
        sock.settimeout(max(end - time.monotonic(), 0.01))
        try:
            pkt = sock.recv(2048)
        except socket.timeout:
            break
        icmp = pkt[(pkt[0] & 15) * 4:]
        if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
            got += 1
            break
print(got)
EOF
)
if [ "$res" = 3 ]; then say "   passed: ping (3/3 replies)"; ok=1
else say "   failed: ping (${res:-0}/3 replies)"; ok=0; fi
expect $ok "5 ping answered"

http_code() { in_client curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$SERVER/"; }

# 6. A live rule reload: compiled by the daemon, swapped into the running
#    workers (RCU), nothing restarted.
say "6. reload:    rampartctl rules reload"
if out=$(ctl rules reload 2>&1); then
	say "$out" | sed 's/^/   /'
	ok=1
else
	say "   refused: $out"; ok=0
fi
expect $ok "6 rules reload accepted"
[ "$(http_code)" = 200 ] || expect 0 "6 HTTP still answered after the reload"

# 7. A live policy change and its rollback.
say "7. policy:    rampartctl policy add --name demo-deny-http --position 1 --action deny --proto tcp --dst $SERVER --dst-port 80 --log"
if out=$(ctl policy add --name demo-deny-http --position 1 --action deny --proto tcp \
	--dst "$SERVER" --dst-port 80 --log 2>&1); then
	say "$out" | sed 's/^/   /'
	code=$(http_code)
	if [ "$code" = 000 ]; then say "   HTTP now blocked (no answer in 3 s)"; ok=1
	else say "   HTTP NOT blocked: $code"; ok=0; fi
else
	say "   refused: $out"; ok=0
fi
expect $ok "7 policy add blocks HTTP without a restart"
say "   rampartctl policy rollback"
if out=$(ctl policy rollback 2>&1); then
	say "$out" | sed 's/^/   /'
	code=$(http_code)
	if [ "$code" = 200 ]; then say "   HTTP answered again (200)"; ok=1
	else say "   HTTP still failing: $code"; ok=0; fi
else
	say "   refused: $out"; ok=0
fi
expect $ok "7 policy rollback restores HTTP"

# 8. What an operator's monitoring sees.
say "8. metrics:   curl http://127.0.0.1:${METRICS_PORT:-?}/metrics (excerpt)"
metrics=$(curl -s -m 3 "http://127.0.0.1:${METRICS_PORT:-0}/metrics")
say "$metrics" | grep -E '^rampart_(dataplanes_attached|ruleset_generation|policy_version|alerts_total|reloads_total)' \
	| sed 's/^/   /'
say "$metrics" | grep -q '^rampart_dataplanes_attached 1' || expect 0 "8 metrics report one attached data plane"
say "   audit log ($APP/audit.log):"
sed 's/^/   /' "$APP/audit.log" 2>/dev/null
[ "$(grep -c '"result":"ok"' "$APP/audit.log" 2>/dev/null)" -ge 3 ] || expect 0 "8 audit log records the three changes"

say ""
say "== stopping the lab (rampart-dp writes its stats) and rampartd (flushes EVE)"
lab_down
daemon_down

say ""
say "== server access log ($LAB_STATE/access.log): the malicious URI never arrived"
sed 's/^/   /' "$LAB_STATE/access.log"
grep -q EICAR "$LAB_STATE/access.log" && FAILED+=("2 EICAR URI absent from the access log")
say "== hidden service log ($LAB_STATE/hidden-access.log): $(wc -l <"$LAB_STATE/hidden-access.log") lines"
[ -s "$LAB_STATE/hidden-access.log" ] && FAILED+=("3 hidden service never reached")

say ""
# The EVE records and counters, and the checks that need them.
FAILURES_FILE=$LAB_STATE/demo-failures.txt
: >"$FAILURES_FILE"
$PY - "$EVE" "$LAB_STATE/stats.json" "${FW_RULE:-}" "$FAILURES_FILE" <<'EOF'
import json, sys
failures = open(sys.argv[4], "w")
def failed(what):
    failures.write(what + "\n")
records = []
try:
    with open(sys.argv[1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
except OSError:
    pass
def flow(r):
    if "src_port" in r:
        return "%s:%s -> %s:%s" % (r["src_ip"], r["src_port"], r["dest_ip"], r["dest_port"])
    return "%s -> %s" % (r.get("src_ip", "?"), r.get("dest_ip", "?"))
shown = [r for r in records if r.get("event_type") in ("alert", "drop", "firewall")]
print("== EVE alerts and drops (%s): %d of %d records" % (sys.argv[1], len(shown), len(records)))
print("   %-6s %-8s %-9s %-44s %s" % ("event", "action", "sid", "signature / rule", "flow"))
for r in shown:
    a = r.get("alert") or {}
    fw = r.get("firewall") or {}
    what = a.get("signature") or "firewall policy " + str(fw.get("policy") or fw.get("rule") or fw)
    print("   %-6s %-8s %-9s %-44.44s %s" % (r["event_type"], a.get("action", "blocked" if fw else "-"),
          a.get("signature_id", "-"), what, flow(r)))
def alert(sid):
    return any(r.get("event_type") == "alert" and (r.get("alert") or {}).get("signature_id") == sid
               and r["alert"].get("action") == "blocked" for r in records)
if not alert(9000020):
    failed("2 EVE alert 9000020 (EICAR) with action blocked")
rule = sys.argv[3]
if not rule or not any(r.get("event_type") in ("drop", "firewall") and rule in json.dumps(r)
                       for r in records):
    failed("3 EVE record naming the firewall rule (%s)" % (rule or "no rule for tcp/3389"))
if not alert(9000030):
    failed("4 EVE alert 9000030 (telnet reject) with action blocked")
try:
    with open(sys.argv[2]) as f:
        st = json.load(f)
except (OSError, ValueError):
    failed("rampart-dp wrote its stats (%s)" % sys.argv[2])
    sys.exit(0)
# stats "drops": every reason a packet was not forwarded (rules, firewall,
# fail mode, ports); forwarding.dropped as a fallback.
dropped = dict(((st.get("forwarding") or {}).get("dropped") or {}))
dropped.pop("verdict", None)
dropped.update(st.get("drops") or {})
print("")
print("== rampart-dp: packets not forwarded, by reason (%s)" % sys.argv[2])
nonzero = {k: v for k, v in dropped.items() if v}
for k, v in sorted(nonzero.items()):
    print("   %-18s %d" % (k, v))
if not nonzero:
    print("   none")
print("   (%s packets read, %s alerts)" % (st.get("packets_read", "?"), st.get("alerts", "?")))
EOF
mapfile -t eve_failures <"$FAILURES_FILE"
for f in "${eve_failures[@]}"; do [ -n "$f" ] && FAILED+=("$f"); done

say ""
if [ ${#FAILED[@]} -eq 0 ]; then
	say "demo: every expectation held (benign passed; EICAR dropped; 3389 hidden; telnet reset; ping passed;"
	say "      live reload; policy change and rollback without a restart; metrics and audit)"
	exit 0
fi
say "demo: ${#FAILED[@]} expectation(s) failed:"
for f in "${FAILED[@]}"; do say "   - $f"; done
exit 1
