package bridge

import (
	"net"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	"go.uber.org/goleak"
)

// TestHostileSTUN is docs/reliability.md row M2 against the real bridge: binding
// requests to a live endpoint's ufrag, each from its own new address, with
// a bad MESSAGE-INTEGRITY, a bad FINGERPRINT, no FINGERPRINT, an unknown
// comprehension-required attribute, a wrong USERNAME, or cut short. None is
// answered (responses are counted: no amplification), none leaves state
// for its source (no peer-reflexive candidate; a later non-STUN datagram
// from the same address is unroutable), and the session keeps forwarding.
// A correct request from a new address, sent last, is answered: the
// measurement can see an answer.
func TestHostileSTUN(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	hc.connectHostile()
	h := hc.h
	hUfrag, _, err := h.agent.GetLocalUserCredentials()
	must(t, err)
	bice := hc.trs["h"].ICE
	user := bice.Ufrag + ":" + hUfrag
	good := func(extra ...stun.Setter) []stun.Setter {
		s := []stun.Setter{stun.BindingRequest, stun.TransactionID, stun.NewUsername(user),
			ice.PriorityAttr(1), ice.AttrControlled(1)}
		return append(append(s, extra...), stun.NewShortTermIntegrity(bice.Pwd), stun.Fingerprint)
	}
	build := func(setters ...stun.Setter) []byte {
		m, err := stun.Build(setters...)
		must(t, err)
		return m.Raw
	}
	badFP := build(good()...)
	badFP[len(badFP)-1] ^= 0xff
	noFP := build(stun.BindingRequest, stun.TransactionID, stun.NewUsername(user), ice.PriorityAttr(1),
		ice.AttrControlled(1), stun.NewShortTermIntegrity(bice.Pwd))
	unknownAttr := build(good(stun.RawAttribute{Type: 0x7f31, Value: []byte("must understand")})...)
	cases := []struct {
		name string
		msg  []byte
	}{
		{"bad MESSAGE-INTEGRITY", build(stun.BindingRequest, stun.TransactionID, stun.NewUsername(user),
			ice.PriorityAttr(1), ice.AttrControlled(1), stun.NewShortTermIntegrity("not-the-password"), stun.Fingerprint)},
		{"bad FINGERPRINT", badFP},
		{"no FINGERPRINT", noFP},
		{"unknown comprehension-required attribute", unknownAttr},
		{"wrong USERNAME", build(stun.BindingRequest, stun.TransactionID, stun.NewUsername(bice.Ufrag+":intruder"),
			ice.PriorityAttr(1), ice.AttrControlled(1), stun.NewShortTermIntegrity(bice.Pwd), stun.Fingerprint)},
		{"truncated", build(good()...)[:30]},
	}
	addr := hc.b.UDPAddr()
	socks := make([]*net.UDPConn, len(cases))
	before := hc.b.Stats()
	for i, tc := range cases {
		c, err := net.DialUDP("udp4", nil, addr)
		must(t, err)
		defer c.Close()
		socks[i] = c
		for range 10 { // a burst, as an attacker would send
			_, err := c.Write(tc.msg)
			must(t, err)
		}
	}
	control, err := net.DialUDP("udp4", nil, addr)
	must(t, err)
	defer control.Close()
	_, err = control.Write(build(good()...))
	must(t, err)
	if n := responses(control, 3*time.Second); n != 1 {
		t.Fatalf("a correct request from a new address got %d answers, want 1", n)
	}
	e := hc.endpoint("h")
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if n := responses(socks[i], 200*time.Millisecond); n != 0 {
				t.Errorf("%d answers to 10 requests", n)
			}
			port := socks[i].LocalAddr().(*net.UDPAddr).Port
			cands, err := e.agent.GetRemoteCandidates()
			must(t, err)
			for _, c := range cands {
				if c.Port() == port {
					t.Errorf("the bridge keeps a %s candidate for the source", c.Type())
				}
			}
			u := hc.b.Stats().Unroutable
			_, err = socks[i].Write([]byte("not stun, not media"))
			must(t, err)
			eventually(t, "non-STUN from the source unroutable", func() bool { return hc.b.Stats().Unroutable > u })
		})
	}
	t.Logf("dropped as bad STUN: %d garbage, %d unroutable", hc.b.Stats().Garbage-before.Garbage,
		hc.b.Stats().Unroutable-before.Unroutable)
	t.Run("session keeps forwarding", func(t *testing.T) {
		got := hc.r.received(h.audio)
		hc.sendAudio(1, 960, 20)
		hc.waitForwarded("audio after the STUN attack", got+18)
	})
}

// responses counts the datagrams that arrive on c within d.
func responses(c *net.UDPConn, d time.Duration) int {
	buf := make([]byte, 1500)
	n := 0
	_ = c.SetReadDeadline(time.Now().Add(d))
	for {
		if _, err := c.Read(buf); err != nil {
			return n
		}
		n++
	}
}

func TestSTUNAcceptable(t *testing.T) {
	build := func(setters ...stun.Setter) []byte {
		m, err := stun.Build(setters...)
		must(t, err)
		return m.Raw
	}
	check := []stun.Setter{stun.BindingRequest, stun.TransactionID, stun.NewUsername("a:b"), ice.PriorityAttr(1),
		ice.AttrControlling(1), ice.UseCandidate(), stun.NewShortTermIntegrity("pwd"), stun.Fingerprint}
	afterFP := build(append(check, stun.RawAttribute{Type: 0x8022, Value: []byte("late")})...)
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"ICE check", build(check...), true},
		{"success response", build(stun.BindingSuccess, stun.TransactionID,
			&stun.XORMappedAddress{IP: net.IPv4(127, 0, 0, 1), Port: 5}, stun.NewShortTermIntegrity("pwd"), stun.Fingerprint), true},
		{"indication without FINGERPRINT", build(stun.NewType(stun.MethodBinding, stun.ClassIndication), stun.TransactionID), true},
		{"request without FINGERPRINT", build(stun.BindingRequest, stun.TransactionID), false},
		{"comprehension-optional unknown attribute", build(append([]stun.Setter{stun.BindingRequest, stun.TransactionID,
			stun.RawAttribute{Type: 0xc057, Value: []byte{0, 1, 0, 2}}}, check[2:]...)...), true},
		{"attribute after FINGERPRINT", afterFP, false},
		{"length beyond the datagram", build(check...)[:40], false},
		{"not STUN (RTP)", []byte{0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, true},
		{"not STUN (no cookie)", make([]byte, 28), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := stunAcceptable(tc.b); got != tc.want {
				t.Fatalf("stunAcceptable = %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzSTUNGate: the gate never panics, and whatever STUN it lets through
// pion's decoder can read.
func FuzzSTUNGate(f *testing.F) {
	m, _ := stun.Build(stun.BindingRequest, stun.TransactionID, stun.NewUsername("a:b"),
		stun.NewShortTermIntegrity("pwd"), stun.Fingerprint)
	f.Add(m.Raw)
	f.Add(m.Raw[:24])
	f.Add([]byte{0x80, 0x60, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if !stunAcceptable(b) || !stun.IsMessage(b) {
			return
		}
		msg := &stun.Message{Raw: append([]byte(nil), b...)}
		if err := msg.Decode(); err != nil {
			t.Fatalf("accepted STUN that does not decode: %v", err)
		}
	})
}
