package client

import (
	"errors"
	"testing"
	"time"

	"meetd/xmpp/dom"
)

func TestBackoffBoundedWithJitter(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: 800 * time.Millisecond}.withDefaults()
	d := b.Min
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		wait, after := b.next(d)
		if wait < d/2 || wait > d {
			t.Fatalf("attempt %d: wait %v outside [%v, %v]", i, wait, d/2, d)
		}
		if after > b.Max {
			t.Fatalf("delay %v beyond max %v", after, b.Max)
		}
		seen[wait] = true
		d = after
	}
	if d != b.Max {
		t.Fatalf("delay %v did not reach max %v", d, b.Max)
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct waits: no jitter", len(seen))
	}
}

func TestPickMechanism(t *testing.T) {
	for _, tc := range []struct {
		name, offered, want string
		err                 error
	}{
		{"prefers SHA-256", "<mechanism>SCRAM-SHA-1</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>PLAIN</mechanism>", "SCRAM-SHA-256", nil},
		{"SHA-1 only", "<mechanism>SCRAM-SHA-1</mechanism>", "SCRAM-SHA-1", nil},
		{"never PLAIN", "<mechanism>PLAIN</mechanism><mechanism>ANONYMOUS</mechanism>", "", ErrNoMechanism},
		{"none", "", "", ErrNoMechanism},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := dom.MustParse(`<features xmlns='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>` + tc.offered + `</mechanisms></features>`)
			m, _, err := pickMechanism(f)
			if !errors.Is(err, tc.err) || (err == nil && m.Name != tc.want) {
				t.Fatalf("got %q, %v; want %q, %v", m.Name, err, tc.want, tc.err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"full JID", Config{Addr: "127.0.0.1:5222", JID: "a@b/c", Password: "p"}},
		{"no localpart", Config{Addr: "127.0.0.1:5222", JID: "b", Password: "p"}},
		{"bad addr", Config{Addr: "nowhere", JID: "a@b", Password: "p"}},
		{"no password", Config{Addr: "127.0.0.1:5222", JID: "a@b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.cfg.validate(); !errors.Is(err, ErrConfig) {
				t.Fatalf("validate: %v, want ErrConfig", err)
			}
		})
	}
}
