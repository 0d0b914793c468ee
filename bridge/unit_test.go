package bridge

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pion/dtls/v3/pkg/crypto/selfsign"

	"meetd/xmpp/jingle"
)

func TestVerifyFingerprint(t *testing.T) {
	cert, err := selfsign.GenerateSelfSigned()
	must(t, err)
	raw := cert.Certificate
	fp256, err := certFingerprint(cert)
	must(t, err)
	x, err := x509.ParseCertificate(raw[0])
	must(t, err)
	sum := sha1.Sum(x.Raw)
	var hexes []string
	for _, c := range sum {
		hexes = append(hexes, fmt.Sprintf("%02x", c))
	}
	cases := []struct {
		name string
		raw  [][]byte
		fps  []jingle.Fingerprint
		want error
	}{
		{"sha-256 match", raw, []jingle.Fingerprint{{Hash: "sha-256", Value: fp256}}, nil},
		{"sha-256 lower case", raw, []jingle.Fingerprint{{Hash: "SHA-256", Value: strings.ToLower(fp256)}}, nil},
		{"sha-1 match", raw, []jingle.Fingerprint{{Hash: "sha-1", Value: strings.Join(hexes, ":")}}, nil},
		{"mismatch", raw, []jingle.Fingerprint{{Hash: "sha-256", Value: "AB:CD"}}, ErrFingerprint},
		{"md5 refused", raw, []jingle.Fingerprint{{Hash: "md5", Value: "AB"}}, ErrNoFingerprint},
		{"unknown hash", raw, []jingle.Fingerprint{{Hash: "sha-3", Value: "AB"}}, ErrNoFingerprint},
		{"none signalled", raw, nil, ErrNoFingerprint},
		{"no certificate", nil, []jingle.Fingerprint{{Hash: "sha-256", Value: fp256}}, ErrFingerprint},
		{"garbage certificate", [][]byte{{1, 2, 3}}, []jingle.Fingerprint{{Hash: "sha-256", Value: fp256}}, ErrFingerprint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := verifyFingerprint(tc.raw, tc.fps); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// testConference builds a conference with transport-less endpoints whose
// queues the test reads directly.
func testConference(ids ...string) (*conference, map[string]*endpoint) {
	b := &Bridge{log: slog.New(slog.DiscardHandler)}
	c := newConference(b, "m", "room@conference.localhost")
	b.confs = map[string]*conference{c.meetingID: c}
	eps := map[string]*endpoint{}
	for _, id := range ids {
		e := &endpoint{id: id, conf: c, log: c.log,
			transport: transport{b: b, msgQ: make(chan []byte, 8), sendQ: make(chan *outPacket, 8)}}
		m := testMedia()
		e.ingress.Store(buildIngress(&m, nil, id, nil))
		e.fwd = newForwarder()
		e.loss = newLossTracker()
		e.rx = newReceptionStats()
		e.down = newDownlink(id, &e.transport, e)
		e.ctx, e.cancel = context.WithCancel(context.Background())
		c.addEndpoint(e)
		eps[id] = e
	}
	return c, eps
}

// settle runs what the control goroutine would: a reallocation now.
func settle(c *conference) {
	c.reallocate()
	c.step(time.Now())
}

func drain(ch chan []byte) []string {
	var out []string
	for {
		select {
		case m := <-ch:
			out = append(out, string(m))
		default:
			return out
		}
	}
}

func TestChannelMessages(t *testing.T) {
	cases := []struct {
		name     string
		msg      string
		want     map[string]int // endpoint -> messages received
		contains string
	}{
		{"directed", `{"colibriClass":"EndpointMessage","to":"b","msgPayload":{"k":1}}`, map[string]int{"b": 1}, `"from":"a"`},
		{"broadcast", `{"colibriClass":"EndpointMessage","to":"","msgPayload":{}}`, map[string]int{"b": 1, "c": 1}, `"from":"a"`},
		{"spoofed from", `{"colibriClass":"EndpointMessage","to":"b","from":"c","msgPayload":{}}`, map[string]int{"b": 1}, `"from":"a"`},
		{"unknown target", `{"colibriClass":"EndpointMessage","to":"zz","msgPayload":{}}`, nil, ""},
		{"stats to all", `{"colibriClass":"EndpointStats","bitrate":1}`, map[string]int{"b": 1, "c": 1}, `"bitrate":1`},
		{"client hello", `{"colibriClass":"ClientHello"}`, map[string]int{"a": 1}, "ServerHello"},
		{"unknown class", `{"colibriClass":"Whatever"}`, nil, ""},
		{"not json", `{"colibriClass":`, nil, ""},
		{"no class", `{"to":"b"}`, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, eps := testConference("a", "b", "c")
			eps["a"].onChannelMessage([]byte(tc.msg))
			for id, e := range eps {
				got := drain(e.msgQ)
				if len(got) != tc.want[id] {
					t.Fatalf("%s got %d messages %v, want %d", id, len(got), got, tc.want[id])
				}
				for _, m := range got {
					if !strings.Contains(m, tc.contains) {
						t.Fatalf("%s got %s, want it to contain %s", id, m, tc.contains)
					}
				}
			}
		})
	}
}

func TestLastN(t *testing.T) {
	c, eps := testConference("a")
	e := eps["a"]
	for _, tc := range []struct {
		msg  string
		want int
	}{
		{`{"colibriClass":"ReceiverVideoConstraints","lastN":0}`, 0},
		{`{"colibriClass":"ReceiverVideoConstraints","defaultConstraints":{"maxHeight":180}}`, 0},
		{`{"colibriClass":"ReceiverVideoConstraints","lastN":-1}`, -1},
		{`{"colibriClass":"LastNChangedEvent","lastN":3}`, 3},
		{`{"colibriClass":"ReceiverVideoConstraints","lastN":-7}`, -1},
	} {
		e.onChannelMessage([]byte(tc.msg))
		if got := lastNOf(c, "a"); got != tc.want {
			t.Fatalf("after %s lastN=%d, want %d", tc.msg, got, tc.want)
		}
	}
}

func TestGarbageOnEndpoint(t *testing.T) {
	_, eps := testConference("a")
	e := eps["a"]
	st := &readerState{buf: make([]byte, maxDatagram), plain: make([]byte, maxDatagram)}
	for _, g := range [][]byte{{}, {0xff}, {70, 1}, {0x80, 0x60}} {
		e.handleDatagram(st, g, nil)
	}
	if got := e.b.Stats().Garbage; got != 4 {
		t.Fatalf("garbage counted %d, want 4", got)
	}
	// RTP before DTLS finished is dropped without decrypting, and counted.
	e.handleDatagram(st, rtpPacket(t, 1, 111, 0), nil)
	if s := e.b.Stats(); s.SRTPErrors != 1 || s.Forwarded != 0 {
		t.Fatalf("stats %+v", s)
	}
}
