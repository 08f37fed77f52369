#!/bin/bash
# lab.sh - a three-namespace lab with rampart-dp as a bump in the wire.
#
#   lab.sh up | down | status
#
# Topology (one L2 segment, 192.168.50.0/24, bridged by the appliance):
#
#   ${P}-client          ${P}-fw                                ${P}-server
#   c0 192.168.50.1/24 <-> fwc [rampart-dp --bridge fwc:fws] fws <-> s0 192.168.50.2/24
#                          (bridge-a, zone        (bridge-b, zone
#                           "outside")             "inside")
#
#   P = $LAB_PREFIX. The fw-side ends (fwc, fws) carry no address: the
#   appliance forwards frames, it does not route. fwc is the first side of the
#   pair (bridge-a: the client, "outside" in the default firewall policy), fws
#   the second (bridge-b: the server, "inside"). Checksum and segmentation
#   offloads are off on every veth end (TCP stalls through a userspace bridge
#   otherwise). No IPv6 on the segment. Private addresses only.
#
# Services in ${P}-server (all bound to 192.168.50.2, logs in $LAB_STATE):
#   :80/tcp    python http.server, $LAB_STATE/www (index.html), log access.log
#              (requests only: empty means nothing arrived)
#   :3389/tcp  python http.server, $LAB_STATE/www-hidden, log hidden-access.log:
#              "a service the perimeter must hide" (the default firewall policy
#              denies it from outside)
#   :5201/tcp  iperf3 -s (only when iperf3 is installed), log iperf3.log
#   :7/udp     UDP echo (firmware/lab_services.py), for latency and pps checks
#   :9999/udp  UDP echo, and :23/tcp a one-line banner: targets of reject rules.
#              With a listener there, a TCP reset or ICMP port unreachable can
#              only come from the appliance. Log services.log (one line per
#              datagram / connection).
#
# In ${P}-fw (LAB_MODE=rampart): rampart-dp --bridge fwc:fws with
# HOME_NET=[192.168.50.2/32] (the server) and EXTERNAL_NET=!$HOME_NET, EVE in
# $LAB_STATE/eve.json, --stats $LAB_STATE/stats.json (written when `down` stops
# it), stdout/stderr in dp.out and dp.err, its exit status in rampart-dp.rc.
#
# Options (environment):
#   LAB_PREFIX  namespace name prefix (default rp; at most 12 characters)
#   LAB_MODE    rampart (default): rampart-dp bridges fwc and fws;
#               bridge: a plain Linux bridge br0 over fwc+fws in ${P}-fw instead
#                 (the benchmark baseline: same namespaces, same offloads);
#               none: wire nothing: start your own rampart-dp in ${P}-fw on
#                 fwc:fws (the names `up` prints)
#   LAB_RULES   rules file or directory (default signatures/rules of this tree);
#               none = --no-rules (firewall only)
#   LAB_CONFIG  YAML config (default signatures/firewall/default-policy.yaml of
#               this tree, skipped with a warning while that file is absent);
#               none = no --config
#   LAB_PMD     auto (default: rampart-dp picks af_xdp, else af_packet; passed
#               only when the binary's --help offers it), af_xdp or af_packet
#   LAB_WORKERS passed as --workers N (default: not passed, rampart-dp decides)
#   LAB_WAIT_RULES 1 (default): `up` also waits for "rampart-dp: rules loaded"
#               (detection live); 0: only for "rampart-dp: forwarding"
#   LAB_DP_ARGS extra rampart-dp arguments (word-split), e.g.
#               "--fail-mode fail-closed --test-fault delay-rules:3"
#   LAB_MANAGED SOCKET: managed mode. rampart-dp runs with --managed SOCKET
#               (rampartd's socket, started by the caller) instead of
#               --rules/--no-rules, without --eve (the daemon writes the
#               alerts) and without the lab's --var HOME_NET/EXTERNAL_NET
#               (the daemon's rampart.yaml owns vars:). LAB_RULES is ignored;
#               LAB_CONFIG defaults to none (the daemon owns firewall:).
#               With LAB_WAIT_RULES=1 `up` waits for the daemon's first load
#               ("rampart-dp: rules loaded"). Empty (default): standalone.
#   LAB_STATE   state directory (default /tmp/rampart-lab-$LAB_PREFIX)
#   RAMPART_DP  the rampart-dp binary (default build/dataplane/dpdk/rampart-dp)
#
# `up` returns once rampart-dp printed "rampart-dp: forwarding" (30 s at most)
# and, with LAB_WAIT_RULES=1, "rampart-dp: rules loaded" (300 s at most).
# Every process `up` starts is recorded in $LAB_STATE/NAME.pid as "PID START"
# (START = its start time in /proc/PID/stat), so `down` stops exactly those
# processes (never by name, never a recycled PID). `up` fails (exit 1, the
# reason on stderr) when any step fails and leaves what it built for `down`,
# which removes everything a full or partial `up` made, also after rampart-dp
# was killed. Both are safe to repeat. `down` exits 1 when rampart-dp had exited
# with a non-zero status (crash, kill, sanitizer report), naming it.
# Needs root, ip, ethtool, /usr/bin/python3.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
P=${LAB_PREFIX:-rp}
MODE=${LAB_MODE:-rampart}
RULES=${LAB_RULES:-$ROOT/signatures/rules}
DEFAULT_CONFIG=$ROOT/signatures/firewall/default-policy.yaml
CONFIG=${LAB_CONFIG:-}
PMD=${LAB_PMD:-auto}
WORKERS=${LAB_WORKERS:-}
WAIT_RULES=${LAB_WAIT_RULES:-1}
STATE=${LAB_STATE:-/tmp/rampart-lab-$P}
MANAGED=${LAB_MANAGED:-}
DP=${RAMPART_DP:-$ROOT/build/dataplane/dpdk/rampart-dp}
PYTHON=/usr/bin/python3
NS_CLIENT=$P-client
NS_FW=$P-fw
NS_SERVER=$P-server
CLIENT_IP=192.168.50.1
SERVER_IP=192.168.50.2
FORWARD_TIMEOUT=30
RULES_TIMEOUT=300 # a large rule set (ET Open) compiles for a while
# Recorded processes, in the order `down` stops them (rampart-dp first, so its
# stats are written while the segment still exists).
PROCS="rampart-dp dp-waiter http http-hidden iperf3 services"

