package bridge

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

func audioSources(id string, ssrc uint32) *colibri.Sources {
	return &colibri.Sources{MediaSources: []colibri.MediaSource{{Type: "audio", ID: id + "-a0",
		Sources: []jingle.Source{{SSRC: ssrc}}}}}
}

// TestRelaySpeaker: the audio levels of endpoints behind a relay count
// for those endpoints, so one of them can be the dominant speaker here;
// the event goes to local endpoints, not over the relay; an endpoint
// that stays behind the relay keeps its activity when another leaves.
func TestRelaySpeaker(t *testing.T) {
	c, eps := testConference("a", "jvbB")
	r := eps["jvbB"]
	r.relay = &relayState{remote: map[string]*colibri.Sources{"x": audioSources("x", 5), "y": audioSources("y", 6)}}
	m := testMedia()
	tbl := relayIngress(&m, r.relay.remote, nil)
	r.relay.speech.Store(newRelaySpeech(tbl, nil))
	r.ingress.Store(tbl)
	pkt := make([]byte, 12)
	now := time.Unix(100, 0)
	talk := func(ssrc uint32, d time.Duration) {
		binary.BigEndian.PutUint32(pkt[8:], ssrc)
		for end := now.Add(d); now.Before(end); now = now.Add(20 * time.Millisecond) {
			r.speechFor(pkt).observe(30, now)
			eps["a"].speech.observe(127, now)
			c.step(now)
		}
	}
	talk(6, time.Second)
	if got := strings.Join(drain(eps["a"].msgQ), "\n"); !strings.Contains(got, `"dominantSpeakerEndpoint":"y"`) {
		t.Fatalf("a was not told y (behind the relay) is dominant: %s", got)
	}
	if got := strings.Join(drain(r.msgQ), "\n"); strings.Contains(got, "dominantSpeaker") {
		t.Fatalf("the dominant speaker event went over the relay: %s", got)
	}
	binary.BigEndian.PutUint32(pkt[8:], 99)
	if r.speechFor(pkt) != nil {
		t.Fatal("an unknown SSRC counted for someone")
	}
	xs := r.relay.speech.Load().of("x")
	gone := r.relay.apply([]colibri.Endpoint{{ID: "y", Expire: true}})
	tbl = relayIngress(&m, r.relay.remote, tbl)
	r.relay.speech.Store(newRelaySpeech(tbl, r.relay.speech.Load()))
	if len(gone) != 1 || gone[0] != "y" || r.relay.speech.Load().of("y") != nil || r.relay.speech.Load().of("x") != xs {
		t.Fatalf("after y left: gone %v, speech %+v", gone, r.relay.speech.Load().owners)
	}
}
