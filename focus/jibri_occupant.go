package focus

import (
	"context"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// recorderNick is the nickname of the recorder occupant in a room.
const recorderNick = "recorder"

// recorderJID is the real JID the recorder occupant of a session joins with:
// an address in the hidden domain (config.js hiddenDomain), which clients do
// not list as a participant.
func (r *room) recorderJID() string {
	return "recorder@" + r.f.cfg.RecorderDomain + "/" + r.rec.session.ID()
}

// joinRecorder adds the recorder occupant while a recording runs, as a
// Jibri joins the room. The current lib-jitsi-meet shows a recording as
// running only from such an occupant's presence (<session_id>, <mode>), and
// as ended when it leaves; the focus's status presence alone leaves the
// indicator on for ever (docs/recording.md). It is sent after the focus's
// status presence, whose initiator makes the web app ask for consent.
func (r *room) joinRecorder(ctx context.Context) {
	p := dom.New(ns.Client, "presence").SetAttr("to", r.occupant(recorderNick)).SetAttr("from", r.recorderJID())
	p.AddNew(ns.MUC, "x")
	p.AddNew(ns.Nick, "nick").SetText("Recorder")
	p.AddNew(ns.Client, "session_id").SetText(r.rec.session.ID())
	p.AddNew(ns.Client, "mode").SetText("file")
	// The recorder composes VP8 only. Clients choose a video codec every
	// participant announces, the recorder included (lib-jitsi-meet's
	// CodecSelection), so while it is in the room they send VP8, and go
	// back to their preferred codec when it leaves.
	p.AddNew(ns.Client, "jitsi_participant_codecList").SetText("vp8")
	p.AddNew(ns.Client, "jitsi_participant_codecType").SetText("vp8")
	r.f.send(ctx, p)
}

// leaveRecorder removes the recorder occupant of the running recording.
func (r *room) leaveRecorder(ctx context.Context) {
	p := dom.New(ns.Client, "presence").SetAttr("to", r.occupant(recorderNick)).
		SetAttr("from", r.recorderJID()).SetAttr("type", "unavailable")
	r.f.send(ctx, p)
}

// isRecorder reports whether a real JID is a recorder occupant (of any
// session): it is no participant.
func (f *Focus) isRecorder(realJID string) bool {
	_, domain, ok := strings.Cut(bareJID(realJID), "@")
	return ok && strings.EqualFold(domain, f.cfg.RecorderDomain)
}

// forRecorder reports whether a stanza is addressed to a recorder occupant:
// the MUC's copies of room traffic, which the focus already gets as itself.
func (f *Focus) forRecorder(st *dom.Element) bool {
	return f.isRecorder(st.Attr("to"))
}
