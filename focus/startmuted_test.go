package focus

import (
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// TestStartMutedThreshold: with startAudioMuted=2 and startVideoMuted=0 in
// the conference request that created the room, everyone starts with video
// muted and only the third participant with audio muted too; a later
// request cannot change the policy.
func TestStartMutedThreshold(t *testing.T) {
	h := startFocus(t)
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", "a@localhost/r").
		SetAttr("to", "focus.localhost").SetAttr("id", "conf-props")
	c := iq.AddNew(ns.Focus, "conference").SetAttr("room", testRoom)
	for _, kv := range [][2]string{{"startAudioMuted", "2"}, {"startVideoMuted", "0"}, {"startBitrate", "800"}} {
		c.AddNew(ns.Focus, "property").SetAttr("name", kv[0]).SetAttr("value", kv[1])
	}
	h.deliver(iq)
	h.next("conference answer", isResultTo("a@localhost/r", "conf-props"))
	want := []jingle.StartMuted{{Audio: false, Video: true}, {Audio: false, Video: true}, {Audio: true, Video: true}}
	for i, bare := range []string{"a@localhost", "b@localhost", "c@localhost"} {
		_, j := h.join(t, bare)
		if j.StartMuted == nil || *j.StartMuted != want[i] {
			t.Errorf("participant %d: startmuted %+v, want %+v", i+1, j.StartMuted, want[i])
		}
	}
}

func TestNoStartMutedByDefault(t *testing.T) {
	h := startFocus(t)
	for _, bare := range []string{"a@localhost", "b@localhost", "c@localhost"} {
		if _, j := h.join(t, bare); j.StartMuted != nil {
			t.Errorf("%s: startmuted %+v without a policy", bare, j.StartMuted)
		}
	}
}
