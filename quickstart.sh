#!/usr/bin/env bash
# Rampart quick start. Two verbs, both for a fresh Debian 12 machine, as root:
#   ./quickstart.sh demo   install what is missing, build, run the main job
#   ./quickstart.sh test   install what is missing, build with sanitizers, run the whole test suite
# Each step says what it does; nothing here needs the network beyond Debian's package mirrors.
set -euo pipefail
cd "$(dirname "$0")"

# Debian 12 packages. Build: meson/ninja, gcc for the release build, clang for the
# sanitizer + libFuzzer build. Libraries: DPDK, Hyperscan, PCRE2, libbpf,
# libnetfilter_queue, libmaxminddb, jansson (JSON), libyaml (config), libpcap
# (capture headers), cmocka (unit tests). Python: the e2e and compatibility tests.
# curl, iperf3: the lab demo (tools/lab_demo.sh) and the lab benchmarks.
# libmicrohttpd (rampartd's metrics endpoint), hiredis (its Redis sink); the tests
# start their own redis-server, read the real mmdb with mmdblookup and build small
# GeoIP databases with libmaxmind-db-writer-perl.
PACKAGES=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev
  dpdk-dev libdpdk-dev libhyperscan-dev libpcre2-dev libbpf-dev libnetfilter-queue-dev libmnl-dev
  libmaxminddb-dev libmicrohttpd-dev libhiredis-dev libssl-dev libjansson-dev libyaml-dev libpcap-dev libcmocka-dev zlib1g-dev
  python3 python3-yaml python3-jsonschema python3-scapy iproute2 ethtool curl iperf3
  redis-server mmdb-bin libmaxmind-db-writer-perl)

install_packages() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "quickstart: installing ${missing[*]}"
		if [ "$(id -u)" -ne 0 ]; then echo "quickstart: run as root to install packages" >&2; exit 2; fi
		apt-get update -qq
		# Packages with services (redis-server) must not start them here: tests
		# start their own instances. policy-rc.d 101 = "action forbidden".
		local added_policy=0
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added_policy=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
		if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
	fi
}

build() { # build DIR [meson options...]
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

demo() {
	install_packages
	echo "quickstart: building (release) in build/"
	build build -Dtests=false
	if [ "$(id -u)" -ne 0 ]; then echo "quickstart: the demo needs root (network namespaces)" >&2; exit 2; fi
	echo "quickstart: running the inline demo (tools/lab_demo.sh): client -> rampart-dp -> server"
	RAMPART_DP=build/dataplane/dpdk/rampart-dp tools/lab_demo.sh
}

run_tests() {
	install_packages
	echo "quickstart: building with clang + ASan/UBSan + libFuzzer targets in build-test/"
	CC=clang build build-test -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzz=true
	/usr/bin/python3 tests/run.py --build build-test
}

case "${1:-}" in
demo) demo ;;
test) run_tests ;;
*) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
