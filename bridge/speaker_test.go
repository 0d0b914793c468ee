package bridge

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestAudioLevel(t *testing.T) {
	h := rtp.Header{Version: 2, PayloadType: 111, SSRC: 11}
	must(t, h.SetExtension(1, []byte{0x80 | 42}))
	b, err := (&rtp.Packet{Header: h, Payload: []byte{1}}).Marshal()
	must(t, err)
	cases := []struct {
		name string
		id   uint8
		lvl  uint8
		ok   bool
	}{{"present", 1, 42, true}, {"other id", 2, 0, false}, {"not negotiated", 0, 0, false}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lvl, ok := audioLevel(b, tc.id)
			if lvl != tc.lvl || ok != tc.ok {
				t.Fatalf("got %d %v", lvl, ok)
			}
		})
	}
}

// TestDominantSpeaker: the one endpoint that makes sound becomes dominant
// and every endpoint is told; a louder newcomer takes over, the previous
// one is listed.
func TestDominantSpeaker(t *testing.T) {
	c, eps := testConference("a", "b", "c")
	now := time.Unix(100, 0)
	talk := func(loud map[string]uint8, d time.Duration) {
		for end := now.Add(d); now.Before(end); now = now.Add(20 * time.Millisecond) {
			for _, id := range []string{"a", "b", "c"} {
				lvl, ok := loud[id]
				if !ok {
					lvl = 127
				}
				eps[id].speech.observe(lvl, now)
			}
			c.step(now)
		}
	}
	talk(map[string]uint8{"b": 40}, time.Second)
	for _, id := range []string{"a", "b", "c"} {
		if got := strings.Join(drain(eps[id].msgQ), "\n"); !strings.Contains(got, `"dominantSpeakerEndpoint":"b"`) {
			t.Fatalf("%s was not told b is dominant: %s", id, got)
		}
	}
	talk(map[string]uint8{"c": 30}, 2*time.Second)
	if got := strings.Join(drain(eps["a"].msgQ), "\n"); !strings.Contains(got, `"dominantSpeakerEndpoint":"c","previousSpeakers":["b"]`) {
		t.Fatalf("a was not told c took over: %s", got)
	}
	talk(nil, 3*time.Second)
	if len(c.speakers) == 0 || c.speakers[0] != "c" {
		t.Fatalf("silence changed the speaker: %v", c.speakers)
	}
}
