package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// The minimal forwarder of docs/performance.md#minimal-forwarder: recv → SRTP decrypt →
// N × (SRTP encrypt with the receiver's own context → send). It is the
// floor any SFU is compared with (the overhead ratio R).

// statsQuery is the one-byte datagram that asks the forwarder for its count.
const statsQuery = '?'

// fwdKey returns the AES-128-GCM master key and salt of stream i (0 = the
// input, 1..N = the receivers).
func fwdKey(i int) (key, salt []byte) {
	key, salt = make([]byte, 16), make([]byte, 12)
	for k := range key {
		key[k] = byte(k*7 + i)
	}
	for k := range salt {
		salt[k] = byte(k*3 + i)
	}
	return key, salt
}

func fwdContext(i int) (*srtp.Context, error) {
	key, salt := fwdKey(i)
	return srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
}

// Forward runs the minimal forwarder on conn until ctx ends: every SRTP
// packet is decrypted and sent, re-encrypted, to every sink. A one-byte
// statsQuery datagram is answered with the forwarded count (8 bytes).
func Forward(ctx context.Context, conn *net.UDPConn, sinks []netip.AddrPort) error {
	in, err := fwdContext(0)
	if err != nil {
		return err
	}
	outs := make([]*srtp.Context, len(sinks))
	for i := range outs {
		if outs[i], err = fwdContext(i + 1); err != nil {
			return err
		}
	}
	go func() {
		<-ctx.Done()
		_ = conn.Close()
	}()
	buf, plain, out := make([]byte, 1600), make([]byte, 0, 1600), make([]byte, 0, 1700)
	var h rtp.Header
	var sent uint64
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return nil
		}
		if n == 1 && buf[0] == statsQuery {
			_, _ = conn.WriteToUDPAddrPort(binary.BigEndian.AppendUint64(nil, sent), from)
			continue
		}
		p, err := in.DecryptRTP(plain[:0], buf[:n], &h)
		if err != nil {
			continue
		}
		for i, c := range outs {
			o, err := c.EncryptRTP(out[:0], p, &h)
			if err != nil {
				continue
			}
			if _, err := conn.WriteToUDPAddrPort(o, sinks[i]); err == nil {
				sent++
			}
		}
	}
}

// Sinks are never-read UDP sockets with the smallest receive buffer: a
// send to them runs the whole kernel path and is dropped at enqueue.
type Sinks struct {
	conns []*net.UDPConn
	Addrs []netip.AddrPort
}

// OpenSinks opens n sink sockets on ip.
func OpenSinks(ip string, n int) (*Sinks, error) {
	s := &Sinks{}
	for range n {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
		if err != nil {
			s.Close()
			return nil, err
		}
		setRcvBuf(c, 1)
		s.conns = append(s.conns, c)
		s.Addrs = append(s.Addrs, c.LocalAddr().(*net.UDPAddr).AddrPort())
	}
	return s, nil
}

func setRcvBuf(c *net.UDPConn, n int) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	})
}

// Close closes every sink.
func (s *Sinks) Close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// Generator sends a ring of pre-encrypted input packets to the forwarder
// at a fixed rate.
type Generator struct {
	conn *net.UDPConn
	to   netip.AddrPort
	ring [][]byte
}

// NewGenerator prepares 4096 packets of payload bytes each on 20 SSRCs.
func NewGenerator(to netip.AddrPort, payload int) (*Generator, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IP(to.Addr().AsSlice())})
	if err != nil {
		return nil, err
	}
	ctx, err := fwdContext(0)
	if err != nil {
		return nil, err
	}
	g := &Generator{conn: c, to: to}
	body := make([]byte, max(payload, 1))
	for i := range 4096 {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 100, SequenceNumber: uint16(i / 20),
			Timestamp: uint32(i) * 3000, SSRC: uint32(1000 + i%20)}, Payload: body}
		raw, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		enc, err := ctx.EncryptRTP(nil, raw, nil)
		if err != nil {
			return nil, err
		}
		g.ring = append(g.ring, enc)
	}
	return g, nil
}

// Run sends pps packets per second until ctx ends.
func (g *Generator) Run(ctx context.Context, pps float64) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start, sent := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			due := int(now.Sub(start).Seconds() * pps)
			for ; sent < due; sent++ {
				_, _ = g.conn.WriteToUDPAddrPort(g.ring[sent%len(g.ring)], g.to)
			}
		}
	}
}

// Count asks the forwarder how many packets it has forwarded.
func (g *Generator) Count() (uint64, error) {
	if _, err := g.conn.WriteToUDPAddrPort([]byte{statsQuery}, g.to); err != nil {
		return 0, err
	}
	_ = g.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	defer func() { _ = g.conn.SetReadDeadline(time.Time{}) }()
	b := make([]byte, 16)
	for {
		n, err := g.conn.Read(b)
		if err != nil {
			return 0, fmt.Errorf("bench: forwarder count: %w", err)
		}
		if n == 8 {
			return binary.BigEndian.Uint64(b), nil
		}
	}
}

// Close closes the generator's socket.
func (g *Generator) Close() { _ = g.conn.Close() }
