package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const (
	// libEnv names another lib-jitsi-meet UMD bundle to test with (for example a build of the upstream client).
	libEnv = "MEETD_E2E_LIB_JITSI_MEET"
	// defaultLib is where scripts/test.sh unpacks `npm pack @lyno/lib-jitsi-meet`.
	defaultLib = ".deps/lib-jitsi-meet/package/lib-jitsi-meet.min.js"
	// chromiumEnv names another Chromium binary; the default is Debian's.
	chromiumEnv     = "CHROMIUM"
	defaultChromium = "/usr/bin/chromium"
)

// tools are the absolute paths the browser tests need.
type tools struct {
	chromium string
	node     string
	jquery   string
	lib      string
}

// onCI reports whether missing tools must fail the test rather than skip it.
func onCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// missing skips the test, or fails it on CI, because something it needs is not there.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if onCI() {
		t.Fatalf("%s (CI is set, so this is a failure; ./scripts/test.sh installs it)", msg)
	}
	t.Skipf("%s (./scripts/test.sh installs the tools; the namespace needs root)", msg)
}

func requireIsolation(t *testing.T) {
	t.Helper()
	if why := os.Getenv(notIsolatedEnv); why != "" {
		missing(t, "no private network namespace for the browser test: %s", why)
	}
}

// requireBrowser returns the tools of the browser tests, or skips (fails on CI) when one is missing.
func requireBrowser(t *testing.T) tools {
	t.Helper()
	requireIsolation(t)
	tl := tools{
		chromium: envOr(chromiumEnv, defaultChromium),
		jquery:   "node_modules/jquery/dist/jquery.min.js",
		lib:      envOr(libEnv, defaultLib),
	}
	if _, err := os.Stat(tl.chromium); err != nil {
		missing(t, "Chromium not found (%v; Debian package chromium)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node not found (%v)", err)
	}
	tl.node = node
	for _, f := range []string{"node_modules/playwright-core/package.json", tl.jquery, tl.lib} {
		if _, err := os.Stat(f); err != nil {
			missing(t, "%v", err)
		}
	}
	tl.jquery, _ = filepath.Abs(tl.jquery)
	tl.lib, _ = filepath.Abs(tl.lib)
	return tl
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
