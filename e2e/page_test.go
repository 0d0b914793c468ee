package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
)

// pageStatus is window.meetdTest.status(): how far a page got.
type pageStatus struct {
	Stage        string        `json:"stage"`
	MyID         string        `json:"myId"`
	Config       string        `json:"config"`
	Errors       []string      `json:"errors"`
	Events       []pageEvent   `json:"events"`
	RemoteTracks []remoteTrack `json:"remoteTracks"`
	Participants []string      `json:"participants"`
	Jingle       bool          `json:"jingle"`
	Moderator    bool          `json:"moderator"`
}

type pageEvent struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

type remoteTrack struct {
	Type        string `json:"type"`
	Participant string `json:"participant"`
}

// pcStats is window.meetdTest.stats(): the getStats() numbers of the peer connection to the bridge.
type pcStats struct {
	ICE        string    `json:"ice"`
	Connection string    `json:"connection"`
	DTLS       string    `json:"dtls"`
	Inbound    []rtpStat `json:"inbound"`
	Outbound   []rtpStat `json:"outbound"`
}

type rtpStat struct {
	Kind    string `json:"kind"`
	SSRC    uint32 `json:"ssrc"`
	Bytes   int64  `json:"bytes"`
	Packets int64  `json:"packets"`
	Frames  int64  `json:"frames"`
}

// startOptions are the arguments of window.meetdTest.start.
type startOptions struct {
	Room          string            `json:"room"`
	ConfigURL     string            `json:"configUrl"`
	ServiceURL    string            `json:"serviceUrl"`
	Hosts         map[string]string `json:"hosts"`
	BridgeChannel string            `json:"bridgeChannel"`
	// Transport "bosh" makes the page connect over BOSH (config.js bosh) instead of the WebSocket.
	Transport string `json:"transport,omitempty"`
	// Token is a JWT the page gives lib-jitsi-meet (?token= on the connection URL).
	Token string `json:"token,omitempty"`
	// VideoQuality is merged into config.js's videoQuality (e.g. a 2021 client's preferredCodec).
	VideoQuality map[string]any `json:"videoQuality,omitempty"`
	// EnableOpusRed, when set, overrides config.js's enableOpusRed (whether the client advertises RED).
	EnableOpusRed *bool `json:"enableOpusRed,omitempty"`
	// UserRegion, when set, is config.js's deploymentInfo.userRegion (the participant's region).
	UserRegion string `json:"userRegion,omitempty"`
	// CodecList, when set, is announced in presence as current clients announce their video codecs
	// (jitsi_participant_codecList, e.g. "av1,vp9,vp8").
	CodecList string `json:"codecList,omitempty"`
	// ExtmapAllowMixed makes the page put back the extmap-allow-mixed of meetd's Jingle into the SDP,
	// which the 2021 library drops (two-byte header extensions, for the AV1 dependency descriptor).
	ExtmapAllowMixed bool `json:"extmapAllowMixed,omitempty"`
}

// hasEvent reports whether the page saw an event of that kind and detail.
func (s pageStatus) hasEvent(kind, detail string) bool {
	for _, e := range s.Events {
		if e.Kind == kind && e.Detail == detail {
			return true
		}
	}
	return false
}

// videoDecoding counts inbound video streams that decoded more than min frames.
func (s *pcStats) videoDecoding(min int64) int {
	n := 0
	for _, r := range s.Inbound {
		if r.Kind == "video" && r.Frames > min {
			n++
		}
	}
	return n
}

// sent returns the SSRCs a page sends of one kind (all simulcast layers).
func (s *pcStats) sent(kind string) map[uint32]bool {
	m := map[uint32]bool{}
	for _, r := range s.Outbound {
		if r.Kind == kind {
			m[r.SSRC] = true
		}
	}
	return m
}

// decodesFrom reports whether this page decoded more than min frames of a video stream the sender sends.
func (s *pcStats) decodesFrom(sender *pcStats, min int64) bool {
	sent := sender.sent("video")
	for _, r := range s.Inbound {
		if r.Kind == "video" && sent[r.SSRC] && r.Frames > min {
			return true
		}
	}
	return false
}

// hearsFrom reports whether this page's received bytes of an audio stream the sender sends grew since the
// earlier sample.
func (s *pcStats) hearsFrom(sender *pcStats, earlier map[uint32]int64) bool {
	sent := sender.sent("audio")
	for _, r := range s.Inbound {
		if before, ok := earlier[r.SSRC]; ok && r.Kind == "audio" && sent[r.SSRC] && r.Bytes > before {
			return true
		}
	}
	return false
}

// audioBytes returns the received bytes per inbound audio SSRC.
func (s *pcStats) audioBytes() map[uint32]int64 {
	m := map[uint32]int64{}
	for _, r := range s.Inbound {
		if r.Kind == "audio" {
			m[r.SSRC] = r.Bytes
		}
	}
	return m
}

// videoFrames sums the decoded frames of all inbound video streams.
func (s *pcStats) videoFrames() int64 {
	var n int64
	for _, r := range s.Inbound {
		if r.Kind == "video" {
			n += r.Frames
		}
	}
	return n
}

// stage names the first step of the call a page has not passed, for failure messages.
func stage(st pageStatus, ps *pcStats) string {
	switch {
	case len(st.Errors) > 0 && st.Stage != "joined":
		return fmt.Sprintf("failed at stage %q: %s", st.Stage, strings.Join(st.Errors, "; "))
	case st.Stage == "connecting":
		return "stage websocket/SASL/bind: the XMPP connection was not established"
	case st.Stage == "connected" || st.Stage == "conference-joining":
		return "stage conference IQ / MUC join: connected, but CONFERENCE_JOINED did not come"
	case st.Stage != "joined":
		return fmt.Sprintf("stage %q", st.Stage)
	case !st.Jingle || ps == nil:
		return "stage session-initiate: joined, but no Jingle session with the bridge"
	case ps.ICE != "connected" && ps.ICE != "completed":
		return fmt.Sprintf("stage ICE: iceConnectionState=%s connectionState=%s", ps.ICE, ps.Connection)
	case ps.DTLS != "connected":
		return fmt.Sprintf("stage DTLS: dtlsState=%q connectionState=%s", ps.DTLS, ps.Connection)
	default:
		in, _ := json.Marshal(ps.Inbound)
		out, _ := json.Marshal(ps.Outbound)
		return fmt.Sprintf("stage media: ICE and DTLS up; inbound %s; outbound %s; remote tracks %v",
			in, out, st.RemoteTracks)
	}
}
