package bridge

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/internal/syncbuf"
)

// TestPionLogRedaction is issue 11 defect 6: at debug level pion's ICE
// agent logged the remote ufrag and password, and the UDP mux the local
// ufrag. Those arguments are redacted; the rest of the line stays.
func TestPionLogRedaction(t *testing.T) {
	var buf syncbuf.Buffer
	f := &pionLoggerFactory{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	const ufrag, pwd = "Uf7rAgX", "s3cretIcePasswordValue1234"
	agent, mux := f.NewLogger("ice"), f.NewLogger("udpmux")
	// The format strings pion v4 uses (agent.go, udp_mux.go, gather.go).
	agent.Debugf("Started agent: isControlling? %t, remoteUfrag: %q, remotePwd: %q", true, ufrag, pwd)
	mux.Debugf("Registered %s for %s", "192.0.2.1:5000", ufrag)
	agent.Debugf("GetConn by ufrag: %s", ufrag)
	agent.Warnf("Discard request with wrong username from (%s), %v", "192.0.2.1:5000", ufrag+":remote")
	agent.Debug("remotePwd: " + pwd)
	agent.Debugf("Setting new connection state: %s", "Connected")
	out := buf.String()
	for _, secret := range []string{ufrag, pwd} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"isControlling? true", "Setting new connection state: Connected", redacted} {
		if !strings.Contains(out, kept) {
			t.Errorf("log lost %q:\n%s", kept, out)
		}
	}
}

// TestUnknownSourceDatagrams is issue 11 defect 10 and row M1/M2:
// datagrams from an address no endpoint uses — garbage, empty, STUN without
// USERNAME, STUN for an unknown ufrag — are dropped, counted as unroutable
// and logged (sparsely); no state is kept for the source.
func TestUnknownSourceDatagrams(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var buf syncbuf.Buffer
	b, err := New(Config{ID: "jvb1", UDPListen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := net.Dial("udp", b.udp.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	noUser := stunBinding(nil)
	unknownUfrag := stunBinding([]byte("nobody:x"))
	badSTUN := unknownUfrag[:24] // the header claims more than is there
	datagrams := [][]byte{[]byte("garbage"), {}, bytes.Repeat([]byte{0xff}, 1200), noUser, unknownUfrag, badSTUN}
	for _, d := range datagrams {
		if _, err := c.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	// STUN without FINGERPRINT or cut short is dropped before the mux
	// (stungate.go) and counted as garbage; the rest as unroutable.
	dropped := func() uint64 { s := b.Stats(); return s.Unroutable + s.Garbage }
	deadline := time.Now().Add(waitTimeout)
	for dropped() < uint64(len(datagrams)-1) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// The empty datagram may not be delivered by every kernel path; the
	// other five must be counted.
	if n := dropped(); n < uint64(len(datagrams)-1) {
		t.Fatalf("%d of %d unknown-source datagrams counted", n, len(datagrams))
	}
	if !strings.Contains(buf.String(), "datagrams from unknown sources dropped") {
		t.Fatalf("not logged:\n%s", buf.String())
	}
}

// stunBinding is a STUN Binding request (RFC 8489) with an optional
// USERNAME attribute.
func stunBinding(username []byte) []byte {
	var attrs []byte
	if username != nil {
		a := binary.BigEndian.AppendUint16(nil, 0x0006)
		a = binary.BigEndian.AppendUint16(a, uint16(len(username)))
		a = append(a, username...)
		for len(a)%4 != 0 {
			a = append(a, 0)
		}
		attrs = a
	}
	m := binary.BigEndian.AppendUint16(nil, 0x0001)
	m = binary.BigEndian.AppendUint16(m, uint16(len(attrs)))
	m = binary.BigEndian.AppendUint32(m, 0x2112A442)
	m = append(m, []byte("txid-0123456")...)
	return append(m, attrs...)
}
