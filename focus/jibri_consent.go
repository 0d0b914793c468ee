package focus

import (
	"context"
	"encoding/json"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// consent is one participant's recording consent as the server infers it.
// The web app (config recordings.requireConsent) mutes everyone's camera
// and microphone when a recording starts and lets them unmute only after
// they acknowledged it in its consent dialog; the server therefore counts
// a participant as consenting once their presence, after the recording
// started, went from all muted to anything unmuted (docs/recording.md).
type consent struct {
	name     string // display name from presence
	sawMuted bool
	given    bool
}

// mutedState reads a presence: all sources muted, and whether the
// presence says anything about muting at all.
func mutedState(pres *dom.Element) (allMuted, known bool) {
	if si := pres.Child("", "SourceInfo"); si != nil {
		var sources map[string]struct {
			Muted bool `json:"muted"`
		}
		if json.Unmarshal([]byte(si.Text), &sources) == nil && len(sources) > 0 {
			for _, s := range sources {
				if !s.Muted {
					return false, true
				}
			}
			return true, true
		}
	}
	// Older clients send these without a namespace of their own, some
	// with http://jitsi.org/jitmeet/audio and …/video: match any.
	a, v := pres.Child("", "audiomuted"), pres.Child("", "videomuted")
	if a == nil && v == nil {
		return false, false
	}
	return (a == nil || a.Text == "true") && (v == nil || v.Text == "true"), true
}

// recordingPresence notes a participant's mute state from each presence
// and, while a recording runs, updates their consent from it.
func (r *room) recordingPresence(ctx context.Context, p *participant, pres *dom.Element) {
	muted, known := mutedState(pres)
	if known {
		p.allMuted = muted
	}
	if r.rec == nil {
		return
	}
	c := r.rec.consent[p.nick]
	if c == nil {
		c = &consent{}
		r.rec.consent[p.nick] = c
	}
	if n := pres.Child(ns.Nick, "nick"); n != nil {
		c.name = n.Text
	}
	switch {
	case !known:
		return
	case muted:
		c.sawMuted = true
		return
	case !c.sawMuted || c.given:
		return
	}
	c.given = true
	r.log.Info("recording consent given", "endpoint", p.nick)
	r.updateRecording(ctx)
}

// startConsent is everyone's consent when a recording starts: the moderator
// who started it has agreed (the web app asks everyone but the initiator);
// someone already fully muted counts as having been muted by the consent
// dialog (which then changes nothing in their presence), so their next
// unmute is their consent.
func (r *room) startConsent(initiator string) {
	for _, q := range r.participants {
		c := &consent{sawMuted: q.allMuted, given: q.nick == initiator}
		if q.nick == initiator {
			r.log.Info("recording consent given", "endpoint", q.nick, "by", "starting the recording")
		}
		r.rec.consent[q.nick] = c
	}
}

// recordingLeft drops a participant who left from the recording's view.
func (r *room) recordingLeft(ctx context.Context, nick string) {
	if r.rec == nil {
		return
	}
	delete(r.rec.consent, nick)
	if len(r.participants) == 0 {
		r.endRecording(ctx)
		return
	}
	r.updateRecording(ctx)
}

// updateRecording passes the participants and their consent to the
// recorder and tells the moderators who has and has not consented.
func (r *room) updateRecording(ctx context.Context) {
	ps := make([]RecordingParticipant, 0, len(r.participants))
	for _, p := range r.ordered() {
		c := r.rec.consent[p.nick]
		if c == nil {
			c = &consent{}
			r.rec.consent[p.nick] = c
		}
		ps = append(ps, RecordingParticipant{Endpoint: p.nick, Name: c.name, Consented: c.given})
	}
	r.rec.session.Update(ps)
	r.toModerators(ctx, r.consentSummary())
}

// displayName is a participant's display name, or their endpoint ID.
func (r *room) displayName(p *participant) string {
	if r.rec != nil {
		if c := r.rec.consent[p.nick]; c != nil && c.name != "" {
			return c.name
		}
	}
	return p.nick
}
