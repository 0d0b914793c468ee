package focus

import (
	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/stanza"
)

// Content names of the bridge session.
const contentData = "data"

// offer is the input of a session-initiate.
type offer struct {
	sid, initiator string
	alloc          *allocation
	remote         sourceSet // other participants' sources, owners set
	bridgeSession  string
	codecs         codecOffer // codecs.go
}

// build returns the <jingle action="session-initiate"> element: audio,
// video and data contents sharing the bridge's transport, rtcp-mux in every
// RTP description, a BUNDLE group, the bridge's feedback sources first and
// then the other participants' sources (docs/protocols.md#session-initiate).
func (o *offer) build() *jingle.Jingle {
	j := &jingle.Jingle{Action: jingle.ActionSessionInitiate, SID: o.sid, Initiator: o.initiator}
	for _, k := range []string{kindAudio, kindVideo} {
		j.Contents = append(j.Contents, jingle.Content{
			Name: k, Creator: "initiator", Senders: "both",
			Description: o.description(k),
			Transport:   offerTransport(o.alloc.transport, nil),
		})
	}
	j.Contents = append(j.Contents, jingle.Content{
		Name: contentData, Creator: "initiator", Senders: "both",
		Description: &jingle.Description{Media: "application"},
		Transport: offerTransport(o.alloc.transport, &jingle.SCTPMap{
			Number: o.alloc.sctpPort, Protocol: "webrtc-datachannel", Streams: 1024,
		}),
	})
	j.Groups = []jingle.Group{{Semantics: "BUNDLE", Contents: []jingle.GroupContent{
		{Name: kindAudio}, {Name: kindVideo}, {Name: contentData},
	}}}
	j.BridgeSession = &jingle.BridgeSession{ID: o.bridgeSession}
	return j
}

func (o *offer) description(kind string) *jingle.Description {
	m := o.codecs.audio()
	if kind == kindVideo {
		m = o.codecs.video()
	}
	d := &jingle.Description{
		Media: kind, PayloadTypes: m.payloadTypes, HdrExts: m.hdrExts,
		ExtmapAllowMixed: &jingle.AllowMixed{}, RTCPMux: &jingle.Empty{},
	}
	d.Sources = append(d.Sources, feedbackSources(o.alloc.feedback, kind)...)
	ks := o.remote.kind(kind)
	d.Sources = append(d.Sources, ks.sources...)
	d.SSRCGroups = append(d.SSRCGroups, ks.groups...)
	return d
}

// feedbackSources renders the bridge's own sources of one kind. Their msid
// holds "mixedmslabel", which tells clients they carry no user media.
func feedbackSources(fb []colibri.MediaSource, kind string) []jingle.Source {
	var out []jingle.Source
	for _, ms := range fb {
		if ms.Type != kind {
			continue
		}
		for _, s := range ms.Sources {
			out = append(out, jingle.Source{
				SSRC: s.SSRC, Name: ms.ID,
				Info:   &jingle.SSRCInfo{Owner: "jvb"},
				Params: []jingle.Parameter{{Name: "msid", Value: "mixedmslabel mixedlabel" + kind + "0"}},
			})
		}
	}
	return out
}

// offerTransport copies the bridge's transport for one content.
func offerTransport(t *jingle.ICEUDP, sctp *jingle.SCTPMap) *jingle.ICEUDP {
	c := &jingle.ICEUDP{Ufrag: t.Ufrag, Pwd: t.Pwd, RTCPMux: &jingle.Empty{}, SCTPMap: sctp}
	for _, fp := range t.Fingerprints {
		if fp.Setup == "" {
			fp.Setup = "actpass"
		}
		c.Fingerprints = append(c.Fingerprints, fp)
	}
	c.Candidates = append(c.Candidates, t.Candidates...)
	c.WebSockets = append(c.WebSockets, t.WebSockets...)
	return c
}

// jingleIQ wraps a Jingle element in an IQ set to the given address.
func jingleIQ(to string, j *jingle.Jingle) (*dom.Element, error) {
	el, err := dom.Marshal(j)
	if err != nil {
		return nil, err
	}
	iq := stanza.IQ("set", to)
	iq.Add(el)
	return iq, nil
}
