package focus

import (
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// TestHostOnlyRoomNoAutoOwner: in a room Config.HostOnlyRoom names, the
// focus makes nobody owner by seniority (an appointment's client stays a
// participant); elsewhere the first participant is made owner.
func TestHostOnlyRoomNoAutoOwner(t *testing.T) {
	isGrant := func(st *dom.Element) bool {
		it := st.Child(ns.MUCAdmin, "query").Child(ns.MUCAdmin, "item")
		return it != nil && it.Attr("affiliation") == "owner"
	}
	for _, tt := range []struct {
		name     string
		hostOnly bool
	}{{"appointment room", true}, {"ordinary room", false}} {
		t.Run(tt.name, func(t *testing.T) {
			h := startFocus(t, func(f *Focus) {
				f.cfg.HostOnlyRoom = func(room string) bool { return tt.hostOnly && room == "room1" }
			})
			h.join(t, "a@localhost")
			h.join(t, "b@localhost")
			// By b's session-initiate the focus has granted a's owner in an
			// ordinary room (checked without waiting, as in the host-only one).
			h.mu.Lock()
			defer h.mu.Unlock()
			granted := false
			for _, st := range h.sent {
				granted = granted || isGrant(st)
			}
			if granted == tt.hostOnly {
				t.Fatalf("owner granted: %v, host-only room: %v", granted, tt.hostOnly)
			}
		})
	}
}
