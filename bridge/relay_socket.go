package bridge

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/pion/ice/v4"
)

// relaySocket is a relay's own media socket (use-unique-port, always
// honoured): a UDP port on the bridge's listen IP with its own ICE mux.
// Two relays between the same two bridges would otherwise have the same
// 5-tuple on the shared port, and the mux, which knows a peer by its
// address, would give one relay's datagrams to the other
// (docs/scale-out.md, "Relays").
type relaySocket struct {
	udp  *net.UDPConn
	mux  *ice.UDPMuxDefault
	port int
}

// listenRelaySocket binds an ephemeral port on the IP of the bridge's
// shared media socket.
func (b *Bridge) listenRelaySocket() (*relaySocket, error) {
	laddr := &net.UDPAddr{IP: b.UDPAddr().IP}
	udp, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("bridge: relay socket: %w", err)
	}
	if err := sizeSocketBuffers(udp); err != nil {
		b.log.Warn("relay socket buffers not enlarged", "err", err)
	}
	// Never fed: the in-process TURN relay serves clients, not bridges.
	inbox, err := newRelayInbox(udp)
	if err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("bridge: relay socket: %w", err)
	}
	unknown := unknownSourceLog{log: b.log, n: &b.counters.unroutable}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn:           stunGate{UDPConn: udp, dropped: func() { b.counters.garbage.Add(1) }, inbox: inbox},
		Logger:            b.pionLog.NewLogger("relaymux"),
		OnUnhandledPacket: func(_ []byte, from netip.AddrPort) { unknown.drop(from.String()) },
	})
	return &relaySocket{udp: udp, mux: mux, port: udp.LocalAddr().(*net.UDPAddr).Port}, nil
}

// close releases the port: the mux closes its connections and the socket
// (closing it again here is harmless and does not rely on that).
func (s *relaySocket) close() {
	_ = s.mux.Close()
	_ = s.udp.Close()
}

// transportOptions are the ICE agent options of a relay: UDP only (no
// ICE-TCP between bridges), on its own socket.
func (s *relaySocket) transportOptions() []ice.AgentOption {
	return []ice.AgentOption{ice.WithUDPMux(s.mux),
		ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4, ice.NetworkTypeUDP6})}
}
