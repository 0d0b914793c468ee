package focus

import (
	"context"
	"strings"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Media types of mute requests and AV moderation.
const (
	mediaAudio   = "audio"
	mediaVideo   = "video"
	mediaDesktop = "desktop"
)

// muteMedia returns the media type a mute IQ payload is about, or "".
func muteMedia(payload *dom.Element) string {
	if payload == nil || payload.Local != "mute" {
		return ""
	}
	switch payload.Space {
	case ns.MuteAudio:
		return mediaAudio
	case ns.MuteVideo:
		return mediaVideo
	case ns.MuteDesktop:
		return mediaDesktop
	}
	return ""
}

// forceMute is what the bridge drops of one endpoint's media.
type forceMute struct{ audio, video bool }

// set changes the state for one media type (desktop shares video's) and
// reports whether it changed.
func (m *forceMute) set(media string, on bool) bool {
	p := &m.video
	if media == mediaAudio {
		p = &m.audio
	}
	changed := *p != on
	*p = on
	return changed
}

// colibri returns the Colibri2 element that carries the state.
func (m forceMute) colibri() *colibri.ForceMute {
	return &colibri.ForceMute{Audio: m.audio, Video: m.video}
}

// handleMute serves a mute IQ from the occupant from (Jicofo's
// MuteIqHandler): only moderators mute others, nobody unmutes others, and
// unmuting oneself under AV moderation needs moderator rights or approval.
// A successful remote mute is forwarded to its target.
func (r *room) handleMute(ctx context.Context, iq, payload *dom.Element, from *participant) {
	media := muteMedia(payload)
	on, ok := parseMuteValue(payload.Text)
	target := r.muteTarget(payload.Attr("jid"), from)
	switch {
	case !ok:
		r.f.reject(ctx, iq, "modify", "bad-request")
		return
	case target == nil:
		r.f.reject(ctx, iq, "cancel", "item-not-found")
		return
	case target != from && (!from.moderator() || !on):
		r.f.reject(ctx, iq, "cancel", "not-allowed")
		return
	case !on && !r.mayUnmute(target, media):
		r.f.reject(ctx, iq, "cancel", "not-allowed")
		return
	}
	r.setForceMute(ctx, target, media, on)
	r.f.send(ctx, stanza.Result(iq))
	if target != from {
		r.log.Info("participant muted by a moderator", "endpoint", target.nick, "media", media, "actor", from.nick)
		r.sendMute(ctx, target, media, r.occupant(from.nick))
	}
}

// muteTarget returns the participant an occupant JID names; an empty JID
// names the sender.
func (r *room) muteTarget(jid string, from *participant) *participant {
	if jid == "" {
		return from
	}
	if !strings.EqualFold(bareJID(jid), r.jid) {
		return nil
	}
	return r.participants[resourceOf(jid)]
}

func parseMuteValue(s string) (on, ok bool) {
	switch strings.TrimSpace(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// sendMute tells a participant it was muted by actor (an occupant JID).
// Clients do not answer it.
func (r *room) sendMute(ctx context.Context, p *participant, media, actor string) {
	space := map[string]string{mediaAudio: ns.MuteAudio, mediaVideo: ns.MuteVideo, mediaDesktop: ns.MuteDesktop}[media]
	iq := stanza.IQ("set", r.occupant(p.nick))
	iq.AddNew(space, "mute").SetAttr("actor", actor).SetAttr("jid", r.occupant(p.nick)).SetText("true")
	r.f.send(ctx, iq)
}

// setForceMute records p's state and, when it changed and p has an
// endpoint, tells the bridge to drop or forward p's media.
func (r *room) setForceMute(ctx context.Context, p *participant, media string, on bool) {
	if !p.muted.set(media, on) || !p.allocated {
		return
	}
	cm := &colibri.ConferenceModify{MeetingID: r.conf.meetingID, Endpoints: []colibri.Endpoint{
		{ID: p.nick, ForceMute: p.muted.colibri()},
	}}
	if _, err := r.f.colibri(ctx, r.bridgeOf(p), cm); err != nil {
		r.log.Warn("bridge force-mute failed", "endpoint", p.nick, "err", err)
	}
}
