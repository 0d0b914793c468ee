package e2e

import (
	"testing"
	"time"
)

// inboundAudioJS reports the page's one inbound audio stream of the bridge connection: packets
// received, packets lost (by sequence number) and the samples played and concealed.
const inboundAudioJS = `(async () => {
	const room = meetdTest.conference();
	const s = room && room.jvbJingleSession;
	const pc = s && s.peerconnection && s.peerconnection.peerconnection;
	if (!pc) { return null; }
	const rep = await pc.getStats();
	let out = null;
	rep.forEach(r => {
		if (r.type === 'inbound-rtp' && r.kind === 'audio') {
			out = { packets: r.packetsReceived || 0, lost: r.packetsLost || 0,
				samples: r.totalSamplesReceived || 0, concealed: r.concealedSamples || 0 };
		}
	});
	return out;
})()`

type inboundAudio struct {
	Packets   int64 `json:"packets"`
	Lost      int64 `json:"lost"`
	Samples   int64 `json:"samples"`
	Concealed int64 `json:"concealed"`
}

func (s *session) inboundAudio(page int) inboundAudio {
	s.t.Helper()
	var a *inboundAudio
	if err := s.eval(page, inboundAudioJS, &a); err != nil || a == nil {
		s.t.Fatalf("inbound audio of page %d: %v", page, err)
	}
	return *a
}

// silenceMetric is the bridge's count of silent audio packets it did not forward.
const silenceMetric = `meetd_bridge_dropped_packets_total{reason="silence"}`

// TestSilentAudio (issue 15): page 1 disables its microphone track (the MediaStreamTrack, not
// lib-jitsi-meet's mute: nothing is signalled, Chromium keeps sending Opus packets of digital
// silence, audio level 127), page 0 keeps its fake microphone's beep. The bridge drops page 1's
// silent packets and counts them; page 0's inbound stream from page 1 stops growing without
// reporting the dropped packets as lost (the bridge renumbers around them); page 1 keeps playing
// page 0's beep; when page 1's track is enabled again page 0 plays it again, still without loss.
func TestSilentAudio(t *testing.T) {
	s := newSessionConfig(t)
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "silence")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	// waitHears waits for more than n packets on the page's inbound audio since from, with at most
	// a fifth of the samples played since then concealed.
	waitHears := func(rx int, what string, from inboundAudio, n int64) inboundAudio {
		var a inboundAudio
		if err := poll(codecLimit, func() (bool, error) {
			a = s.inboundAudio(rx)
			samples := a.Samples - from.Samples
			return a.Packets > from.Packets+n && samples > 0 && (a.Concealed-from.Concealed)*5 < samples, nil
		}); err != nil {
			t.Fatalf("page %d %s: %+v (from %+v)", rx, what, a, from)
		}
		return a
	}
	waitHears(0, "hears page 1", inboundAudio{}, 200)
	waitHears(1, "hears page 0", inboundAudio{}, 200)
	dropped := func() float64 { _, m := opsGet(t, "/metrics"); return metricValue(m, silenceMetric) }
	base0 := dropped() // before: whatever silence the fake microphones make themselves
	time.Sleep(2 * time.Second)
	dropped0 := dropped()

	s.mustEval(1, `(meetdTest.conference().getLocalAudioTrack().getTrack().enabled = false, true)`)
	if err := poll(codecLimit, func() (bool, error) { return dropped() > dropped0+100, nil }); err != nil {
		t.Fatalf("the bridge counted no silence of page 1: %s = %v (was %v)", silenceMetric, dropped(), dropped0)
	}
	quiet0, beep0, during0 := s.inboundAudio(0), s.inboundAudio(1), dropped()
	time.Sleep(2 * time.Second)
	quiet1, during1 := s.inboundAudio(0), dropped()
	// Page 1 sends 50 packets a second: 2 s of its silence add about 100 drops to the baseline.
	if during1-during0 < dropped0-base0+80 {
		t.Errorf("silent drops in 2 s: %v with page 1 silent, %v before", during1-during0, dropped0-base0)
	}
	if quiet1.Packets > quiet0.Packets+5 {
		t.Errorf("page 0 still receives page 1's silence: %d -> %d packets in 2 s", quiet0.Packets, quiet1.Packets)
	}
	beep := waitHears(1, "hears page 0's beep while page 1 is silent", beep0, 50)

	s.mustEval(1, `(meetdTest.conference().getLocalAudioTrack().getTrack().enabled = true, true)`)
	back := waitHears(0, "hears page 1 again", quiet1, 100)
	if back.Lost > quiet0.Lost+5 {
		t.Errorf("page 0 counts page 1's dropped silence as lost: %d -> %d", quiet0.Lost, back.Lost)
	}
	t.Logf("%s: %v in 2 s before, %v in 2 s of page 1's silence, %v in all; page 0 from page 1: %+v (silent: %+v); page 1 from page 0: %+v",
		silenceMetric, dropped0-base0, during1-during0, dropped(), back, quiet1, beep)
}
