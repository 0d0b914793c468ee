package focus

import (
	"context"
	"errors"
	"fmt"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// allocation is what the bridge returned for a new endpoint.
type allocation struct {
	transport *jingle.ICEUDP
	sctpPort  int
	feedback  []colibri.MediaSource // the bridge's own jvb-a0 / jvb-v0 sources
}

// colibriError is a failed Colibri2 request with the bridge's reason.
type colibriError struct {
	condition, reason string
}

func (e *colibriError) Error() string {
	return fmt.Sprintf("colibri2 error %s (%s)", e.condition, e.reason)
}

func (e *colibriError) Unwrap() error { return ErrIQError }

// colibri sends one conference-modify to the bridge's brewery occupant JID
// and returns the decoded conference-modified.
func (f *Focus) colibri(ctx context.Context, bridge string, cm *colibri.ConferenceModify) (*colibri.ConferenceModified, error) {
	payload, err := dom.Marshal(cm)
	if err != nil {
		return nil, fmt.Errorf("focus: encode colibri2: %w", err)
	}
	iq := stanza.IQ("get", bridge)
	iq.Add(payload)
	ans, err := f.request(ctx, iq)
	if err != nil {
		f.colibriErrs.Add(1)
		if errors.Is(err, ErrIQError) && ans != nil {
			return nil, &colibriError{condition: stanza.ErrorCondition(ans), reason: ans.Child("", "error").Child(ns.Colibri2, "error").Attr("reason")}
		}
		return nil, err
	}
	var res colibri.ConferenceModified
	if el := ans.Child(ns.Colibri2, "conference-modified"); el != nil {
		if err := dom.Unmarshal(el, &res); err != nil {
			f.colibriErrs.Add(1)
			return nil, fmt.Errorf("%w: %w", ErrBadColibri, err)
		}
	}
	return &res, nil
}

// allocateRequest creates an endpoint (and, with create, the conference).
func allocateRequest(meetingID, roomJID, endpoint, statsID string, create bool, muted forceMute, codecs codecOffer) *colibri.ConferenceModify {
	var fm *colibri.ForceMute
	if muted.audio || muted.video {
		fm = muted.colibri()
	}
	cm := &colibri.ConferenceModify{MeetingID: meetingID, Endpoints: []colibri.Endpoint{{
		ForceMute: fm,
		ID:        endpoint, Create: true, StatsID: statsID,
		Media:        codecs.colibri(),
		Transport:    &colibri.Transport{ICEControlling: "true", SCTP: &colibri.SCTP{}},
		Sources:      &colibri.Sources{},
		Capabilities: []colibri.Capability{{Name: colibri.CapSourceNames}},
	}}}
	if create {
		cm.Create = true
		cm.Name = roomJID
		cm.RTCStatsEnabled = "false"
	}
	return cm
}

// parseAllocation extracts the endpoint's transport and the feedback sources.
func parseAllocation(res *colibri.ConferenceModified, endpoint string) (*allocation, error) {
	for _, ep := range res.Endpoints {
		if ep.ID != endpoint || ep.Transport == nil || ep.Transport.ICE == nil {
			continue
		}
		a := &allocation{transport: ep.Transport.ICE, sctpPort: sctpDefaultPort}
		if ep.Transport.SCTP != nil && ep.Transport.SCTP.Port != 0 {
			a.sctpPort = ep.Transport.SCTP.Port
		}
		if res.Sources != nil {
			a.feedback = res.Sources.MediaSources
		}
		return a, nil
	}
	return nil, fmt.Errorf("%w: no transport for endpoint %s", ErrBadColibri, endpoint)
}

// updateRequest gives the bridge a client's transport and/or sources.
func updateRequest(meetingID, endpoint string, tr *jingle.ICEUDP, src *colibri.Sources, lastN *colibri.InitialLastN) *colibri.ConferenceModify {
	ep := colibri.Endpoint{ID: endpoint, Sources: src, InitialLastN: lastN}
	if tr != nil {
		ep.Transport = &colibri.Transport{ICE: tr}
	}
	return &colibri.ConferenceModify{MeetingID: meetingID, Endpoints: []colibri.Endpoint{ep}}
}

// expireEndpointRequest removes one endpoint from the bridge.
func expireEndpointRequest(meetingID, endpoint string) *colibri.ConferenceModify {
	return &colibri.ConferenceModify{MeetingID: meetingID, Endpoints: []colibri.Endpoint{{ID: endpoint, Expire: true}}}
}

// expireConferenceRequest removes the whole conference from the bridge.
func expireConferenceRequest(meetingID string) *colibri.ConferenceModify {
	return &colibri.ConferenceModify{MeetingID: meetingID, Expire: true}
}

// clientTransport copies what the bridge needs of a client's transport.
func clientTransport(t *jingle.ICEUDP) *jingle.ICEUDP {
	if t == nil {
		return nil
	}
	c := &jingle.ICEUDP{Ufrag: t.Ufrag, Pwd: t.Pwd, RTCPMux: &jingle.Empty{}}
	c.Fingerprints = append(c.Fingerprints, t.Fingerprints...)
	c.Candidates = append(c.Candidates, t.Candidates...)
	return c
}
