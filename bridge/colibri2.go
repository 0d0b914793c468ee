package bridge

import (
	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/stanza"
)

// colibriIQ answers one conference-modify IQ.
func (b *Bridge) colibriIQ(iq, payload *dom.Element) *dom.Element {
	var req colibri.ConferenceModify
	if err := dom.Unmarshal(payload, &req); err != nil || req.MeetingID == "" {
		return errorIQ(iq, &iqError{typ: "modify", cond: "bad-request", text: "malformed conference-modify"})
	}
	resp, ierr := b.conferenceModify(&req)
	if ierr != nil {
		b.log.Debug("colibri2 request refused", "meeting", req.MeetingID, "condition", ierr.cond, "reason", ierr.reason)
		return errorIQ(iq, ierr)
	}
	el, err := dom.Marshal(resp)
	if err != nil {
		return errorIQ(iq, &iqError{typ: "wait", cond: "internal-server-error"})
	}
	return stanza.Result(iq).Add(el)
}

// conferenceModify applies a request and builds the answer.
func (b *Bridge) conferenceModify(req *colibri.ConferenceModify) (*colibri.ConferenceModified, *iqError) {
	c, created, ierr := b.lookupConference(req)
	if ierr != nil {
		return nil, ierr
	}
	if req.Expire {
		b.removeConference(c)
		return &colibri.ConferenceModified{}, nil
	}
	var resp *colibri.ConferenceModified
	if len(req.Relays) > 0 {
		resp, ierr = c.modifyRelayOnly(req) // relay.go
	} else {
		resp, ierr = c.modify(req.Endpoints, created)
	}
	if ierr != nil {
		if created {
			b.removeConference(c)
		}
		return nil, ierr
	}
	if !req.Create && c.empty() {
		b.removeConference(c)
	}
	return resp, nil
}

func (b *Bridge) lookupConference(req *colibri.ConferenceModify) (*conference, bool, *iqError) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || (req.Create && b.shuttingDown.Load()) {
		return nil, false, &iqError{typ: "cancel", cond: "service-unavailable", reason: colibri.ReasonGracefulShutdown}
	}
	c := b.confs[req.MeetingID]
	if req.Create {
		if c != nil {
			return nil, false, &iqError{typ: "cancel", cond: "conflict", reason: colibri.ReasonConferenceExists}
		}
		c = newConference(b, req.MeetingID, req.Name)
		c.start()
		b.confs[req.MeetingID] = c
		c.log.Info("conference created")
		return c, true, nil
	}
	if c == nil {
		return nil, false, &iqError{typ: "cancel", cond: "item-not-found", reason: colibri.ReasonConferenceNotFound}
	}
	return c, false, nil
}

// modify validates then applies the endpoint part of a request.
func (c *conference) modify(eps []colibri.Endpoint, confCreated bool) (*colibri.ConferenceModified, *iqError) {
	if ierr := c.validate(eps); ierr != nil {
		return nil, ierr
	}
	resp := &colibri.ConferenceModified{}
	anyCreate := confCreated
	for i := range eps {
		out, ierr := c.applyEndpoint(&eps[i])
		if ierr != nil {
			return nil, ierr
		}
		anyCreate = anyCreate || eps[i].Create
		resp.Endpoints = append(resp.Endpoints, out)
	}
	if anyCreate {
		resp.Sources = c.feedbackSources()
	}
	return resp, nil
}

func (c *conference) validate(eps []colibri.Endpoint) *iqError {
	for i := range eps {
		u := &eps[i]
		e := c.endpoint(u.ID)
		switch {
		case u.ID == "":
			return &iqError{typ: "modify", cond: "bad-request", text: "endpoint without id"}
		case u.Create && e != nil:
			return &iqError{typ: "cancel", cond: "conflict", text: "endpoint exists"}
		case u.Create && u.Transport == nil:
			return &iqError{typ: "modify", cond: "bad-request", text: "transport required on create"}
		case !u.Create && !u.Expire && e == nil:
			return &iqError{typ: "cancel", cond: "item-not-found", reason: colibri.ReasonUnknownEndpoint, endpoint: u.ID}
		}
	}
	return nil
}

func (c *conference) applyEndpoint(u *colibri.Endpoint) (colibri.Endpoint, *iqError) {
	switch {
	case u.Expire:
		c.removeEndpoint(u.ID)
		c.log.Info("endpoint expired", "endpoint", u.ID)
		return colibri.Endpoint{ID: u.ID, Expire: true}, nil
	case u.Create:
		e, err := newEndpoint(c, u.ID)
		if err != nil {
			c.log.Warn("endpoint create failed", "endpoint", u.ID, "err", err)
			return colibri.Endpoint{}, &iqError{typ: "wait", cond: "internal-server-error"}
		}
		if !c.addEndpoint(e) {
			e.close()
			return colibri.Endpoint{}, &iqError{typ: "cancel", cond: "conflict", text: "endpoint exists"}
		}
		e.update(u)
		c.log.Info("endpoint created", "endpoint", u.ID)
		return colibri.Endpoint{ID: u.ID, Transport: e.describeTransport(u.Transport.SCTP != nil)}, nil
	}
	e := c.endpoint(u.ID)
	if e == nil {
		return colibri.Endpoint{}, &iqError{typ: "cancel", cond: "item-not-found",
			reason: colibri.ReasonUnknownEndpoint, endpoint: u.ID}
	}
	e.update(u)
	return colibri.Endpoint{ID: u.ID}, nil
}

// feedbackSources are the bridge's own SSRCs (jvb-a0, jvb-v0) for this conference.
func (c *conference) feedbackSources() *colibri.Sources {
	return &colibri.Sources{MediaSources: []colibri.MediaSource{
		{Type: "audio", ID: "jvb-a0", Sources: []jingle.Source{{SSRC: c.audioSSRC, Name: "jvb-a0"}}},
		{Type: "video", ID: "jvb-v0", Sources: []jingle.Source{{SSRC: c.videoSSRC, Name: "jvb-v0"}}},
	}}
}
