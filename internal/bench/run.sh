#!/usr/bin/env bash
# run.sh runs bin/meetd-bench (see `make bench`) inside a private network namespace it creates and removes:
# a veth pair 10.77.0.1/24 (v0) + 10.77.0.2/24 (v1) for Janus, which ignores loopback, and lo for meetd and the
# minimal forwarder. No route leaves the namespace. The benchmark process runs on CPU 0, servers on CPU 1,
# all with the round-robin real-time policy (chrt -r 10, inherited by the servers), so that other load on a
# shared machine does not starve the load tool or the server under test (the kernel's RT throttling still
# leaves 5 % to everything else). Without root (or without ip) it runs in this namespace, leaves Janus out
# and uses the normal policy. Galène joins when MEETD_BENCH_GALENE (or -galene) names its binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
ns="meetdbench$$"
bench="${MEETD_BENCH:-bin/meetd-bench}" # the benchmark binary (make bench builds bin/meetd-bench)
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	echo "run.sh: not root or no ip(8): running without a namespace, Janus left out" >&2
	exec taskset -c 0 "$bench" -janus=false "$@"
fi
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 10.77.0.1/24 dev v0
ip -n "$ns" addr add 10.77.0.2/24 dev v1
for l in lo v0 v1; do ip -n "$ns" link set "$l" up; done
ip netns exec "$ns" chrt -r 10 taskset -c 0 "$bench" "$@"
