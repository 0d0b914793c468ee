#!/usr/bin/env bash
# packaging/test.sh tests the Debian package (run by scripts/test.sh; needs root for the last step):
# make deb builds it; dpkg-deb lists the expected files with the expected modes and marks the config
# a conffile; systemd-analyze verify accepts the unit; the packaged binary, extracted with dpkg-deb -x,
# reports the stamped version and starts from the packaged /etc/meetd/meetd.toml (only state_dir
# pointed at a temporary directory) in a private network namespace, serves /readyz on its ops port,
# and stops with exit status 0 on SIGTERM; and the container image's binary runs as the image would run it.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "packaging test: $*" >&2; exit 1; }

rm -f dist/meetd_*.deb
make deb >/dev/null
deb="$(ls dist/meetd_*.deb)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

listing="$(dpkg-deb -c "$deb")"
for want in \
	'-rwxr-xr-x root/root .* ./usr/bin/meetd$' \
	'-rw-r--r-- root/root .* ./usr/lib/systemd/system/meetd.service$' \
	'-rw-r----- root/root .* ./etc/meetd/meetd.toml$' \
	'./usr/share/doc/meetd/meetd.example.toml$' \
	'./usr/share/doc/meetd/bridge.example.toml$' \
	'./usr/share/doc/meetd/README.md$'; do
	grep -Eq -- "$want" <<<"$listing" || fail "dpkg-deb -c lacks $want:
$listing"
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/meetd/meetd.toml || fail "/etc/meetd/meetd.toml is not a conffile"
for script in postinst prerm postrm; do
	dpkg-deb -I "$deb" "$script" >/dev/null || fail "no $script"
done

dpkg-deb -x "$deb" "$tmp/root"
bin="$tmp/root/usr/bin/meetd"
"$bin" version | grep -q "^meetd $(dpkg-deb -f "$deb" Version)$" || fail "meetd version does not show the package version: $("$bin" version)"

# systemd-analyze verify checks the unit's syntax, its directives and that ExecStart exists.
sed "s|/usr/bin/meetd|$bin|g" packaging/meetd.service >"$tmp/meetd.service"
systemd-analyze verify "$tmp/meetd.service" 2>&1 | tee "$tmp/verify.log"
if grep -v -e 'User=meetd' -e 'Group=meetd' -e 'network-online.target' "$tmp/verify.log" | grep -q .; then
	fail "systemd-analyze verify complained (above)"
fi

# The container image (no docker engine here): the binary it builds the same way is static, its
# configuration passes meetd check, and the files the Dockerfile copies exist.
if ldd dist/meetd >/dev/null 2>&1; then fail "dist/meetd is dynamically linked (the image needs a static binary)"; fi
"$bin" check -config packaging/container.toml >/dev/null || fail "packaging/container.toml does not pass meetd check"
grep -q 'packaging/container.toml' Dockerfile || fail "the Dockerfile no longer installs packaging/container.toml"
python3 - packaging/compose.yaml <<'PY' || fail "packaging/compose.yaml is not the compose file expected"
import sys, re
s = open(sys.argv[1]).read()
for want in ("443:443/tcp", "10000:10000/udp", "/usr/share/jitsi-meet:ro", "meetd-state:/var/lib/meetd", "stop_grace_period"):
    assert want in s, want
PY

cfg="$tmp/meetd.toml"
sed "s|^state_dir = .*|state_dir = \"$tmp/state\"|" "$tmp/root/etc/meetd/meetd.toml" >"$cfg"
"$bin" check -config "$cfg" || fail "meetd check refuses the packaged configuration"
if [ "$(id -u)" -ne 0 ]; then
	echo "packaging test: not root, skipping the start of the packaged binary (ports 443, 10000 in a namespace)"
	exit 0
fi
# The packaged ports (443/tcp, 10000/udp, ops 127.0.0.1:8887) in a private network namespace.
unshare --net bash -s "$bin" "$cfg" "$tmp/meetd.log" <<'INNER'
set -euo pipefail
ip link set lo up
"$1" -config "$2" >"$3" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	if curl -fsS -o /dev/null http://127.0.0.1:8887/readyz 2>/dev/null; then break; fi
	kill -0 "$pid" 2>/dev/null || { cat "$3"; echo "packaged meetd exited at start" >&2; exit 1; }
	sleep 0.2
done
curl -fsS -o /dev/null http://127.0.0.1:8887/readyz || { cat "$3"; echo "packaged meetd never became ready" >&2; exit 1; }
curl -fksS -o /dev/null https://127.0.0.1:443/config.js || { cat "$3"; echo "no config.js on :443" >&2; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { cat "$3"; echo "packaged meetd exited $status on SIGTERM" >&2; exit 1; }
INNER
# The container image's runtime contract, without a container engine: the static binary (built as the
# Dockerfile builds it) runs as the image's user (distroless nonroot, uid/gid 65532) with no capability,
# from packaging/container.toml with its state in a volume-like directory owned by that user, in a
# network namespace where unprivileged ports start at 0 as in a Docker container; it must serve HTTPS on
# 443, keep its state in the volume, and exit 0 on SIGTERM.
vol="$tmp/volume"
mkdir -p "$vol" && chown 65532:65532 "$vol"
ccfg="$tmp/container.toml"
sed "s|^state_dir = .*|state_dir = \"$vol\"|" packaging/container.toml >"$ccfg"
chmod 0644 "$ccfg"
chmod 0755 "$tmp"
unshare --net bash -s dist/meetd "$ccfg" "$tmp/container.log" "$vol" <<'INNER'
set -euo pipefail
ip link set lo up
sysctl -qw net.ipv4.ip_unprivileged_port_start=0
setpriv --reuid=65532 --regid=65532 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$1" -config "$2" >"$3" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	if curl -fsS -o /dev/null http://127.0.0.1:8887/readyz 2>/dev/null; then break; fi
	kill -0 "$pid" 2>/dev/null || { cat "$3"; echo "meetd as the image's user exited at start" >&2; exit 1; }
	sleep 0.2
done
curl -fksS -o /dev/null https://127.0.0.1:443/config.js || { cat "$3"; echo "meetd as the image's user serves no config.js on :443" >&2; exit 1; }
[ "$(ps -o uid= -p "$pid" | tr -d ' ')" = 65532 ] || { echo "meetd does not run as uid 65532" >&2; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { cat "$3"; echo "meetd as the image's user exited $status on SIGTERM" >&2; exit 1; }
[ -n "$(find "$4" -mindepth 1 -user 65532 -print -quit)" ] || { ls -la "$4"; echo "nothing written to the state volume" >&2; exit 1; }
INNER
echo "packaging test: ok ($deb; container runtime contract as uid 65532)"
