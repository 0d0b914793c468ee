package e2e

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// The veth pair inside the private namespace. Chromium gathers no ICE candidates on loopback alone, so the
// namespace needs a non-loopback interface; both ends live in the namespace and nothing routes out.
const (
	vethA     = "meetd0"
	vethB     = "meetd1"
	vethAddrA = "10.77.0.1/24"
	vethAddrB = "10.77.0.2/24"
)

// setUpNamespace brings up loopback and the veth pair in the (new, empty) namespace of this process. It
// refuses to touch a namespace that has other interfaces: that would be the machine's own.
func setUpNamespace() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list interfaces: %w", err)
	}
	if len(ifaces) != 1 || ifaces[0].Name != "lo" {
		return fmt.Errorf("%s is set but this is not a new network namespace (%d interfaces)", isolatedEnv, len(ifaces))
	}
	steps := [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", vethA, "type", "veth", "peer", "name", vethB},
		{"addr", "add", vethAddrA, "dev", vethA},
		{"addr", "add", vethAddrB, "dev", vethB},
		{"link", "set", vethA, "up"},
		{"link", "set", vethB, "up"},
	}
	for _, args := range steps {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// namespaceLeaks lists interfaces or addresses that should not exist in the private namespace.
func namespaceLeaks() ([]string, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	_, private, _ := net.ParseCIDR("10.77.0.0/24")
	var leaks []string
	for _, ifc := range ifaces {
		if ifc.Name != "lo" && ifc.Name != vethA && ifc.Name != vethB {
			leaks = append(leaks, "interface "+ifc.Name)
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			return nil, fmt.Errorf("addresses of %s: %w", ifc.Name, err)
		}
		for _, a := range addrs {
			ip, _, _ := net.ParseCIDR(a.String())
			if !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !private.Contains(ip) {
				leaks = append(leaks, fmt.Sprintf("address %s on %s", ip, ifc.Name))
			}
		}
	}
	return leaks, nil
}

// TestIsolation checks that the test runs in the private namespace with nothing but its own addresses.
func TestIsolation(t *testing.T) {
	requireIsolation(t)
	leaks, err := namespaceLeaks()
	if err != nil {
		t.Fatal(err)
	}
	if len(leaks) > 0 {
		t.Fatalf("the test namespace is not private: %s", strings.Join(leaks, ", "))
	}
	routes, err := exec.Command("ip", "route", "show", "default").CombinedOutput()
	if err != nil || strings.TrimSpace(string(routes)) != "" {
		t.Fatalf("the test namespace has a default route (%v): %s", err, routes)
	}
	// A documentation address (RFC 5737): with no route out, the dial fails before anything is sent.
	if c, err := net.Dial("udp4", "192.0.2.1:9"); err == nil {
		c.Close()
		t.Fatal("a UDP socket could be pointed outside the test namespace")
	}
}