die() {
	echo "lab.sh: $*" >&2
	exit 1
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ns_exists() {
	ip netns list | awk '{print $1}' | grep -qx -- "$1"
}

# Start time (clock ticks since boot) of a live, non-zombie process.
proc_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	[ "$1" != Z ] || return 1
	echo "${20}"
}

record_pid() {
	echo "$2 $(proc_start "$2" || echo 0)" >"$STATE/$1.pid"
}

# The recorded PID, if that process is still the one we started.
live_pid() {
	local file=$STATE/$1.pid pid start now
	[ -f "$file" ] || return 1
	read -r pid start <"$file" || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	now=$(proc_start "$pid") || return 1
	[ "$now" = "$start" ] || return 1
	echo "$pid"
}

stop_pid() {
	local name=$1 grace=$2 pid i
	pid=$(live_pid "$name") || { rm -f "$STATE/$name.pid"; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		proc_start "$pid" >/dev/null || break
		sleep 0.1
	done
	if proc_start "$pid" >/dev/null; then
		echo "lab.sh: $name (pid $pid) ignored SIGTERM for ${grace}s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
	fi
	rm -f "$STATE/$name.pid"
}

offloads_off() {
	local ns=$1 ifc=$2
	in_ns "$ns" ethtool -K "$ifc" tx off tso off gso off gro off >/dev/null 2>&1 ||
		die "ethtool -K $ifc in $ns failed"
}

# wait_listen NS tcp|udp PORT NAME: until something listens there (5 s).
wait_listen() {
	local ns=$1 proto=$2 port=$3 name=$4 i flag=-Hltn
	[ "$proto" = udp ] && flag=-Hlun
	for ((i = 0; i < 50; i++)); do
		in_ns "$ns" ss $flag "sport = :$port" 2>/dev/null | grep -q . && return 0
		live_pid "$name" >/dev/null || break
		sleep 0.1
	done
	die "$name did not start listening on $proto/$port (see $STATE)"
}

lab_down() {
	local name rc=0 status i
	for name in $PROCS; do
		case $name in
		rampart-dp) stop_pid rampart-dp 15 ;;
		dp-waiter)
			# It records rampart-dp's exit status, then exits by itself.
			for ((i = 0; i < 50; i++)); do
				live_pid dp-waiter >/dev/null || break
				sleep 0.1
			done
			stop_pid dp-waiter 1
			;;
		*) stop_pid "$name" 5 ;;
		esac
	done
	if [ -f "$STATE/rampart-dp.rc" ]; then
		status=$(cat "$STATE/rampart-dp.rc")
		if [ "$status" != 0 ]; then
			echo "lab.sh: rampart-dp exited with status $status (see $STATE/dp.err)" >&2
			rc=1
		fi
		mv -f "$STATE/rampart-dp.rc" "$STATE/rampart-dp.rc.seen"
	fi
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" || { echo "lab.sh: cannot delete namespace $ns" >&2; rc=1; }
		fi
	done
	return $rc
}

