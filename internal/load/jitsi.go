package load

import (
	"context"
	"fmt"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// Header-extension URIs the tool writes.
const (
	uriAudioLevel  = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	uriAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	uriTWCC        = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
)

// offerInfo is what an endpoint takes from the focus's session-initiate.
type offerInfo struct {
	from, sid  string
	jingle     *jingle.Jingle
	transport  *jingle.ICEUDP
	webSocket  string
	ptOpus     uint8
	ptVP8      uint8
	ptVP9      uint8 // 0: not offered
	ptAV1      uint8 // 0: not offered
	ptRTX      uint8
	extLevel   uint8 // audio
	extTWCCA   uint8 // audio
	extTWCCV   uint8 // video
	extAbsTime uint8 // video
	extDD      uint8 // video, AV1 dependency descriptor; 0: not offered
}

// parseOffer reads the transport, payload types and extension ids.
func parseOffer(from string, j *jingle.Jingle) (*offerInfo, error) {
	o := &offerInfo{from: from, sid: j.SID, jingle: j}
	for _, c := range j.Contents {
		if o.transport == nil && c.Transport != nil && c.Transport.Ufrag != "" {
			o.transport = c.Transport
		}
		if c.Description != nil {
			o.scanDescription(c.Description)
		}
	}
	if o.transport == nil || len(o.transport.Fingerprints) == 0 {
		return nil, ErrNoTransport
	}
	if len(o.transport.WebSockets) > 0 {
		o.webSocket = o.transport.WebSockets[0].URL
	}
	if o.ptOpus == 0 || o.ptVP8 == 0 {
		return nil, fmt.Errorf("%w: opus or vp8 not offered", ErrProtocol)
	}
	return o, nil
}

func (o *offerInfo) scanDescription(d *jingle.Description) {
	for _, pt := range d.PayloadTypes {
		switch strings.ToLower(pt.Name) {
		case "opus":
			o.ptOpus = pt.ID
		case "vp8":
			o.ptVP8 = pt.ID
		case "vp9":
			o.ptVP9 = pt.ID
		case "av1":
			o.ptAV1 = pt.ID
		case "rtx":
			o.ptRTX = pt.ID
		}
	}
	for _, x := range d.HdrExts {
		switch {
		case x.URI == uriAudioLevel:
			o.extLevel = x.ID
		case x.URI == uriTWCC && d.Media == "audio":
			o.extTWCCA = x.ID
		case x.URI == uriTWCC:
			o.extTWCCV = x.ID
		case x.URI == uriAbsSendTime:
			o.extAbsTime = x.ID
		case x.URI == uriDD:
			o.extDD = x.ID
		}
	}
}

// conferenceIQ asks the focus for the room, as lib-jitsi-meet does first.
func conferenceIQ(ctx context.Context, x *xmppConn, focus, room, uid string) error {
	c := dom.New(ns.Focus, "conference").SetAttr("room", room).SetAttr("machine-uid", uid)
	c.AddNew(ns.Focus, "property").SetAttr("name", "startBitrate").SetAttr("value", "800")
	res, err := x.iq(ctx, "set", focus, c)
	if err != nil {
		return err
	}
	if res.Child(ns.Focus, "conference").Attr("ready") != "true" {
		return fmt.Errorf("%w: conference not ready", ErrProtocol)
	}
	return nil
}

// nsJitsiMeet is the namespace of the <region id> element lib-jitsi-meet
// puts in its MUC presence.
const nsJitsiMeet = "http://jitsi.org/jitsi-meet"

// joinPresence is the MUC join of an endpoint; region ("" none) goes in as
// both forms a Jitsi client sends: <region xmlns=jitsi-meet id> and
// <jitsi_participant_region>.
func joinPresence(occupant, nick, statsID, region string) *dom.Element {
	p := dom.New(ns.Client, "presence").SetAttr("to", occupant)
	p.AddNew(ns.MUC, "x")
	p.AddNew(ns.Nick, "nick").SetText(nick)
	p.AddNew(ns.Client, "stats-id").SetText(statsID)
	if region != "" {
		p.AddNew(nsJitsiMeet, "region").SetAttr("id", region)
		p.AddNew(ns.Client, "jitsi_participant_region").SetText(region)
	}
	return p
}

// localMedia is what an endpoint answers with.
type localMedia struct {
	nick       string
	idx        int
	publish    bool
	ufrag, pwd string
	fp         string
	setup      string // SDP setup role (Janus legs)
	svc        bool   // one SVC video SSRC (VP9 or AV1) instead of a simulcast group
	cands      []jingle.Candidate
}

// buildAccept answers an offer: the offered codecs and extensions, the
// endpoint's transport, and (for publishers) its audio source and a
// three-layer simulcast video source with RTX.
func buildAccept(o *offerInfo, l localMedia) *jingle.Jingle {
	j := &jingle.Jingle{Action: jingle.ActionSessionAccept, SID: o.sid, Initiator: o.jingle.Initiator}
	for _, kind := range []string{"audio", "video"} {
		c := o.jingle.Content(kind)
		if c == nil || c.Description == nil {
			continue
		}
		d := &jingle.Description{Media: kind, PayloadTypes: c.Description.PayloadTypes,
			HdrExts: c.Description.HdrExts, ExtmapAllowMixed: c.Description.ExtmapAllowMixed, RTCPMux: &jingle.Empty{}}
		if l.publish {
			d.Sources, d.SSRCGroups = localSources(kind, l)
		}
		j.Contents = append(j.Contents, jingle.Content{Creator: "responder", Name: kind, Senders: "both",
			Description: d, Transport: localTransport(l)})
	}
	group := jingle.Group{Semantics: "BUNDLE"}
	for _, c := range j.Contents {
		group.Contents = append(group.Contents, jingle.GroupContent{Name: c.Name})
	}
	j.Groups = []jingle.Group{group}
	return j
}

func localTransport(l localMedia) *jingle.ICEUDP {
	return &jingle.ICEUDP{Ufrag: l.ufrag, Pwd: l.pwd, RTCPMux: &jingle.Empty{},
		Fingerprints: []jingle.Fingerprint{{Hash: "sha-256", Setup: "active", Value: l.fp}},
		Candidates:   l.cands}
}

func localSources(kind string, l localMedia) ([]jingle.Source, []jingle.SSRCGroup) {
	src := func(ssrc uint32, name string) jingle.Source {
		return jingle.Source{SSRC: ssrc, Name: name, Params: []jingle.Parameter{
			{Name: "msid", Value: l.nick + "-" + kind + " " + l.nick + "-" + kind + "-track"}}}
	}
	if kind == "audio" {
		return []jingle.Source{src(endpointSSRC(l.idx, ssrcAudio), l.nick+"-a0")}, nil
	}
	if l.svc {
		v, r := endpointSSRC(l.idx, ssrcVideo), endpointSSRC(l.idx, ssrcRTX)
		return []jingle.Source{src(v, l.nick+"-v0"), src(r, l.nick+"-v0")},
			[]jingle.SSRCGroup{{Semantics: "FID", Sources: []jingle.GroupEntry{{SSRC: v}, {SSRC: r}}}}
	}
	var out []jingle.Source
	sim := jingle.SSRCGroup{Semantics: "SIM"}
	groups := []jingle.SSRCGroup{}
	for layer := range 3 {
		v, r := endpointSSRC(l.idx, ssrcVideo+layer), endpointSSRC(l.idx, ssrcRTX+layer)
		out = append(out, src(v, l.nick+"-v0"), src(r, l.nick+"-v0"))
		sim.Sources = append(sim.Sources, jingle.GroupEntry{SSRC: v})
		groups = append(groups, jingle.SSRCGroup{Semantics: "FID", Sources: []jingle.GroupEntry{{SSRC: v}, {SSRC: r}}})
	}
	return out, append([]jingle.SSRCGroup{sim}, groups...)
}
