package bridge

import (
	"fmt"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
)

// mediaSocketBuffer is the receive and send buffer asked for the shared media
// socket. The kernel default (about 208 KiB) overflows when the bridge is
// descheduled for a few milliseconds under load: the load tool measured
// 10 000 datagrams dropped in a 10 s run with it. The kernel caps the value
// at net.core.rmem_max / wmem_max.
const mediaSocketBuffer = 4 << 20

// sizeSocketBuffers enlarges the media socket's buffers; a refusal only costs
// headroom, so it is logged by the caller and not fatal.
func sizeSocketBuffers(udp *net.UDPConn) error {
	if err := udp.SetReadBuffer(mediaSocketBuffer); err != nil {
		return err
	}
	return udp.SetWriteBuffer(mediaSocketBuffer)
}

// tcpWriteBuffer bounds what one ICE-TCP connection queues: past it pion
// drops datagrams instead of blocking the writer, as the UDP sink does.
const tcpWriteBuffer = 1 << 20

// tcpMedia is the ICE-TCP listener (RFC 6544 passive candidates): one TCP
// port shared by every endpoint, demultiplexed by pion's TCP mux on the
// ufrag of the first STUN binding request.
type tcpMedia struct {
	mux  *ice.TCPMuxDefault
	ip   net.IP
	port int
}

// listenTCPMedia binds addr; empty addr means no ICE-TCP (nil, nil).
func listenTCPMedia(addr string, logs logging.LoggerFactory) (*tcpMedia, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bridge: listen tcp %s: %w", addr, err)
	}
	mux := ice.NewTCPMuxDefault(ice.TCPMuxParams{Listener: ln, Logger: logs.NewLogger("tcpmux"),
		ReadBufferSize: 64, WriteBufferSize: tcpWriteBuffer})
	a := ln.Addr().(*net.TCPAddr)
	return &tcpMedia{mux: mux, ip: a.IP, port: a.Port}, nil
}

// TCPAddr is the bound ICE-TCP address, nil without TCPListen.
func (b *Bridge) TCPAddr() net.Addr {
	if b.tcp == nil {
		return nil
	}
	return &net.TCPAddr{IP: b.tcp.ip, Port: b.tcp.port}
}
