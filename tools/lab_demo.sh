#!/bin/bash
# lab_demo.sh - Rampart's main job, live: an inline IPS + firewall between a
# client and a server, with benign and malicious traffic, in under a minute.
#
#   tools/lab_demo.sh            (as root; `./quickstart.sh demo` builds and runs it)
#
# Brings up firmware/lab.sh (client 192.168.50.1 <-> rampart-dp <-> server
# 192.168.50.2) with the bundled rules (signatures/rules) and the default
# firewall policy (signatures/firewall/default-policy.yaml), then from the
# client namespace:
#   1. GET http://192.168.50.2/ (curl)          -> passed (200)
#   2. a GET whose URI carries the EICAR string -> blocked by drop rule 9000020
#   3. TCP to 192.168.50.2:3389                 -> blocked by the firewall policy
#                                                  (the rule that denies tcp/3389)
#   4. telnet SYN to 192.168.50.2:23            -> reset by reject rule 9000030
#   5. ping 192.168.50.2                        -> passed
# then stops the lab (rampart-dp writes its stats), shows the server's access
# log (the malicious URI never arrived), the EVE alerts and drops, and
# rampart-dp's drop counters. Exit 0 only when every expectation held; 1 when
# one did not (each failure is named); 2 when the lab could not start.
# The lab always comes down (trap), also on Ctrl-C.
#
# Environment: RAMPART_DP (default build/dataplane/dpdk/rampart-dp),
# LAB_PREFIX (default rpdemo), LAB_STATE (default /tmp/rampart-lab-$LAB_PREFIX),
# LAB_PMD, LAB_WORKERS: passed on to firmware/lab.sh.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LAB_PREFIX=${LAB_PREFIX:-rpdemo}
export LAB_STATE=${LAB_STATE:-/tmp/rampart-lab-$LAB_PREFIX}
export RAMPART_DP=${RAMPART_DP:-$ROOT/build/dataplane/dpdk/rampart-dp}
unset LAB_MODE LAB_RULES LAB_CONFIG LAB_DP_ARGS
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
trap 'lab_down' EXIT
trap 'say "demo: interrupted"; exit 1' INT TERM

[ "$(id -u)" = 0 ] || { say "lab_demo: run as root (network namespaces)" >&2; exit 2; }
command -v curl >/dev/null || { say "lab_demo: curl not found (Debian package curl)" >&2; exit 2; }
[ -x "$RAMPART_DP" ] || { say "lab_demo: $RAMPART_DP not built (./quickstart.sh demo builds it)" >&2; exit 2; }
if ip netns list | awk '{print $1}' | grep -q "^$LAB_PREFIX-"; then
	say "lab_demo: a lab named $LAB_PREFIX is up already: LAB_PREFIX=$LAB_PREFIX $LAB down" >&2
	exit 2
fi

say "== Rampart inline demo: client -> rampart-dp (IPS + firewall) -> server"
LAB_IS_UP=1
if ! bash "$LAB" up; then
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

say ""
say "== stopping the lab (rampart-dp flushes EVE and writes its stats)"
lab_down

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
$PY - "$LAB_STATE/eve.json" "$LAB_STATE/stats.json" "${FW_RULE:-}" "$FAILURES_FILE" <<'EOF'
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
	say "demo: every expectation held (benign passed; EICAR dropped; 3389 hidden; telnet reset; ping passed)"
	exit 0
fi
say "demo: ${#FAILED[@]} expectation(s) failed:"
for f in "${FAILED[@]}"; do say "   - $f"; done
exit 1
