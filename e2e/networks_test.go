package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// restartLimit bounds a client's recovery from a dead path: ICE consent expires after 30 s (RFC 7675),
// then lib-jitsi-meet asks for a new session.
const restartLimit = 90 * time.Second

// nftNetTable is the nftables table the network-path tests create in the test's namespace.
const nftNetTable = "meetdnetworks"

// selectedPairJS describes the selected candidate pair of a page's bridge connection.
const selectedPairJS = `(async () => {
	const s = meetdTest.conference().jvbJingleSession;
	if (!s) { return null; }
	const stats = await s.peerconnection.peerconnection.getStats();
	let pair = null;
	stats.forEach(r => { if (r.type === 'transport' && r.selectedCandidatePairId) { pair = stats.get(r.selectedCandidatePairId); } });
	if (!pair) { stats.forEach(r => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') { pair = r; } }); }
	if (!pair) { return null; }
	const l = stats.get(pair.localCandidateId), r = stats.get(pair.remoteCandidateId);
	return { localType: l.candidateType, localProtocol: l.protocol, relayProtocol: l.relayProtocol || '',
		remoteType: r.candidateType, remoteProtocol: r.protocol, remotePort: r.port };
})()`

// candidatePair is what selectedPairJS returns.
type candidatePair struct {
	LocalType     string `json:"localType"`
	LocalProtocol string `json:"localProtocol"`
	RelayProtocol string `json:"relayProtocol"`
	RemoteType    string `json:"remoteType"`
	RemoteProto   string `json:"remoteProtocol"`
	RemotePort    int    `json:"remotePort"`
}

func (p candidatePair) String() string {
	return fmt.Sprintf("local %s/%s (relay %q) → remote %s/%s:%d", p.LocalType, p.LocalProtocol, p.RelayProtocol,
		p.RemoteType, p.RemoteProto, p.RemotePort)
}

// blockNetwork loads nftables rules (statements of an output chain) until the test ends. Traffic between
// the browser and meetd goes from or to the veth addresses (10.77.0.x: Chromium's host candidates);
// meetd's relay reaches its bridge over 127.0.0.1, which the rules leave alone.
func blockNetwork(t *testing.T, statements ...string) {
	t.Helper()
	loadNFT(t, nftNetTable, fmt.Sprintf("table inet %s {\n\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n\t\t%s\n\t}\n}\n",
		nftNetTable, strings.Join(statements, "\n\t\t")))
}

// dropBrowserUDP are the statements that drop every UDP packet from or to the browser's addresses.
var dropBrowserUDP = []string{
	"ip saddr 10.77.0.0/24 meta l4proto udp drop",
	"ip daddr 10.77.0.0/24 meta l4proto udp drop",
}

// twoPartyCall joins pages 0 and 1 into room and waits for video and audio both ways.
func twoPartyCall(s *session, room string) map[int]string {
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, room)
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	return ids
}

// selectedPair returns page's selected candidate pair towards the bridge.
func (s *session) selectedPair(page int) candidatePair {
	s.t.Helper()
	var p *candidatePair
	if err := s.eval(page, selectedPairJS, &p); err != nil || p == nil {
		s.t.Fatalf("selected candidate pair of page %d: %v %v", page, p, err)
	}
	s.t.Logf("page %d: %s", page, p)
	return *p
}

