package focus

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

const (
	testRoom    = "room1@conference.localhost"
	testBrewery = "jvbbrewery@internal.auth.localhost"
	testBridge  = testBrewery + "/jvb1"
	focusReal   = "focus@auth.localhost/focus"
	waitLimit   = 10 * time.Second
)

// fakeNet is an in-test stand-in for the XMPP server, the MUC, the bridge
// and the clients' acknowledgements. It implements Conn for the focus.
type fakeNet struct {
	t   *testing.T
	in  chan *dom.Element // to the focus
	out chan *dom.Element // from the focus

	mu      sync.Mutex
	sent    []*dom.Element
	claimed []bool
	changed chan struct{}
	failEP  map[string]bool // endpoints whose colibri updates fail
	rejects map[string]bool // nicks whose clients reject Jingle IQs
	mute    map[string]bool // bridges (occupant JIDs) that answer nothing
	// muteColibri: bridges that answer health checks but no Colibri2.
	muteColibri map[string]bool
}

func newFakeNet(t *testing.T) *fakeNet {
	return &fakeNet{
		t: t, in: make(chan *dom.Element, 256), out: make(chan *dom.Element, 1024),
		changed: make(chan struct{}), failEP: map[string]bool{}, rejects: map[string]bool{}, mute: map[string]bool{},
		muteColibri: map[string]bool{},
	}
}

func (n *fakeNet) JID() string { return focusReal }

