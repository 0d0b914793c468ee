package focus

import (
	"context"
	"encoding/json"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// maxComponentJSON bounds a component notification the focus decodes.
const maxComponentJSON = 64 << 10

// avModeration is a room's AV moderation state as the AV moderation
// component reports it to the room's moderators, the focus among them
// (docs/moderation.md).
type avModeration struct {
	enabled   map[string]bool            // by media type
	whitelist map[string]map[string]bool // media type -> approved occupant JIDs
}

// avNotice is the JSON the AV moderation component sends.
type avNotice struct {
	Type       string              `json:"type"`
	Room       string              `json:"room"`
	Enabled    *bool               `json:"enabled"`
	MediaType  string              `json:"mediaType"`
	Actor      string              `json:"actor"`
	Whitelists map[string][]string `json:"whitelists"`
}

// parseAVNotice decodes a component message's json-message; ok is false
// for anything that is not a well-formed av_moderation notice.
func parseAVNotice(msg *dom.Element) (avNotice, bool) {
	var n avNotice
	jm := msg.Child(ns.JitMeet, "json-message")
	if jm == nil || len(jm.Text) > maxComponentJSON || json.Unmarshal([]byte(jm.Text), &n) != nil {
		return n, false
	}
	if n.Type != "av_moderation" || n.Room == "" {
		return n, false
	}
	return n, true
}

// handleComponentMessage applies a message from the AV moderation
// component; messages from anyone else are ignored.
func (f *Focus) handleComponentMessage(ctx context.Context, msg *dom.Element) {
	if !strings.EqualFold(msg.Attr("from"), f.cfg.AVModerationComponent) {
		return
	}
	n, ok := parseAVNotice(msg)
	if !ok {
		return
	}
	f.post(ctx, n.Room, false, func(r *room) { r.onAVNotice(ctx, n) })
}

// onAVNotice updates the state; enabling moderation mutes everyone not
// allowed to unmute except the actor (Jicofo's muteAllParticipants).
func (r *room) onAVNotice(ctx context.Context, n avNotice) {
	if r.av.enabled == nil {
		r.av.enabled, r.av.whitelist = map[string]bool{}, map[string]map[string]bool{}
	}
	for media, jids := range n.Whitelists {
		set := make(map[string]bool, len(jids))
		for _, j := range jids {
			set[strings.ToLower(j)] = true
		}
		r.av.whitelist[media] = set
	}
	if n.Enabled == nil || !validMedia(n.MediaType) {
		return
	}
	r.av.enabled[n.MediaType] = *n.Enabled
	r.log.Info("AV moderation changed", "media", n.MediaType, "enabled", *n.Enabled)
	if !*n.Enabled {
		return
	}
	for _, p := range r.ordered() {
		if strings.EqualFold(r.occupant(p.nick), n.Actor) || r.mayUnmute(p, n.MediaType) {
			continue
		}
		r.setForceMute(ctx, p, n.MediaType, true)
		r.sendMute(ctx, p, n.MediaType, n.Actor)
	}
}

func validMedia(m string) bool {
	return m == mediaAudio || m == mediaVideo || m == mediaDesktop
}

// mayUnmute reports whether p may unmute media: always without AV
// moderation, else when p is a moderator or approved.
func (r *room) mayUnmute(p *participant, media string) bool {
	if !r.av.enabled[media] || p.moderator() {
		return true
	}
	return r.av.whitelist[media][strings.ToLower(r.occupant(p.nick))]
}

// joinMuted is the force-mute a new participant starts with: the media
// under AV moderation that it may not unmute.
func (r *room) joinMuted(p *participant) forceMute {
	var m forceMute
	for _, media := range []string{mediaAudio, mediaVideo} {
		if !r.mayUnmute(p, media) {
			m.set(media, true)
		}
	}
	return m
}
