package bridge

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMediaSocketBuffers: the shared media socket gets the larger receive
// buffer (Linux reports twice the granted size, capped by rmem_max).
func TestMediaSocketBuffers(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Skipf("no rmem_max to compare with: %v", err)
	}
	rmemMax, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{ID: "jvb1", UDPListen: "127.0.0.1:0", BreweryRoom: "jvbbrewery@internal.auth.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	rc, err := b.udp.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		got, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	want := 2 * min(mediaSocketBuffer, rmemMax)
	if got < want {
		t.Fatalf("SO_RCVBUF = %d, want at least %d", got, want)
	}
}