// TestNetworkPaths (issue 12): which path a two-party call takes, with real Chromium and lib-jitsi-meet.
//   - open: nothing blocked → UDP to the bridge's host candidate, no relay;
//   - icetcp: UDP between browser and meetd dropped, TCP only to the HTTPS port and the ICE-TCP port →
//     the call holds over ICE-TCP (a direct TCP pair to the bridge's passive candidate, no relay);
//   - tcp443only: nftables drops every UDP packet between browser and meetd and every TCP connection but
//     the one to the HTTPS port → the call holds over TURN over TLS on the HTTPS port (relay, tls),
//     video and audio both ways.
func TestNetworkPaths(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		s := newSession(t)
		twoPartyCall(s, "pathopen")
		for _, p := range []int{0, 1} {
			if got := s.selectedPair(p); got.LocalType == "relay" || got.LocalProtocol != "udp" || got.RemoteType != "host" {
				t.Errorf("page %d: %s, want a direct UDP pair to the bridge's host candidate", p, got)
			}
		}
	})
	t.Run("icetcp", func(t *testing.T) {
		tcpPort := freePort(t, "tcp")
		s := newSessionConfig(t, fmt.Sprintf("media.tcp_listen = \"%s:%d\"", mediaIP, tcpPort))
		blockNetwork(t, append(dropBrowserUDP, fmt.Sprintf("ip saddr 10.77.0.0/24 tcp dport != { %d, %d } drop", s.meetd.httpPort(), tcpPort))...)
		twoPartyCall(s, "pathicetcp")
		for _, p := range []int{0, 1} {
			if got := s.selectedPair(p); got.LocalType == "relay" || got.LocalProtocol != "tcp" || got.RemotePort != tcpPort {
				t.Errorf("page %d: %s, want a direct TCP pair to the bridge's port %d", p, got, tcpPort)
			}
		}
	})
	t.Run("tcp443only", func(t *testing.T) {
		s := newSession(t)
		port := s.meetd.httpPort()
		blockNetwork(t, append(dropBrowserUDP, fmt.Sprintf("ip saddr 10.77.0.0/24 tcp dport != %d drop", port),
			"udp dport 3478 drop", "tcp dport 3478 drop")...)
		twoPartyCall(s, "pathtls")
		for _, p := range []int{0, 1} {
			if got := s.selectedPair(p); got.LocalType != "relay" || got.RelayProtocol != "tls" {
				t.Errorf("page %d: %s, want a relay candidate allocated over TLS", p, got)
			}
		}
	})
}

// httpPort is the port of meetd's HTTPS listener.
func (m *meetd) httpPort() int {
	var port int
	if _, err := fmt.Sscanf(m.url[strings.LastIndex(m.url, ":")+1:], "%d", &port); err != nil {
		panic("meetd url " + m.url)
	}
	return port
}

// jvbSIDJS is the Jingle session id of a page's bridge connection ("" before there is one).
const jvbSIDJS = `(() => { const s = meetdTest.conference().jvbJingleSession; return s ? s.sid : ''; })()`

// TestNetworkChange (issue 12, reliability.md F2): one participant's network path dies mid-call (nftables
// drops every UDP packet of its selected local port, as when Wi-Fi gives way to mobile data). Its client
// sees ICE fail and asks the focus for a new session (session-terminate with restart, what lib-jitsi-meet
// does when ICE restart is not enabled); the bridge frees the old transport, the new session gathers from
// fresh sockets and media flows both ways again; the other participant never sees it leave.
func TestNetworkChange(t *testing.T) {
	s := newSession(t)
	ids := twoPartyCall(s, "networkchange")
	pair := s.selectedPair(1)
	var oldSID string
	if err := s.eval(1, jvbSIDJS, &oldSID); err != nil || oldSID == "" {
		t.Fatalf("session id of page 1: %q %v", oldSID, err)
	}
	var port int
	if err := s.eval(1, localPortJS, &port); err != nil || port == 0 {
		t.Fatalf("media port of page 1: %d %v", port, err)
	}
	t.Logf("page 1 (%s) loses its path: %s, local port %d", ids[1], pair, port)
	blockNetwork(t, fmt.Sprintf("udp sport %d drop", port), fmt.Sprintf("udp dport %d drop", port))
	err := poll(restartLimit, func() (bool, error) {
		var sid string
		err := s.eval(1, jvbSIDJS, &sid)
		return err == nil && sid != "" && sid != oldSID, nil
	})
	if err != nil {
		t.Fatalf("page 1 got no new bridge session after its path died: %v\n%s", err, s.describeAll([]int{0, 1}))
	}
	s.waitMeetdLog("the bridge freed the old transport", "endpoint expired", "endpoint="+ids[1])
	s.waitMedia([]int{0, 1})
	if st, _ := s.status(0); st.hasEvent("user left", ids[1]) {
		t.Errorf("page 0 saw page 1 leave during its network change")
	}
	s.selectedPair(1)
}
