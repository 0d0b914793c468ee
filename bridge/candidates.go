package bridge

import (
	"fmt"
	"net"
	"strings"

	"github.com/pion/ice/v4"

	"meetd/xmpp/jingle"
)

// addRemoteCandidates gives the agent the client's signalled UDP candidates.
// Clients usually signal none to the bridge; the agent then learns the
// client's address as a peer-reflexive candidate from its checks.
func (e *endpoint) addRemoteCandidates(cands []jingle.Candidate) {
	for _, jc := range cands {
		c, err := toICECandidate(jc)
		if err != nil {
			continue
		}
		_ = e.agent.AddRemoteCandidate(c)
	}
}

func toICECandidate(jc jingle.Candidate) (ice.Candidate, error) {
	if !strings.EqualFold(jc.Protocol, "udp") || jc.Component > 1 || net.ParseIP(jc.IP) == nil ||
		jc.Port <= 0 || jc.Port > 65535 {
		return nil, ErrBadCandidate
	}
	typ := jc.Type
	if typ == "" {
		typ = "host"
	}
	s := fmt.Sprintf("%s %d udp %d %s %d typ %s", nonEmpty(jc.Foundation, "1"), max(jc.Component, 1),
		jc.Priority, jc.IP, jc.Port, typ)
	if jc.RelAddr != "" && net.ParseIP(jc.RelAddr) != nil {
		s += fmt.Sprintf(" raddr %s rport %d", jc.RelAddr, jc.RelPort)
	}
	c, err := ice.UnmarshalCandidate(s)
	if err != nil {
		return nil, fmt.Errorf("bridge: candidate: %w", err)
	}
	return c, nil
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
