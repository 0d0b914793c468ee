#!/usr/bin/env bash
# test.sh runs every meetd test. On a fresh Debian machine (as root) it first installs what is missing:
# Debian's chromium and iproute2, the e2e driver's node modules (e2e/package-lock.json) and the
# lib-jitsi-meet tarball (npm pack, checked against a pinned SHA-256, unpacked into the git-ignored
# e2e/.deps/). Then: go vet ./..., go test of every package, the bridge, xmpp, focus and web packages again
# with the race detector (the browser end-to-end test in e2e/ last and alone, so it has the machine to
# itself), and a short run of every fuzz target found in the tree.
# Idempotent; fast when everything is installed. Exits non-zero when anything failed.
#
# Environment: FUZZTIME (default 10s) per fuzz target; CI=true makes missing tools fail the e2e tests.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly LJM_PACKAGE="@lyno/lib-jitsi-meet@2.6726.2"
readonly LJM_SHA256="7219c05db541cb1aa2064d1ba86837bf01d533f527aeaa7ae91f52265e72afcd"
readonly LJM_DIR="e2e/.deps/lib-jitsi-meet"
readonly FUZZTIME="${FUZZTIME:-10s}"

step() { printf '\n==> %s\n' "$*"; }

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	PATH="$PATH:/usr/local/go/bin"
fi

# apt_install installs the Debian packages that are not installed yet (apt-get update once, only if needed).
apt_install() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "test.sh: not root, cannot install ${missing[*]}; the e2e tests will skip (fail on CI)" >&2
		return 0
	fi
	step "apt-get install ${missing[*]}"
	# A fresh machine may run unattended-upgrades at boot: wait for the dpkg lock (bounded) instead of failing.
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
}

install_node_modules() {
	if [ -f e2e/node_modules/.package-lock.json ] && [ ! e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
		return 0
	fi
	step "npm ci (e2e driver: playwright-core, jquery)"
	(cd e2e && npm ci --no-audit --no-fund)
}

# install_lib fetches the 2021 lib-jitsi-meet build with npm pack (npm install fails on its GitHub URL
# dependencies; the UMD bundle needs none of them) and unpacks it.
install_lib() {
	if [ -f "$LJM_DIR/package/lib-jitsi-meet.min.js" ] && [ "$(cat "$LJM_DIR/sha256" 2>/dev/null)" = "$LJM_SHA256" ]; then
		return 0
	fi
	step "npm pack $LJM_PACKAGE"
	local tmp tarball
	tmp="$(mktemp -d)"
	tarball="$(cd "$tmp" && npm pack --silent "$LJM_PACKAGE" | tail -n 1)"
	echo "$LJM_SHA256  $tmp/$tarball" | sha256sum --check --quiet
	rm -rf "$LJM_DIR"
	mkdir -p "$LJM_DIR"
	tar -xzf "$tmp/$tarball" -C "$LJM_DIR"
	echo "$LJM_SHA256" >"$LJM_DIR/sha256"
	rm -rf "$tmp"
}

# fuzz_targets prints "dir name" for every fuzz target in the module's test files.
fuzz_targets() {
	grep -rEo --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.deps '^func Fuzz[A-Za-z0-9_]*\(' . |
		sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|\1 \2|' | sort -u
}

failures=()
# summary prints what failed (or that all passed) however the script ends, a failed install step included.
summary() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ "${#failures[@]}" -eq 0 ]; then
		failures+=("setup step (exit $rc, see above)")
	fi
	if [ "${#failures[@]}" -gt 0 ]; then
		printf '\nFAILED:\n' >&2
		printf '  %s\n' "${failures[@]}" >&2
		exit 1
	fi
	printf '\nall tests passed\n'
}
trap summary EXIT
run() {
	step "$*"
	if ! "$@"; then
		failures+=("$*")
	fi
}

apt_install chromium iproute2 nftables
apt_install systemd curl # packaging/test.sh: systemd-analyze verify, the packaged binary's ops port
apt_install python3-slixmpp # interop/: an independent XMPP client against meetd's c2s port
apt_install prosody # xmpp/client: the network XMPP client is tested against Debian's prosody
apt_install ffmpeg fonts-dejavu-core # recording/: the composer's encoder and the names' font; ffprobe checks
command -v node >/dev/null || apt_install nodejs npm
install_node_modules
install_lib
step "go mod download (the e2e test builds meetd inside a namespace without network)"
go mod download
# pebble, the ACME test server web's ACME test runs (bin/ is git-ignored; never commit the binary).
readonly PEBBLE="github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.3"
if [ "$(cat bin/pebble.version 2>/dev/null)" != "$PEBBLE" ]; then
	step "go install $PEBBLE into bin/"
	GOBIN="$PWD/bin" go install "$PEBBLE" && echo "$PEBBLE" >bin/pebble.version
fi

run go mod tidy -diff
run go vet ./...
# Portability: meetd builds on macOS and FreeBSD (Linux-only calls sit behind build tags).
run env GOOS=darwin go vet ./...
run env GOOS=freebsd go vet ./...
run packaging/test.sh # make deb, dpkg-deb listing, systemd-analyze verify, the packaged binary starts
mapfile -t packages < <(go list ./... | grep -v '/e2e$')
run go test -timeout 20m "${packages[@]}"
# The race detector over the concurrent packages (issue 11); about 3.5 min on 2 cores, compiling included.
run go test -race -timeout 20m ./bridge/... ./xmpp/... ./focus/... ./web/...
run go test -v -count=1 -timeout 30m ./e2e
# fuzz_one runs one fuzz target. Go's fuzzing coordinator sometimes gives up on a starved worker with
# "context deadline exceeded" at the end of -fuzztime on a loaded 2-core machine; that run found nothing
# (no failing input written), so it is run once more. A real finding always fails.
fuzz_one() {
	local out
	out="$(go test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1" 2>&1)" && { echo "$out" | tail -n 3; return 0; }
	echo "$out"
	if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
		echo "fuzz engine timed out without a finding; running $2 once more"
		go test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1"
		return
	fi
	return 1
}

while read -r dir name; do
	[ -n "$name" ] && run fuzz_one "$dir" "$name"
done < <(fuzz_targets)

