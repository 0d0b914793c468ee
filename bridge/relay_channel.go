package bridge

import (
	"encoding/json"

	"meetd/colibri"
)

// onRelayMessage handles a message from the other bridge on a relay
// channel: what it wants of our sources (AddReceiver, RemoveReceiver),
// endpoint messages and stats of its endpoints for ours, and its dominant
// speaker. Anything else, or anything malformed, is counted and dropped.
func (e *endpoint) onRelayMessage(class string, msg []byte) {
	switch class {
	case colibri.ClassAddReceiver:
		m, err := colibri.ParseAddReceiver(msg)
		if err != nil {
			e.b.counters.badPacket.Add(1)
			return
		}
		h := m.VideoConstraints.MaxHeight
		e.conf.setPrefs(e, func(p *receiverPrefs) {
			if h == 0 {
				delete(p.per, m.SourceName)
			} else if _, ok := p.per[m.SourceName]; ok || len(p.per) < maxRelayEndpoints {
				p.per[m.SourceName] = constraint{maxHeight: h}
			}
		})
	case colibri.ClassRemoveReceiver:
		m, err := colibri.ParseRemoveReceiver(msg)
		if err != nil {
			e.b.counters.badPacket.Add(1)
			return
		}
		e.conf.setPrefs(e, func(p *receiverPrefs) { forgetEndpoint(p, e.conf, m.EndpointID) })
	case colibri.ClassEndpointMessage, colibri.ClassEndpointStats:
		e.deliverRelayed(msg)
	case colibri.ClassDominantSpeaker:
		// Each bridge decides from every participant's audio levels
		// (relay_speech.go); the other bridge's decision is not needed.
	default:
		e.b.counters.badPacket.Add(1)
	}
}

// forgetEndpoint drops the constraints of every source of a local endpoint.
func forgetEndpoint(p *receiverPrefs, c *conference, id string) {
	ep := c.endpoint(id)
	if ep == nil {
		return
	}
	for _, s := range ep.ingress.Load().video {
		delete(p.per, s.name)
	}
}

// deliverRelayed hands an endpoint message from the other bridge to our
// endpoints (never to another relay: the sender's bridge sent it to every
// bridge). Its "from" was set by the sender's bridge and must name an
// endpoint behind this relay.
func (e *endpoint) deliverRelayed(msg []byte) {
	var m colibri.EndpointMessage
	if json.Unmarshal(msg, &m) != nil || !e.carries(m.From) {
		e.b.counters.badPacket.Add(1)
		return
	}
	out, err := colibri.RelayedEndpointMessage(msg, m.From)
	if err != nil {
		return
	}
	for _, r := range e.conf.list() {
		if r.relay == nil && (m.To == "" || m.To == r.id) {
			r.sendMessage(out)
		}
	}
}

// carries reports whether id is an endpoint of the other bridge.
func (e *endpoint) carries(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.relay.remote[id]
	return ok
}