# Start NAME in namespace NS with stdout to OUT and stderr to ERR; records
# its PID. `ip netns exec` execs its command, so $! is the program's own PID.
start_in() {
	local name=$1 ns=$2 out=$3 err=$4
	shift 4
	if [ "$out" = "$err" ]; then
		ip netns exec "$ns" "$@" >"$out" 2>&1 </dev/null &
	else
		ip netns exec "$ns" "$@" >"$out" 2>"$err" </dev/null &
	fi
	record_pid "$name" $!
}

start_server_services() {
	local i
	mkdir -p "$STATE/www" "$STATE/www-hidden" || die "cannot create $STATE/www"
	cat >"$STATE/www/index.html" <<EOF
<!doctype html>
<html><head><title>rampart lab</title></head><body>rampart lab server $P</body></html>
EOF
	cat >"$STATE/www-hidden/index.html" <<EOF
<!doctype html>
<html><head><title>hidden</title></head><body>a service the perimeter must hide ($P)</body></html>
EOF
	# http.server logs requests on stderr, its banner on stdout: the access
	# logs hold requests only (empty = nothing arrived).
	start_in http "$NS_SERVER" "$STATE/http.out" "$STATE/access.log" \
		"$PYTHON" -u -m http.server 80 --bind "$SERVER_IP" --directory "$STATE/www"
	start_in http-hidden "$NS_SERVER" "$STATE/http-hidden.out" "$STATE/hidden-access.log" \
		"$PYTHON" -u -m http.server 3389 --bind "$SERVER_IP" --directory "$STATE/www-hidden"
	start_in services "$NS_SERVER" "$STATE/services.out" "$STATE/services.out" \
		"$PYTHON" -u "$ROOT/firmware/lab_services.py" --bind "$SERVER_IP" \
		--udp-echo 7 --udp-echo 9999 --tcp-banner 23 --log "$STATE/services.log"
	if command -v iperf3 >/dev/null; then
		start_in iperf3 "$NS_SERVER" "$STATE/iperf3.log" "$STATE/iperf3.log" \
			iperf3 -s -B "$SERVER_IP" -p 5201
		wait_listen "$NS_SERVER" tcp 5201 iperf3
	fi
	wait_listen "$NS_SERVER" tcp 80 http
	wait_listen "$NS_SERVER" tcp 3389 http-hidden
	wait_listen "$NS_SERVER" udp 7 services
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$STATE/services.out" 2>/dev/null && return 0
		sleep 0.1
	done
	die "lab_services.py did not start (see $STATE/services.out)"
}

