package bridge

import "testing"

func TestForwardPolicy(t *testing.T) {
	cases := []struct {
		name  string
		setup func(eps map[string]*endpoint)
		kind  mediaKind
		want  map[string]int // queued packets per endpoint
	}{
		{"audio to all others", nil, kindAudio, map[string]int{"b": 1, "c": 1}},
		{"video to all others", nil, kindVideo, map[string]int{"b": 1, "c": 1}},
		{"lastN 0 stops video", func(eps map[string]*endpoint) { eps["b"].lastN.Store(0) }, kindVideo, map[string]int{"c": 1}},
		{"lastN 0 keeps audio", func(eps map[string]*endpoint) { eps["b"].lastN.Store(0) }, kindAudio, map[string]int{"b": 1, "c": 1}},
		{"force-muted audio", func(eps map[string]*endpoint) { eps["a"].muteAudio.Store(true) }, kindAudio, nil},
		{"force-muted video keeps audio", func(eps map[string]*endpoint) { eps["a"].muteVideo.Store(true) }, kindAudio, map[string]int{"b": 1, "c": 1}},
		{"receiver without SRTP", func(eps map[string]*endpoint) { eps["c"].srtpReady.Store(false) }, kindAudio, map[string]int{"b": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, eps := testConference("a", "b", "c")
			for _, e := range eps {
				e.srtpReady.Store(true)
			}
			if tc.setup != nil {
				tc.setup(eps)
			}
			eps["a"].forward(rtpPacket(t, 11, 111, 0), tc.kind)
			for id, e := range eps {
				if got := len(e.sendQ); got != tc.want[id] {
					t.Fatalf("%s has %d queued, want %d", id, got, tc.want[id])
				}
			}
		})
	}
}

func TestSlowReceiverDoesNotBlock(t *testing.T) {
	_, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
	}
	pkt := rtpPacket(t, 11, 111, 0)
	for range cap(eps["b"].sendQ) + 5 {
		eps["a"].forward(pkt, kindAudio)
	}
	if s := eps["a"].b.Stats(); s.QueueDrops != 5 || s.Forwarded != uint64(cap(eps["b"].sendQ)) {
		t.Fatalf("stats %+v", s)
	}
}
