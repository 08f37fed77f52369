#!/bin/bash
# lab.sh - a three-namespace lab with rampart-dp as a bump in the wire.
#
#   lab.sh up | down | status
#
# Topology (one L2 segment, 192.168.50.0/24, bridged by rampart-dp):
#
#   ${P}-client             ${P}-fw                          ${P}-server
#   c0 192.168.50.1/24 <-> fwc  [rampart-dp --bridge fwc:fws]  fws <-> s0 192.168.50.2/24
#
#   P = $LAB_PREFIX. The fw-side ends (fwc, fws) carry no address: the
#   appliance forwards frames, it does not route. Checksum and segmentation
#   offloads are off on every veth end (TCP stalls through a userspace
#   bridge otherwise). Private addresses only.
#
# In ${P}-server: /usr/bin/python3 -m http.server 80 --bind 192.168.50.2,
# serving $LAB_STATE/www (index.html), its request log in $LAB_STATE/access.log.
# In ${P}-fw: rampart-dp with HOME_NET=[192.168.50.2/32] (the server) and
# EXTERNAL_NET=!$HOME_NET, EVE in $LAB_STATE/eve.json, --stats in
# $LAB_STATE/stats.json (written when `down` stops it), its stdout/stderr in
# $LAB_STATE/dp.out and dp.err. PIDs are kept in $LAB_STATE/*.pid.
#
# Options (environment):
#   LAB_PREFIX  namespace name prefix (default rp; at most 12 characters)
#   LAB_RULES   rules file or directory (default signatures/rules of this tree)
#   LAB_PMD     af_packet (default) or af_xdp
#   LAB_STATE   state directory (default /tmp/rampart-lab-$LAB_PREFIX)
#   RAMPART_DP  the rampart-dp binary (default build/dataplane/dpdk/rampart-dp)
#   LAB_DP_ARGS extra rampart-dp arguments (word-split)
#
# `up` fails (exit 1, with the reason on stderr) when any step fails and
# leaves what it built for `down`, which removes everything a full or partial
# `up` made: it stops processes by their recorded PID (never by name) and
# deletes the namespaces. Both are safe to repeat. Needs root, ip, ethtool.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
P=${LAB_PREFIX:-rp}
RULES=${LAB_RULES:-$ROOT/signatures/rules}
PMD=${LAB_PMD:-af_packet}
STATE=${LAB_STATE:-/tmp/rampart-lab-$P}
DP=${RAMPART_DP:-$ROOT/build/dataplane/dpdk/rampart-dp}
NS_CLIENT=$P-client
NS_FW=$P-fw
NS_SERVER=$P-server
CLIENT_IP=192.168.50.1
SERVER_IP=192.168.50.2
FORWARD_TIMEOUT=30