start_rampart_dp() {
	local -a args=(--bridge fwc:fws --stats "$STATE/stats.json")
	if [ -n "$MANAGED" ]; then
		# rampartd supplies rules, vars and policy, and takes the alerts.
		args+=(--managed "$MANAGED")
	else
		args+=(--eve "$STATE/eve.json" --var "HOME_NET=[$SERVER_IP/32]" --var "EXTERNAL_NET=!\$HOME_NET")
		if [ "$RULES" = none ]; then args+=(--no-rules); else args+=(--rules "$RULES"); fi
	fi
	[ "$CONFIG" != none ] && args+=(--config "$CONFIG")
	if [ "$PMD" != auto ]; then
		args+=(--pmd "$PMD")
	elif "$DP" --help 2>&1 | grep -q 'auto'; then
		args+=(--pmd auto)
	fi
	[ -n "$WORKERS" ] && args+=(--workers "$WORKERS")
	# shellcheck disable=SC2206
	[ -n "${LAB_DP_ARGS:-}" ] && args+=(${LAB_DP_ARGS})
	echo "$DP ${args[*]}" >"$STATE/dp.cmdline"
	# A waiter subshell is rampart-dp's parent: it alone can read the exit
	# status, and keeps it in rampart-dp.rc for `down` and `status`.
	(
		ip netns exec "$NS_FW" "$DP" "${args[@]}" >"$STATE/dp.out" 2>"$STATE/dp.err" </dev/null &
		record_pid rampart-dp $!
		wait $!
		echo $? >"$STATE/rampart-dp.rc"
	) >/dev/null 2>&1 </dev/null &
	record_pid dp-waiter $!
	wait_dp_line "rampart-dp: forwarding" forwarding "$FORWARD_TIMEOUT"
	# Detection live before `up` returns (else the first flows pass
	# uninspected, or are dropped in fail-closed mode), when asked and when
	# the binary announces it.
	if [ -n "$MANAGED" ] && [ "$WAIT_RULES" = 1 ]; then
		wait_dp_line "rampart-dp: rules loaded" "its first load from rampartd ($MANAGED)" "$RULES_TIMEOUT"
	elif [ "$WAIT_RULES" = 1 ] && [ "$RULES" != none ] && grep -q "rules loaded" "$DP"; then
		wait_dp_line "rampart-dp: rules loaded" "loading its rules" "$RULES_TIMEOUT"
	fi
}

# wait_dp_line LINE WHAT SECS: until rampart-dp prints LINE on stdout.
wait_dp_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qx "$1" "$STATE/dp.out" 2>/dev/null && return 0
		if [ -f "$STATE/rampart-dp.rc" ]; then
			sed 's/^/  /' "$STATE/dp.err" >&2
			die "rampart-dp exited with status $(cat "$STATE/rampart-dp.rc") before $2 (see $STATE/dp.err)"
		fi
		sleep 0.1
	done
	die "rampart-dp: no '$1' after ${3}s (see $STATE/dp.err)"
}

pid_text() {
	live_pid "$1" || echo "-"
}

