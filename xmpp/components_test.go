package xmpp

import (
	"errors"
	"testing"

	"meetd/xmpp/dom"
)

// componentFunc adapts a function to Component.
type componentFunc func(*dom.Element)

func (f componentFunc) Handle(st *dom.Element) { f(st) }

// TestComponents: a registered component is announced in the host's
// disco#info (category component, its type, its address as name) and gets
// the stanzas addressed to its domain with the sender's real JID as from;
// domains in use are refused.
func TestComponents(t *testing.T) {
	e := newEnv(t)
	got := make(chan *dom.Element, 1)
	if err := e.srv.AddComponent("avmoderation.localhost", "av_moderation", componentFunc(func(st *dom.Element) { got <- st })); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"avmoderation.localhost", "localhost", "focus.localhost"} {
		if err := e.srv.AddComponent(d, "x", componentFunc(func(*dom.Element) {})); !errors.Is(err, ErrBadConfig) {
			t.Errorf("AddComponent(%q): %v", d, err)
		}
	}
	u := e.attach("user@localhost/r")
	sendLocal(t, u, `<iq xmlns="jabber:client" type="get" id="d1" to="localhost"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
	res := recvLocal(t, u)
	found := false
	for _, id := range res.Child("", "query").ChildrenNamed("", "identity") {
		found = found || (id.Attr("category") == "component" && id.Attr("type") == "av_moderation" && id.Attr("name") == "avmoderation.localhost")
	}
	if !found {
		t.Errorf("disco#info lacks the component identity: %s", res)
	}
	sendLocal(t, u, `<message xmlns="jabber:client" to="avmoderation.localhost"><av_moderation/></message>`)
	if st := <-got; st.Attr("from") != "user@localhost/r" {
		t.Errorf("component got from=%q", st.Attr("from"))
	}
}

// TestConferenceMUCsOnce: the lobby domain shares the conference MUC's
// service; components see each service once (else hooks would run twice).
func TestConferenceMUCsOnce(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Lobby.Domain = "lobby.localhost" })
	if got := e.srv.ConferenceMUCs(); len(got) != 1 || got[0].Domain() != "conference.localhost" {
		t.Errorf("ConferenceMUCs: %d services", len(got))
	}
}