die() {
	echo "lab.sh: $*" >&2
	exit 1
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# The recorded PID, if that process is still the one we started.
live_pid() {
	local file=$STATE/$1.pid want=$2 pid
	[ -f "$file" ] || return 1
	pid=$(cat "$file")
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$want" || return 1
	echo "$pid"
}

stop_pid() {
	local name=$1 want=$2 grace=$3 pid i
	pid=$(live_pid "$name" "$want") || { rm -f "$STATE/$name.pid"; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
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

lab_down() {
	stop_pid rampart-dp rampart-dp 15
	stop_pid http http.server 5
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		if ip netns list | awk '{print $1}' | grep -qx -- "$ns"; then
			ip netns del "$ns" || echo "lab.sh: cannot delete namespace $ns" >&2
		fi
	done
	return 0
}

lab_up() {
	local ns i pid
	[ "$(id -u)" = 0 ] || die "must run as root"
	command -v ip >/dev/null || die "ip (iproute2) not found"
	command -v ethtool >/dev/null || die "ethtool not found (Debian package ethtool)"
	[ ${#P} -le 12 ] || die "LAB_PREFIX '$P' is longer than 12 characters"
	[ -x "$DP" ] || die "rampart-dp not found at $DP (build it, or set RAMPART_DP)"
	[ -e "$RULES" ] || die "rules not found: $RULES"
	case $PMD in af_packet | af_xdp) ;; *) die "LAB_PMD must be af_packet or af_xdp" ;; esac
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		ip netns list | awk '{print $1}' | grep -qx -- "$ns" &&
			die "namespace $ns exists: run 'lab.sh down' first"
	done
	mkdir -p "$STATE/www" || die "cannot create $STATE"
	rm -f "$STATE"/eve.json "$STATE"/stats.json "$STATE"/dp.out "$STATE"/dp.err "$STATE"/access.log

	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		ip netns add "$ns" || die "ip netns add $ns failed"
		in_ns "$ns" ip link set lo up || die "lo up in $ns failed"
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
	# No IPv6 on the segment: no router/neighbour solicitations to wade through.
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
	done
	in_ns "$NS_FW" ip link set fwc up || die "fwc up failed"
	in_ns "$NS_FW" ip link set fws up || die "fws up failed"
	in_ns "$NS_CLIENT" ip link set c0 up || die "c0 up failed"
	in_ns "$NS_SERVER" ip link set s0 up || die "s0 up failed"

	cat >"$STATE/www/index.html" <<EOF
<!doctype html>
<html><head><title>rampart lab</title></head><body>rampart lab server $P</body></html>
EOF
	# `ip netns exec` execs its command, so $! is the server's own PID.
	ip netns exec "$NS_SERVER" /usr/bin/python3 -u -m http.server 80 --bind "$SERVER_IP" \
		--directory "$STATE/www" >"$STATE/access.log" 2>&1 </dev/null &
	echo $! >"$STATE/http.pid"
	for ((i = 0; i < 50; i++)); do
		in_ns "$NS_SERVER" ss -Hltn "sport = :80" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	live_pid http http.server >/dev/null || die "http.server did not start (see $STATE/access.log)"

	local -a args=(--bridge fwc:fws --rules "$RULES" --eve "$STATE/eve.json"
		--stats "$STATE/stats.json" --pmd "$PMD"
		--var "HOME_NET=[$SERVER_IP/32]" --var "EXTERNAL_NET=!\$HOME_NET")
	# shellcheck disable=SC2206
	[ -n "${LAB_DP_ARGS:-}" ] && args+=(${LAB_DP_ARGS})
	ip netns exec "$NS_FW" "$DP" "${args[@]}" >"$STATE/dp.out" 2>"$STATE/dp.err" </dev/null &
	echo $! >"$STATE/rampart-dp.pid"
	for ((i = 0; i < FORWARD_TIMEOUT * 10; i++)); do
		grep -qx "rampart-dp: forwarding" "$STATE/dp.out" 2>/dev/null && break
		live_pid rampart-dp rampart-dp >/dev/null || {
			sed 's/^/  /' "$STATE/dp.err" >&2
			die "rampart-dp exited before forwarding (see $STATE/dp.err)"
		}
		sleep 0.1
	done
	grep -qx "rampart-dp: forwarding" "$STATE/dp.out" ||
		die "rampart-dp not forwarding after ${FORWARD_TIMEOUT}s (see $STATE/dp.err)"
	echo "lab.sh: up: $NS_CLIENT $CLIENT_IP <-> $NS_FW (rampart-dp, $PMD) <-> $NS_SERVER $SERVER_IP:80; state $STATE"
}

lab_status() {
	local ns rc=0 pid
	for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do
		if ip netns list | awk '{print $1}' | grep -qx -- "$ns"; then
			echo "namespace $ns: present"
		else
			echo "namespace $ns: absent"
			rc=1
		fi
	done
	if pid=$(live_pid rampart-dp rampart-dp); then echo "rampart-dp: pid $pid"; else echo "rampart-dp: not running"; rc=1; fi
	if pid=$(live_pid http http.server); then echo "http.server: pid $pid"; else echo "http.server: not running"; rc=1; fi
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