lab_up() {
	local ns name
	[ "$(id -u)" = 0 ] || die "must run as root"
	command -v ip >/dev/null || die "ip (iproute2) not found"
	command -v ethtool >/dev/null || die "ethtool not found (Debian package ethtool)"
	[ -x "$PYTHON" ] || die "$PYTHON not found"
	[ ${#P} -le 12 ] || die "LAB_PREFIX '$P' is longer than 12 characters"
	case $MODE in rampart | bridge | none) ;; *) die "LAB_MODE must be rampart, bridge or none" ;; esac
	if [ "$MODE" = rampart ]; then
		[ -x "$DP" ] || die "rampart-dp not found at $DP (build it, or set RAMPART_DP)"
		[ -n "$MANAGED" ] || [ "$RULES" = none ] || [ -e "$RULES" ] || die "rules not found: $RULES"
		case $PMD in auto | af_packet | af_xdp) ;; *) die "LAB_PMD must be auto, af_packet or af_xdp" ;; esac
		[ -z "$WORKERS" ] || [[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || die "LAB_WORKERS must be a positive number"
		if [ -z "$CONFIG" ] && [ -n "$MANAGED" ]; then
			CONFIG=none # the daemon's rampart.yaml holds the firewall policy
		elif [ -z "$CONFIG" ]; then
			if [ -f "$DEFAULT_CONFIG" ]; then
				CONFIG=$DEFAULT_CONFIG
			else
				echo "lab.sh: $DEFAULT_CONFIG not found: running without --config" >&2
				CONFIG=none
			fi
		fi
		[ "$CONFIG" = none ] || [ -f "$CONFIG" ] || die "config not found: $CONFIG"
	fi
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		ns_exists "$ns" && die "namespace $ns exists: run 'lab.sh down' first"
	done
	mkdir -p "$STATE" || die "cannot create $STATE"
	for name in $PROCS; do
		live_pid "$name" >/dev/null && die "$name from an earlier lab still runs: run 'lab.sh down' first"
	done
	rm -f "$STATE"/*.pid "$STATE"/eve.json "$STATE"/stats.json "$STATE"/dp.out "$STATE"/dp.err \
		"$STATE"/dp.cmdline "$STATE"/rampart-dp.rc* "$STATE"/access.log "$STATE"/hidden-access.log \
		"$STATE"/services.log "$STATE"/services.out "$STATE"/iperf3.log "$STATE"/http*.out

	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		ip netns add "$ns" || die "ip netns add $ns failed"
		in_ns "$ns" ip link set lo up || die "lo up in $ns failed"
		# No IPv6 on the segment: no router/neighbour solicitations to wade through.
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	done
	# Created straight inside the namespaces: no name can clash in the root one.
	ip link add c0 netns "$NS_CLIENT" type veth peer name fwc netns "$NS_FW" ||
		die "veth c0<->fwc failed"
	ip link add s0 netns "$NS_SERVER" type veth peer name fws netns "$NS_FW" ||
		die "veth s0<->fws failed"
	offloads_off "$NS_CLIENT" c0
	offloads_off "$NS_FW" fwc
	offloads_off "$NS_FW" fws
	offloads_off "$NS_SERVER" s0
	in_ns "$NS_CLIENT" ip addr add "$CLIENT_IP/24" dev c0 || die "address on c0 failed"
	in_ns "$NS_SERVER" ip addr add "$SERVER_IP/24" dev s0 || die "address on s0 failed"
	in_ns "$NS_FW" ip link set fwc up || die "fwc up failed"
	in_ns "$NS_FW" ip link set fws up || die "fws up failed"
	in_ns "$NS_CLIENT" ip link set c0 up || die "c0 up failed"
	in_ns "$NS_SERVER" ip link set s0 up || die "s0 up failed"

	start_server_services

	local appliance
	case $MODE in
	rampart)
		start_rampart_dp
		appliance="rampart-dp pid $(pid_text rampart-dp) ($(cat "$STATE/dp.cmdline"))"
		;;
	bridge)
		in_ns "$NS_FW" ip link add br0 type bridge || die "bridge br0 failed"
		in_ns "$NS_FW" ip link set fwc master br0 || die "fwc into br0 failed"
		in_ns "$NS_FW" ip link set fws master br0 || die "fws into br0 failed"
		in_ns "$NS_FW" ip link set br0 up || die "br0 up failed"
		appliance="Linux bridge br0 (baseline, no inspection)"
		;;
	none) appliance="nothing: start rampart-dp in $NS_FW with --bridge fwc:fws" ;;
	esac

	echo "lab.sh: up (mode $MODE), state in $STATE"
	echo "  client  $NS_CLIENT  c0 $CLIENT_IP/24"
	echo "  fw      $NS_FW  fwc (bridge-a, client side) <-> fws (bridge-b, server side)"
	echo "          $appliance"
	echo "  server  $NS_SERVER  s0 $SERVER_IP/24"
	echo "          http :80 pid $(pid_text http), http :3389 pid $(pid_text http-hidden)," \
		"udp echo :7 :9999 + tcp banner :23 pid $(pid_text services)," \
		"iperf3 :5201 pid $(pid_text iperf3)"
}

lab_status() {
	local ns rc=0 pid name
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		if ns_exists "$ns"; then
			echo "namespace $ns: present"
		else
			echo "namespace $ns: absent"
			rc=1
		fi
	done
	for name in $PROCS; do
		[ -f "$STATE/$name.pid" ] || continue
		if pid=$(live_pid "$name"); then echo "$name: pid $pid"; else echo "$name: not running"; rc=1; fi
	done
	[ -f "$STATE/rampart-dp.rc" ] && echo "rampart-dp: exited with status $(cat "$STATE/rampart-dp.rc")"
	echo "state: $STATE"
	return $rc
}

case ${1:-} in
up) lab_up ;;
down) lab_down ;;
status) lab_status ;;
*)
	echo "usage: lab.sh up|down|status   (see the top of this script for options)" >&2
	exit 2
	;;
esac
