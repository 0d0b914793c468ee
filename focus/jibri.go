package focus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// recState is a room's recording, owned by the room goroutine.
type recState struct {
	session   RecordingSession
	initiator string // occupant JID of the moderator who started it
	consent   map[string]*consent
}

// handleJibri answers a Jibri start or stop request the way Jicofo does.
func (r *room) handleJibri(ctx context.Context, iq, payload *dom.Element, p *participant) {
	switch {
	case iq.Attr("type") != "set":
		r.f.reject(ctx, iq, "modify", "bad-request")
	case p == nil:
		r.f.reject(ctx, iq, "auth", "forbidden")
	case !p.moderator():
		r.f.reject(ctx, iq, "auth", "not-allowed")
	case payload.Attr("action") == "start":
		r.startRecording(ctx, iq, payload, p)
	case payload.Attr("action") == "stop":
		r.stopRecording(ctx, iq, p)
	default:
		r.f.reject(ctx, iq, "modify", "bad-request")
	}
}

func (r *room) startRecording(ctx context.Context, iq, payload *dom.Element, p *participant) {
	mode, stream := payload.Attr("recording_mode"), payload.Attr("streamid")
	switch {
	case r.rec != nil:
		r.f.reject(ctx, iq, "wait", "unexpected-request")
		return
	case mode == "file" && stream != "", mode == "stream" && stream == "", mode != "file" && mode != "stream":
		r.f.reject(ctx, iq, "modify", "bad-request")
		return
	case mode == "stream" || r.f.cfg.Recorder == nil:
		r.f.reject(ctx, iq, "cancel", "service-unavailable")
		return
	}
	jid := r.jid
	done := func(res RecordingResult) {
		r.f.post(ctx, jid, false, func(r *room) { r.recordingDone(ctx, res) })
	}
	s, err := r.f.cfg.Recorder.StartRecording(ctx, RecordingStart{Room: r.jid, MeetingID: r.conf.meetingID}, done)
	if err != nil {
		r.log.Warn("recording did not start", "err", err)
		r.f.reject(ctx, iq, "wait", "resource-constraint")
		return
	}
	r.rec = &recState{session: s, initiator: r.occupant(p.nick), consent: map[string]*consent{}}
	r.startConsent(p.nick) // jibri_consent.go
	res := stanza.Result(iq)
	res.AddNew(ns.Jibri, "jibri").SetAttr("session_id", s.ID())
	r.f.send(ctx, res)
	r.sendRecordingStatus(ctx, "on", r.rec.initiator, "")
	r.joinRecorder(ctx) // jibri_occupant.go
	r.log.Info("recording started", "session", s.ID(), "by", p.nick)
	r.updateRecording(ctx)
}

func (r *room) stopRecording(ctx context.Context, iq *dom.Element, p *participant) {
	if r.rec == nil {
		r.f.reject(ctx, iq, "cancel", "item-not-found")
		return
	}
	r.rec.session.Stop()
	r.f.send(ctx, stanza.Result(iq))
	r.sendRecordingStatus(ctx, "off", r.occupant(p.nick), "")
	r.leaveRecorder(ctx)
	r.log.Info("recording stopped", "session", r.rec.session.ID(), "by", p.nick)
	r.rec = nil
}

// endRecording stops a recording because the conference ends.
func (r *room) endRecording(ctx context.Context) {
	if r.rec != nil {
		r.rec.session.Stop()
		r.leaveRecorder(ctx)
		r.rec = nil
	}
}

// recordingDone tells the moderators how the recording ended: the link in
// a private message, or why there is no file. A recording that ended by
// itself (failure, time limit) is shown off, and a failure told to all.
func (r *room) recordingDone(ctx context.Context, res RecordingResult) {
	if !res.Stopped && r.rec != nil && r.rec.session.ID() == res.ID {
		failure := ""
		if res.Err != nil {
			failure = "error"
		}
		r.sendRecordingStatus(ctx, "off", "", failure)
		r.leaveRecorder(ctx)
		r.rec = nil
	}
	switch {
	case res.Err != nil && !res.Stopped:
		r.log.Warn("recording failed", "err", res.Err)
		r.groupchat(ctx, "The recording stopped: "+failureText(res.Err)+". The call goes on.")
		return
	case res.Err != nil:
		r.log.Info("recording ended without a file", "err", res.Err)
		r.toModerators(ctx, "The recording has no file: "+failureText(res.Err)+".")
		return
	}
	r.toModerators(ctx, fmt.Sprintf("The recording is ready (%d participant(s), %s). Private link, valid until %s: %s",
		res.People, res.Duration.Round(1e9), res.Expires.UTC().Format("2006-01-02 15:04 UTC"), res.URL))
}

func (r *room) toModerators(ctx context.Context, text string) {
	for _, p := range r.ordered() {
		if p.moderator() {
			r.privateMessage(ctx, p.nick, text)
		}
	}
}

// failureText names a recording failure without internal detail.
func failureText(err error) string {
	var reason interface{ Reason() string }
	if errors.As(err, &reason) {
		return reason.Reason()
	}
	return "a server error"
}

// sendRecordingStatus publishes the recording state in the focus's room
// presence, which every client reads.
func (r *room) sendRecordingStatus(ctx context.Context, status, initiator, failure string) {
	p := dom.New(ns.Client, "presence").SetAttr("to", r.occupant(focusNick))
	p.AddNew(ns.MUC, "x")
	props := p.AddNew(ns.Focus, "conference-properties")
	props.AddNew(ns.Focus, "property").SetAttr("key", "support-terminate-restart").SetAttr("value", "true")
	props.AddNew(ns.Focus, "property").SetAttr("key", "bridge-count").SetAttr("value", "1")
	st := p.AddNew(ns.Jibri, "jibri-recording-status").SetAttr("status", status).SetAttr("recording_mode", "file")
	if r.rec != nil {
		st.SetAttr("session_id", r.rec.session.ID())
	}
	if initiator != "" {
		st.SetAttr("initiator", initiator)
	}
	if failure != "" {
		st.SetAttr("failure_reason", failure)
	}
	r.f.send(ctx, p)
}

func (r *room) groupchat(ctx context.Context, text string) {
	m := dom.New(ns.Client, "message").SetAttr("to", r.jid).SetAttr("type", "groupchat")
	m.AddNew(ns.Client, "body").SetText(text)
	r.f.send(ctx, m)
}

func (r *room) privateMessage(ctx context.Context, nick, text string) {
	m := dom.New(ns.Client, "message").SetAttr("to", r.occupant(nick)).SetAttr("type", "chat")
	m.AddNew(ns.Client, "body").SetText(text)
	r.f.send(ctx, m)
}

// consentSummary lists who has and has not consented, for the moderators.
func (r *room) consentSummary() string {
	var yes, no []string
	for _, p := range r.ordered() {
		c := r.rec.consent[p.nick]
		if c != nil && c.given {
			yes = append(yes, r.displayName(p))
		} else {
			no = append(no, r.displayName(p))
		}
	}
	return fmt.Sprintf("Recording consent — given: %s; not (yet) given: %s.", listOrNone(yes), listOrNone(no))
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, ", ")
}
