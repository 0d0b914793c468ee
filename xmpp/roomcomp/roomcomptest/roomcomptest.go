// Package roomcomptest is a fixture for room component tests: a real
// conference MUC service whose deliveries are recorded.
package roomcomptest

import (
	"strings"
	"sync"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/roomcomp"
)

// Domain is the fixture's conference MUC domain.
const Domain = "conference.example"

// Fixture is a MUC service with recorded deliveries.
type Fixture struct {
	t    *testing.T
	MUC  *muc.Service
	more []*muc.Service

	mu  sync.Mutex
	got map[string][]*dom.Element // by `to`
}

// New returns a fixture; the first occupant of a room becomes its owner.
func New(t *testing.T) *Fixture {
	t.Helper()
	f := &Fixture{t: t, got: map[string][]*dom.Element{}}
	m, err := muc.New(Domain, f, muc.Policy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.MUC = m
	return f
}

// AddMUC adds another MUC service (e.g. breakout rooms') at domain; the
// component's Rooms see it too.
func (f *Fixture) AddMUC(domain string) *muc.Service {
	f.t.Helper()
	m, err := muc.New(domain, f, muc.Policy{}, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.more = append(f.more, m)
	return m
}

// Rooms is the component's view of the fixture's rooms.
func (f *Fixture) Rooms() roomcomp.Rooms {
	return roomcomp.Rooms{MUCs: func() []*muc.Service { return append([]*muc.Service{f.MUC}, f.more...) }}
}

// DeliverLocal records a delivery (muc.Router).
func (f *Fixture) DeliverLocal(st *dom.Element) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[st.Attr("to")] = append(f.got[st.Attr("to")], st)
}

// Join makes real (a full JID) occupant nick of room (a localpart).
func (f *Fixture) Join(real, room, nick string) {
	p := dom.MustParse(`<presence xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc"/><nick xmlns="http://jabber.org/protocol/nick">` + nick + `</nick></presence>`)
	p.SetAttr("from", real).SetAttr("to", room+"@"+Domain+"/"+nick)
	f.MUC.Handle(p)
}

// Stanza parses xml and stamps its from.
func Stanza(from, xml string) *dom.Element {
	e := dom.MustParse(xml)
	e.SetAttr("from", from)
	return e
}

// Take returns and forgets what was delivered to `to`.
func (f *Fixture) Take(to string) []*dom.Element {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.got[to]
	delete(f.got, to)
	return out
}

// JSON returns the json-message texts delivered to `to` from a component
// domain, and forgets all deliveries to `to`.
func (f *Fixture) JSON(to, from string) []string {
	var out []string
	for _, st := range f.Take(to) {
		if st.Attr("from") == from {
			if jm := st.Child(ns.JitMeet, "json-message"); jm != nil {
				out = append(out, jm.Text)
			}
		}
	}
	return out
}

// Has reports whether one of texts contains every part.
func Has(texts []string, parts ...string) bool {
	for _, t := range texts {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(t, p)
		}
		if ok {
			return true
		}
	}
	return false
}
