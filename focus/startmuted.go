package focus

import (
	"strconv"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// startMuted is a room's start-muted policy from the conference request
// that created it (properties startAudioMuted / startVideoMuted, as Jicofo
// reads them): a participant who joins when more than that many are in
// the room is told to start muted. Negative means off.
type startMuted struct {
	set          bool
	audio, video int
}

// readStartMuted takes the policy from the first conference request.
func (r *room) readStartMuted(iq *dom.Element) {
	if r.startMuted.set {
		return
	}
	r.startMuted = startMuted{set: true, audio: -1, video: -1}
	for _, p := range iq.Child(ns.Focus, "conference").ChildrenNamed(ns.Focus, "property") {
		n, err := strconv.Atoi(p.Attr("value"))
		if err != nil || n < 0 {
			continue
		}
		switch p.Attr("name") {
		case "startAudioMuted":
			r.startMuted.audio = n
		case "startVideoMuted":
			r.startMuted.video = n
		}
	}
}

// offerStartMuted is the <startmuted/> for p's offer: the start-muted
// thresholds, and AV moderation p may not lift; nil when nothing applies.
func (r *room) offerStartMuted(p *participant) *jingle.StartMuted {
	n := len(r.participants)
	sm := &jingle.StartMuted{
		Audio: r.startMuted.audio >= 0 && r.startMuted.set && n > r.startMuted.audio,
		Video: r.startMuted.video >= 0 && r.startMuted.set && n > r.startMuted.video,
	}
	jm := r.joinMuted(p)
	sm.Audio, sm.Video = sm.Audio || jm.audio, sm.Video || jm.video
	if !sm.Audio && !sm.Video {
		return nil
	}
	return sm
}
