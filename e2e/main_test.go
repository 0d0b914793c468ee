// Package e2e is meetd's end-to-end test: it builds and starts ./cmd/meetd, then real lib-jitsi-meet
// clients in headless Chromium (driven by driver/driver.mjs through playwright-core) join a room on it
// and must see and hear each other through meetd's own bridge (issue 2).
//
// Everything runs inside a private network namespace that holds only loopback and a veth pair with
// private addresses (10.77.0.1, 10.77.0.2): WebRTC gathers every interface address and the bridge answers
// whatever address a check came from, so nothing may see this machine's real addresses. TestMain re-runs the
// test binary in a fresh namespace (CLONE_NEWNET; needs root, as CI has).
//
// ./scripts/test.sh installs what the test needs (chromium, iproute2, node modules, the library tarball).
// Without them the browser tests skip, unless CI is set, when they fail.
package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"meetd/internal/childproc"
)

const (
	// isolatedEnv is set in the test process that runs inside the private network namespace.
	isolatedEnv = "MEETD_E2E_NETNS"
	// notIsolatedEnv holds why the namespace could not be made; browser tests then skip or fail.
	notIsolatedEnv = "MEETD_E2E_NOT_ISOLATED"
)

func TestMain(m *testing.M) {
	if os.Getenv(isolatedEnv) == "" {
		code, err := runIsolated()
		if err == nil {
			os.Exit(code)
		}
		os.Setenv(notIsolatedEnv, err.Error())
	} else if err := setUpNamespace(); err != nil {
		os.Setenv(notIsolatedEnv, err.Error())
	}
	os.Exit(m.Run())
}

// runIsolated runs this test binary again, with the same arguments, in a new network namespace and
// returns its exit code. An error means the namespace could not be made.
func runIsolated() (int, error) {
	if _, err := exec.LookPath("ip"); err != nil {
		return 0, fmt.Errorf("the ip command (Debian package iproute2) is missing: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("find the test binary: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), isolatedEnv+"=1")
	if cmd.SysProcAttr, err = childproc.InNewNetNS(); err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start the test in a new network namespace (needs root): %w", err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode(), nil
	default:
		fmt.Fprintf(os.Stderr, "e2e: isolated test process: %v\n", err)
		return 1, nil
	}
}