func (n *fakeNet) Send(ctx context.Context, st *dom.Element) error {
	// As xmpp.LocalSession: the alias domains (the focus component's and
	// the recorder's hidden domain) and addresses in them are kept.
	if a := st.Attr("from"); a != "focus.localhost" && !strings.HasSuffix(a, "@recorder.localhost/"+resourceOf(a)) {
		st.SetAttr("from", focusReal)
	}
	select {
	case n.out <- st.Copy():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *fakeNet) Recv(ctx context.Context) (*dom.Element, error) {
	select {
	case st := <-n.in:
		return st, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// deliver hands a stanza to the focus.
func (n *fakeNet) deliver(st *dom.Element) { n.in <- st }

// serve logs what the focus sends and answers what the server, the MUC,
// the bridge and the clients would answer on their own.
func (n *fakeNet) serve(ctx context.Context) {
	for {
		select {
		case st := <-n.out:
			n.record(st)
			n.autoAnswer(st)
		case <-ctx.Done():
			return
		}
	}
}

func (n *fakeNet) record(st *dom.Element) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, st)
	n.claimed = append(n.claimed, false)
	close(n.changed)
	n.changed = make(chan struct{})
}

func (n *fakeNet) autoAnswer(st *dom.Element) {
	to := st.Attr("to")
	switch {
	case st.Local == "presence" && to == testRoom+"/focus" && st.Attr("type") == "":
		n.deliver(occupantPresence("focus", focusReal, "owner", "moderator", "110", "201"))
	case st.Local == "iq" && to == testRoom && st.Attr("type") == "get":
		n.deliver(ownerForm(answer(st, to)))
	case st.Local == "iq" && to == testRoom && st.Attr("type") == "set":
		n.deliver(answer(st, to))
		if item := st.Child(ns.MUCAdmin, "query").Child(ns.MUCAdmin, "item"); item != nil {
			n.grantOwner(item.Attr("jid"))
		}
	case st.Local == "iq" && bareJID(to) == testBrewery: // any bridge in the brewery
		n.mu.Lock()
		mute := n.mute[to] || n.muteColibri[to] && st.Child(ns.Healthcheck, "healthcheck") == nil
		n.mu.Unlock()
		switch {
		case mute:
		case st.Child(ns.Healthcheck, "healthcheck") != nil:
			n.deliver(answer(st, to))
		default:
			n.deliver(n.bridgeAnswer(st))
		}
	case st.Local == "iq" && st.Attr("type") == "set" && bareJID(to) == testRoom:
		n.mu.Lock()
		rej := n.rejects[resourceOf(to)]
		n.mu.Unlock()
		if rej {
			n.deliver(stanza.ErrorReply(&dom.Element{Local: "iq", Attrs: []dom.Attr{{Name: "from", Value: to}, {Name: "to", Value: focusReal}, {Name: "id", Value: st.Attr("id")}}}, stanza.BadRequest.WithType("cancel"), ""))
			return
		}
		n.deliver(answer(st, to))
	}
}

// grantOwner broadcasts the presence change an owner grant causes.
func (n *fakeNet) grantOwner(bare string) {
	n.deliver(occupantPresence(nickOf(bare), bare+"/r", "owner", "moderator"))
}

// nickOf maps a test client's bare JID ("a@localhost") to its nick.
func nickOf(bare string) string {
	c := bare[:1]
	return c + c + c + c + "1111"
}

func answer(iq *dom.Element, from string) *dom.Element {
	return dom.New(ns.Client, "iq").SetAttr("type", "result").SetAttr("id", iq.Attr("id")).
		SetAttr("from", from).SetAttr("to", focusReal)
}

// testMeetingID is the meeting ID the fake room's owner form holds.
const testMeetingID = "2c6f0a1e-0000-4000-8000-00000000feed"

func ownerForm(res *dom.Element) *dom.Element {
	x := res.AddNew(ns.MUCOwner, "query").AddNew(ns.XData, "x").SetAttr("type", "form")
	// Fields without a value, as Prosody's form has (the focus once
	// crashed on them).
	x.AddNew(ns.XData, "field").SetAttr("var", "muc#roomconfig_roomadmins").SetAttr("type", "jid-multi")
	x.AddNew(ns.XData, "field").SetAttr("var", "muc#roominfo_meetingId")
	x.AddNew(ns.XData, "field").SetAttr("var", "muc#roominfo_meetingId").AddNew(ns.XData, "value").SetText(testMeetingID)
	return res
}

func occupantPresence(nick, real, aff, role string, codes ...string) *dom.Element {
	p := dom.New(ns.Client, "presence").SetAttr("from", testRoom+"/"+nick).SetAttr("to", focusReal)
	x := p.AddNew(ns.MUCUser, "x")
	x.AddNew(ns.MUCUser, "item").SetAttr("jid", real).SetAttr("affiliation", aff).SetAttr("role", role)
	for _, c := range codes {
		x.AddNew(ns.MUCUser, "status").SetAttr("code", c)
	}
	return p
}

// bridgeAnswer plays the bridge: transports for created endpoints, the
// feedback sources, and errors for endpoints marked failing.
func (n *fakeNet) bridgeAnswer(iq *dom.Element) *dom.Element {
	var cm colibri.ConferenceModify
	if err := dom.Unmarshal(iq.Child(ns.Colibri2, "conference-modify"), &cm); err != nil {
		n.t.Errorf("bad colibri request: %v", err)
	}
	res := colibri.ConferenceModified{}
	for _, ep := range cm.Endpoints {
		n.mu.Lock()
		fail := n.failEP[ep.ID]
		n.mu.Unlock()
		if fail && !ep.Create && !ep.Expire {
			e := stanza.ErrorReply(&dom.Element{Local: "iq", Attrs: []dom.Attr{{Name: "from", Value: testBridge}, {Name: "to", Value: focusReal}, {Name: "id", Value: iq.Attr("id")}}}, stanza.ItemNotFound, "")
			e.Child("", "error").AddNew(ns.Colibri2, "error").SetAttr("reason", colibri.ReasonUnknownEndpoint)
			return e
		}
		if ep.Create {
			res.Endpoints = append(res.Endpoints, colibri.Endpoint{ID: ep.ID, Transport: bridgeTransport(ep.ID)})
			res.Sources = &colibri.Sources{MediaSources: []colibri.MediaSource{
				{Type: "audio", ID: "jvb-a0", Sources: []jingle.Source{{SSRC: 777, Name: "jvb-a0"}}},
				{Type: "video", ID: "jvb-v0", Sources: []jingle.Source{{SSRC: 888, Name: "jvb-v0"}}},
			}}
		}
	}
	for _, r := range cm.Relays {
		if r.Create {
			res.Relays = append(res.Relays, colibri.Relay{ID: r.ID, Transport: bridgeTransport("relay-" + r.ID)})
		}
	}
	el, err := dom.Marshal(res)
	if err != nil {
		n.t.Errorf("marshal: %v", err)
	}
	return answer(iq, iq.Attr("to")).Add(el)
}

func bridgeTransport(ep string) *colibri.Transport {
	return &colibri.Transport{
		ICE: &jingle.ICEUDP{Ufrag: "bu", Pwd: "bpwd", RTCPMux: &jingle.Empty{},
			Fingerprints: []jingle.Fingerprint{{Hash: "sha-256", Setup: "actpass", Value: "01:02:03"}},
			Candidates:   []jingle.Candidate{{Component: 1, Foundation: "1", IP: "127.0.0.1", Port: 10000, Priority: 1, Protocol: "udp", Type: "host", ID: "c1"}},
			WebSockets:   []jingle.WebSocket{{URL: "wss://localhost/colibri-ws/jvb1/m/" + ep + "?pwd=bpwd"}},
		},
		SCTP: &colibri.SCTP{Port: 5000, Role: "server"},
	}
}

// next waits for the first unclaimed stanza the focus sent that matches.
func (n *fakeNet) next(desc string, match func(*dom.Element) bool) *dom.Element {
	n.t.Helper()
	deadline := time.After(waitLimit)
	for {
		n.mu.Lock()
		for i, st := range n.sent {
			if !n.claimed[i] && match(st) {
				n.claimed[i] = true
				n.mu.Unlock()
				return st
			}
		}
		ch := n.changed
		n.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			n.mu.Lock()
			for i, st := range n.sent {
				n.t.Logf("sent %d claimed=%v: %.300s", i, n.claimed[i], st)
			}
			n.mu.Unlock()
			n.t.Fatalf("focus never sent %s", desc)
			return nil
		}
	}
}

// none asserts that nothing matching was sent (among what was sent so far).
func (n *fakeNet) noneSent(desc string, match func(*dom.Element) bool) {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, st := range n.sent {
		if !n.claimed[i] && match(st) {
			n.t.Errorf("focus unexpectedly sent %s: %s", desc, st)
		}
	}
}

func isJingle(to, action string) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		j := st.Child(ns.Jingle, "jingle")
		return st.Local == "iq" && st.Attr("to") == to && j.Attr("action") == action
	}
}

func isColibri(check func(*colibri.ConferenceModify) bool) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		el := st.Child(ns.Colibri2, "conference-modify")
		if st.Attr("to") != testBridge || el == nil {
			return false
		}
		var cm colibri.ConferenceModify
		return dom.Unmarshal(el, &cm) == nil && check(&cm)
	}
}

func isResultTo(to, id string) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		return st.Local == "iq" && st.Attr("to") == to && st.Attr("id") == id
	}
}
