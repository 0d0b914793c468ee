package focus

import (
	"context"
	"strconv"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// handleConferenceIQ serves the clients' request to create or join a
// conference (docs/protocols.md#conference-request). The answer is sent once the focus is in the room.
func (f *Focus) handleConferenceIQ(ctx context.Context, iq, conf *dom.Element) {
	roomJID := strings.ToLower(conf.Attr("room"))
	local, domain, ok := strings.Cut(roomJID, "@")
	if !ok || local == "" || !f.isConferenceMUC(domain) || strings.ContainsAny(roomJID, "/ ") {
		f.reject(ctx, iq, "modify", "bad-request")
		return
	}
	if f.refuseNew(roomJID) {
		f.rejected.Add(1)
		f.log.Info("conference refused while draining", "room", roomJID)
		f.send(ctx, gracefulShutdownError(iq))
		return
	}
	f.post(ctx, roomJID, true, func(r *room) { r.handleConferenceIQ(ctx, iq) })
}

// isConferenceMUC reports whether rooms of domain are conferences: the
// conference MUC or a tenant's.
func (f *Focus) isConferenceMUC(domain string) bool {
	if domain == strings.ToLower(f.cfg.MUCDomain) || domain == strings.ToLower(f.cfg.BreakoutMUCDomain) {
		return true
	}
	for _, d := range f.cfg.TenantMUCDomains {
		if domain == strings.ToLower(d) {
			return true
		}
	}
	return false
}

// conferenceReady is the positive answer to a conference IQ.
func (f *Focus) conferenceReady(iq *dom.Element, roomJID string) *dom.Element {
	res := stanza.Result(iq)
	c := res.AddNew(ns.Focus, "conference").SetAttr("room", roomJID).
		SetAttr("ready", "true").SetAttr("focusjid", f.focusJID())
	for _, kv := range [][2]string{
		{"authentication", strconv.FormatBool(f.cfg.GuestsWaitForHost)}, // the web app's login button
		{"externalAuth", "false"},
		{"sipGatewayEnabled", "false"},
		{"visitors-supported", "false"},
	} {
		c.AddNew(ns.Focus, "property").SetAttr("name", kv[0]).SetAttr("value", kv[1])
	}
	return res
}

// discoInfo answers a disco#info query sent to the focus.
func (f *Focus) discoInfo(iq *dom.Element) *dom.Element {
	res := stanza.Result(iq)
	q := res.AddNew(ns.DiscoInfo, "query")
	q.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "component").
		SetAttr("type", "focus").SetAttr("name", "meetd focus")
	for _, v := range []string{
		ns.DiscoInfo, ns.Focus, ns.Jingle,
		ns.JingleRTP, ns.JingleAudio, ns.JingleVideo, ns.JingleICEUDP, ns.JingleDTLS,
		ns.JingleSCTP, ns.RTCPMux, ns.Bundle,
	} {
		q.AddNew(ns.DiscoInfo, "feature").SetAttr("var", v)
	}
	return res
}
