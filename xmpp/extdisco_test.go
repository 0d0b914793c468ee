package xmpp

import (
	"sync"
	"testing"
	"time"

	"meetd/xmpp/ns"
)

// TestExternalServices: a <services/> request (extdisco:2 and :1) lists
// what Config.ExternalServices returns for the requesting session's JID,
// with credentials as attributes; type= filters.
func TestExternalServices(t *testing.T) {
	exp := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var asked []string
	env := newEnv(t, func(c *Config) {
		c.ExternalServices = func(jid string) []ExternalService {
			mu.Lock()
			asked = append(asked, jid)
			mu.Unlock()
			return []ExternalService{
				{Type: "stun", Host: "meet.example.com", Port: 3478, Transport: "udp"},
				{Type: "turns", Host: "meet.example.com", Port: 443, Transport: "tcp", Username: "1767312000:u", Password: "cGFzcw==", Expires: exp},
			}
		}
	})
	c := env.dial()
	c.login()
	tests := []struct {
		name, space, typ string
		want             int
	}{
		{"extdisco 2", ns.ExtDisco2, "", 2},
		{"extdisco 1", ns.ExtDisco1, "", 2},
		{"only turns", ns.ExtDisco2, "turns", 1},
		{"only turn", ns.ExtDisco2, "turn", 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := "e" + string(rune('a'+i))
			typ := ""
			if tc.typ != "" {
				typ = ` type="` + tc.typ + `"`
			}
			c.send(`<iq xmlns="jabber:client" type="get" to="localhost" id="` + id + `"><services xmlns="` + tc.space + `"` + typ + `/></iq>`)
			r := c.recvID(id)
			svcs := r.Child(tc.space, "services").ChildrenNamed(tc.space, "service")
			if r.Attr("type") != "result" || len(svcs) != tc.want {
				t.Fatalf("answer: %s", r)
			}
			for _, s := range svcs {
				if s.Attr("type") == "turns" && (s.Attr("username") != "1767312000:u" || s.Attr("password") != "cGFzcw==" ||
					s.Attr("port") != "443" || s.Attr("transport") != "tcp" || s.Attr("expires") != "2026-01-02T00:00:00Z") {
					t.Errorf("turns entry: %s", s)
				}
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) == 0 || asked[0] != c.jid {
		t.Errorf("services asked for %v, want the session %s", asked, c.jid)
	}
}
