package focus

import (
	"context"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// presenceRegion is the participant's region from its presence: the
// <region id> lib-jitsi-meet's chat room adds from
// deploymentInfo.userRegion (what Jicofo reads), else the
// jitsi_participant_region property set from the same value; old when
// neither is there (docs/scale-out.md#relays).
func presenceRegion(pres *dom.Element, old string) string {
	if s := pres.Child(ns.JitsiMeet, "region"); s != nil && s.Attr("id") != "" && len(s.Attr("id")) <= maxRegionLen {
		return s.Attr("id")
	}
	if s := pres.Child("", "jitsi_participant_region"); s != nil && len(s.Text) <= maxRegionLen {
		return s.Text
	}
	return old
}

// maxRegionLen bounds a region name taken from a client's presence.
const maxRegionLen = 64

type sessionState int

const (
	sessionNone    sessionState = iota
	sessionPending              // session-initiate sent, waiting for session-accept
	sessionActive               // session-accept received
)

// participant is one client occupant of a room.
type participant struct {
	nick        string // MUC nickname = bridge endpoint ID
	realJID     string
	statsID     string
	region      string // jitsi_participant_region of its presence ("" unknown)
	affiliation string
	role        string
	seq         int // join order

	ownerAsked bool      // an owner grant was requested
	muted      forceMute // media the bridge drops (mute.go)
	allMuted   bool      // its last presence said every source is muted (jibri_consent.go)

	state         sessionState
	sid           string
	bridgeSession string
	allocated     bool   // an endpoint exists on the bridge
	bridge        string // the bridge of its endpoint (relay.go)
	needsBridge   bool   // waiting for a bridge to appear
	sources       sourceSet
	remote        map[string]sourceSet // by owner: sources this client was told about
	restarts      restartLimiter       // session restarts (restartlimit.go)

	videoCodecs []string   // announced in presence, nil: none announced (codecs.go)
	opusRED     bool       // advertises Opus RED (codecs.go)
	discoDone   bool       // its features were asked for
	codecs      codecOffer // what its current session offered
}

func (p *participant) moderator() bool {
	return p.affiliation == "owner" || p.role == "moderator"
}

// onOccupant adds or updates the occupant nick from its presence.
func (r *room) onOccupant(ctx context.Context, nick string, pres *dom.Element) {
	item := pres.Child(ns.MUCUser, "x").Child(ns.MUCUser, "item")
	realJID := item.Attr("jid")
	if realJID == "" || bareJID(realJID) == r.f.focusJID() || r.f.isRecorder(realJID) {
		return // invisible real JID (docs/protocols.md#real-jids), another focus or a recorder: not a participant
	}
	p := r.participants[nick]
	if p == nil {
		r.seq++
		p = &participant{nick: nick, realJID: realJID, seq: r.seq}
		r.participants[nick] = p
		r.hadMembers = true
		r.log.Info("participant joined", "endpoint", nick)
	}
	p.affiliation, p.role = item.Attr("affiliation"), item.Attr("role")
	if s := pres.Child("", "stats-id"); s != nil {
		p.statsID = s.Text
	}
	if c := presenceCodecs(pres); c != nil && p.state == sessionNone {
		p.videoCodecs = c // codecs.go; later changes do not renegotiate
	}
	p.region = presenceRegion(pres, p.region)
	r.recordingPresence(ctx, p, pres) // jibri_consent.go
	if r.state != stateJoined {
		return
	}
	r.ensureOwner(ctx)
	r.invite(ctx, p)
}

// leave removes a participant that left the room: its endpoint is expired
// and the others are told its sources are gone.
func (r *room) leave(ctx context.Context, nick string) {
	p := r.participants[nick]
	if p == nil {
		return
	}
	delete(r.participants, nick)
	r.log.Info("participant left", "endpoint", nick)
	r.recordingLeft(ctx, nick) // jibri_consent.go
	if len(r.participants) == 0 {
		return // the whole conference is expired when the room ends
	}
	r.expireEndpoint(ctx, p)
	r.syncAll(ctx)
	r.ensureOwner(ctx)
}

// hostOnly reports whether Config.HostOnlyRoom names this room.
func (r *room) hostOnly() bool {
	local, _, _ := strings.Cut(r.jid, "@")
	return r.f.cfg.HostOnlyRoom != nil && r.f.cfg.HostOnlyRoom(local)
}

// ensureOwner makes the longest-present participant owner when no
// participant is a moderator (Jicofo's auto-owner).
func (r *room) ensureOwner(ctx context.Context) {
	if r.f.cfg.GuestsWaitForHost || r.hostOnly() {
		return
	}
	ps := r.ordered()
	for _, p := range ps {
		if p.moderator() || p.ownerAsked {
			return
		}
	}
	if len(ps) == 0 {
		return
	}
	p := ps[0]
	p.ownerAsked = true
	iq := stanza.IQ("set", r.jid)
	iq.AddNew(ns.MUCAdmin, "query").AddNew(ns.MUCAdmin, "item").
		SetAttr("affiliation", "owner").SetAttr("jid", bareJID(p.realJID))
	if _, err := r.f.request(ctx, iq); err != nil {
		r.log.Warn("granting owner failed", "endpoint", p.nick, "err", err)
		return
	}
	r.log.Info("participant made owner", "endpoint", p.nick)
}
