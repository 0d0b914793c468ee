package focus

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

func TestAllowList(t *testing.T) {
	a := newAllowList([]string{"jvb@auth.localhost", "JVB.localhost", "jvb2@auth.localhost/only"})
	tests := []struct {
		real string
		want bool
	}{
		{"jvb@auth.localhost/jvb1", true},
		{"JVB@Auth.Localhost/x", true},
		{"jvb@auth.localhost", true},
		{"jvb.localhost", true},            // a component
		{"bridge@jvb.localhost/r", true},   // an address inside the component
		{"jvb2@auth.localhost/only", true}, // the one session named
		{"jvb2@auth.localhost/other", false},
		{"mallory@auth.localhost/jvb1", false},
		{"focus@auth.localhost/focus", false},
		{"jvb@auth.localhost.evil/jvb1", false},
		{"x.jvb.localhost", false}, // a subdomain is another domain
		{"jvb@localhost/r", false},
		{"", false}, // the room hides real JIDs
	}
	for _, tc := range tests {
		t.Run(tc.real, func(t *testing.T) {
			if got := a.allows(tc.real); got != tc.want {
				t.Fatalf("allows(%q) = %v, want %v", tc.real, got, tc.want)
			}
		})
	}
}

// TestBreweryRefusesNonBridge: stats presences from occupants that are not
// on the allow-list never make a bridge, however attractive their stats.
func TestBreweryRefusesNonBridge(t *testing.T) {
	b := newBrewery([]string{"jvb@auth.localhost"})
	tests := []struct {
		name string
		p    *dom.Element
		want breweryChange
	}{
		{"another account on the auth domain", breweryPresenceFrom("mallory@auth.localhost/r", "m", "stress_level", "0"), breweryRefused},
		{"a user account", breweryPresenceFrom("alice@localhost/r", "a", "stress_level", "0"), breweryRefused},
		{"a room hiding real JIDs", breweryPresenceFrom("", "h", "stress_level", "0"), breweryRefused},
		{"an impostor using the bridge's nick", breweryPresenceFrom("mallory@auth.localhost/r", "jvb1", "stress_level", "0"), breweryRefused},
		{"no stats: not a bridge anyway", dom.New(ns.Client, "presence").SetAttr("from", testBrewery+"/m"), breweryNothing},
		{"the allowed bridge", breweryPresence("jvb1", "stress_level", "0.9"), breweryAppeared},
		{"the impostor again, after the bridge", breweryPresenceFrom("mallory@auth.localhost/r", "m", "stress_level", "0"), breweryRefused},
	}
	for _, tc := range tests { // in order: the bridge list builds up
		if got := b.update(tc.p); got != tc.want {
			t.Fatalf("%s: change %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := b.list(); len(got) != 1 || got[0] != testBridge {
		t.Fatalf("bridges %v, want only %s", got, testBridge)
	}
	if got := b.selectBridge(""); got != testBridge {
		t.Fatalf("selected %q, want the loaded allowed bridge %s", got, testBridge)
	}
}

// lockedBuffer is a log sink safe for the focus's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFocusNeverPicksNonBridge: a non-bridge account in the brewery
// announcing stress 0 gets neither the conference nor a health check; it
// is counted on every presence and logged once per JID.
func TestFocusNeverPicksNonBridge(t *testing.T) {
	var logs lockedBuffer
	h := startFocus(t, func(f *Focus) {
		f.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		f.cfg.HealthInterval = 100 * time.Millisecond
	})
	const evil = testBrewery + "/evil"
	for range 3 {
		h.deliver(breweryPresenceFrom("mallory@localhost/r", "evil", "stress_level", "0"))
	}
	h.deliver(breweryPresenceFrom("trudy@localhost/r", "evil2", "stress_level", "0"))
	h.join(t, "a@localhost")
	h.next("a health check to the bridge", func(st *dom.Element) bool {
		return st.Attr("to") == testBridge && st.Child(ns.Healthcheck, "healthcheck") != nil
	})
	h.next("a second round of health checks", func(st *dom.Element) bool {
		return st.Attr("to") == testBridge && st.Child(ns.Healthcheck, "healthcheck") != nil
	})
	h.noneSent("anything to the non-bridge", func(st *dom.Element) bool {
		return strings.HasPrefix(st.Attr("to"), evil)
	})
	if got := h.f.Stats().RefusedBridges; got != 4 {
		t.Errorf("refused %d presences, want 4", got)
	}
	if n := strings.Count(logs.String(), "not an allowed bridge"); n != 2 {
		t.Errorf("logged %d refusals, want 2 (once per JID):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "real_jid=mallory@localhost/r") {
		t.Errorf("the refusal does not name the JID:\n%s", logs.String())
	}
}

// FuzzAllowList: whatever real JID a brewery presence carries, matching
// neither panics nor admits an address outside the list: an allowed JID's
// full form, bare form or domain is an entry.
func FuzzAllowList(f *testing.F) {
	for _, s := range []string{"jvb@auth.localhost/r", "JVB.localhost", "@", "/", "a@b@c/d/e", "", "auth.localhost/x"} {
		f.Add(s)
	}
	a := newAllowList([]string{"jvb@auth.localhost", "jvb.localhost", "jvb2@auth.localhost/only"})
	f.Fuzz(func(t *testing.T, real string) {
		if !a.allows(real) {
			return
		}
		l := strings.ToLower(real)
		bare := bareJID(l)
		_, domain, _ := strings.Cut(bare, "@")
		if !a.entries[l] && !a.entries[bare] && !a.entries[domain] {
			t.Fatalf("%q allowed without a matching entry", real)
		}
	})
}
