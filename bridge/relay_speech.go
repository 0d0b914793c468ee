package bridge

import (
	"encoding/binary"
	"slices"
)

// relaySpeech is the audio activity of the endpoints behind a relay, one
// speech per endpoint, so that the dominant speaker is decided on every
// bridge from every participant's audio levels (which all cross the
// relays), as for local endpoints. Immutable once stored; the speech
// values themselves are written by the relay's reader goroutine.
type relaySpeech struct {
	bySSRC map[uint32]*speech
	owners []ownerSpeech
}

type ownerSpeech struct {
	id string
	s  *speech
}

// newRelaySpeech maps the audio SSRCs of tbl to their owners' speech,
// keeping the speech of owners that were there before.
func newRelaySpeech(tbl *ingressTable, old *relaySpeech) *relaySpeech {
	rs := &relaySpeech{bySSRC: map[uint32]*speech{}}
	for _, a := range tbl.audio {
		i := slices.IndexFunc(rs.owners, func(o ownerSpeech) bool { return o.id == a.Endpoint })
		if i < 0 {
			s := old.of(a.Endpoint)
			if s == nil {
				s = &speech{}
			}
			rs.owners = append(rs.owners, ownerSpeech{id: a.Endpoint, s: s})
			i = len(rs.owners) - 1
		}
		rs.bySSRC[a.SSRC] = rs.owners[i].s
	}
	return rs
}

// of is the speech of an owner, or nil.
func (rs *relaySpeech) of(id string) *speech {
	if rs == nil {
		return nil
	}
	for _, o := range rs.owners {
		if o.id == id {
			return o.s
		}
	}
	return nil
}

// speechFor is the speech a packet's audio level counts for: the
// sender's own, or on a relay that of the endpoint behind it that owns
// the packet's SSRC (nil: none, the level is not counted).
func (e *endpoint) speechFor(pkt []byte) *speech {
	if e.relay == nil {
		return &e.speech
	}
	return e.relay.speech.Load().bySSRC[binary.BigEndian.Uint32(pkt[8:12])]
}

// speakers calls f with every endpoint id this member speaks for and its
// activity: itself, or for a relay each endpoint behind it.
func (e *endpoint) speakers(f func(id string, s *speech)) {
	if e.relay == nil {
		f(e.id, &e.speech)
		return
	}
	if rs := e.relay.speech.Load(); rs != nil {
		for _, o := range rs.owners {
			f(o.id, o.s)
		}
	}
}
