package bridge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	dtlsnet "github.com/pion/dtls/v3/pkg/net"
	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/sctp"
	"github.com/pion/srtp/v3"

	"meetd/bridge/pipe"
	"meetd/colibri"
)

// The tests of docs/reliability.md rows M2, M3, M4, M7 and M9 (docs/reliability.md)
// play a hostile client built from pion's ice, dtls and srtp packages: unlike
// a PeerConnection it can write any bytes on its ICE connection, forge SRTP,
// go silent, and send from other ports. A pion PeerConnection (testClient)
// is the honest receiver that shows whether the bridge forwarded anything.

// gateConn is the hostile client's UDP socket. When silent, it neither
// delivers what arrives (counted) nor sends: the client stops answering
// the bridge's consent checks while the test still sees what the bridge
// sends it.
type gateConn struct {
	net.PacketConn
	silent           atomic.Bool
	mediaWhileSilent atomic.Int64 // SRTP/SRTCP that arrived while silent
}

func (g *gateConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, a, err := g.PacketConn.ReadFrom(b)
		if err != nil || !g.silent.Load() {
			return n, a, err
		}
		if n > 0 && b[0] >= 128 && b[0] <= 191 {
			g.mediaWhileSilent.Add(1)
		}
	}
}

func (g *gateConn) WriteTo(b []byte, a net.Addr) (int, error) {
	if g.silent.Load() {
		return len(b), nil
	}
	return g.PacketConn.WriteTo(b, a)
}

// hostile is a client endpoint with raw access to its transport.
type hostile struct {
	t            *testing.T
	id           string
	audio, video uint32
	sock         *gateConn
	mux          *ice.UDPMuxDefault
	agent        *ice.Agent
	conn         *ice.Conn
	pipe         *pipe.DTLS
	dtls         *dtls.Conn
	cert         tls.Certificate
	rtpOut       *srtp.Context // the client's SRTP (as the bridge expects it)
	key, salt    []byte        // its master key and salt
	srtpIn       atomic.Int64  // SRTP/SRTCP datagrams the bridge sent it
	rtpIn        atomic.Pointer[srtp.Context]
	audioIn      atomic.Int64 // RTP packets decrypted, by payload type
	videoIn      atomic.Int64
	rtpBad       atomic.Int64 // RTP packets that failed to decrypt
	wg           sync.WaitGroup
}

func newHostile(t *testing.T, id string, audio, video uint32) *hostile {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	must(t, err)
	_ = pc.(*net.UDPConn).SetReadBuffer(4 << 20) // capped by net.core.rmem_max
	h := &hostile{t: t, id: id, audio: audio, video: video, sock: &gateConn{PacketConn: pc}}
	h.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: h.sock, Logger: logging.NewDefaultLoggerFactory().NewLogger("hostile")})
	h.agent, err = ice.NewAgentWithOptions(ice.WithUDPMux(h.mux),
		ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4}),
		ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled), ice.WithIncludeLoopback())
	must(t, err)
	must(t, h.agent.OnCandidate(func(ice.Candidate) {}))
	must(t, h.agent.GatherCandidates())
	h.cert, err = selfsign.GenerateSelfSigned()
	must(t, err)
	return h
}

// fingerprint is the sha-256 fingerprint of cert, as signalled.
func certFP(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	x, err := x509.ParseCertificate(cert.Certificate[0])
	must(t, err)
	fp, err := fingerprint.Fingerprint(x, 5) // crypto.SHA256
	must(t, err)
	return fp
}

// signal sends the client's credentials, fingerprint (of fpCert) and
// sources to the bridge, as the focus does after session-accept.
func (h *hostile) signal(fc *fakeConn, meeting string, fpCert tls.Certificate) {
	ufrag, pwd, err := h.agent.GetLocalUserCredentials()
	must(h.t, err)
	fc.modify(h.t, updateXML(meeting, h.id, ufrag, pwd, certFP(h.t, fpCert), "", h.audio, h.video))
}

// connectICE runs ICE (controlled) against the bridge's transport and
// starts the reader: DTLS records go to the pipe, SRTP is counted.
func (h *hostile) connectICE(tr *colibri.Transport) {
	h.t.Helper()
	for _, c := range tr.ICE.Candidates {
		if c.Protocol != "udp" {
			continue
		}
		rc, err := ice.UnmarshalCandidate(fmt.Sprintf("%s 1 udp %d %s %d typ host", c.Foundation, c.Priority, c.IP, c.Port))
		must(h.t, err)
		must(h.t, h.agent.AddRemoteCandidate(rc))
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, err := h.agent.Accept(ctx, tr.ICE.Ufrag, tr.ICE.Pwd)
	must(h.t, err)
	h.conn = conn
	h.pipe = pipe.NewDTLS(conn)
	h.wg.Add(1)
	go h.read()
}

func (h *hostile) read() {
	defer h.wg.Done()
	defer func() { _ = h.pipe.Close() }()
	buf, plain := make([]byte, 1600), make([]byte, 1600)
	var hdr rtp.Header
	for {
		n, err := h.conn.Read(buf)
		if err != nil {
			return
		}
		switch classify(buf[:n]) {
		case classDTLS:
			h.pipe.Push(append([]byte(nil), buf[:n]...))
		case classRTP:
			h.srtpIn.Add(1)
			h.decryptIn(buf[:n], plain, &hdr)
		case classRTCP:
			h.srtpIn.Add(1)
		}
	}
}

// decryptIn decrypts and counts an RTP packet from the bridge.
func (h *hostile) decryptIn(b, plain []byte, hdr *rtp.Header) {
	in := h.rtpIn.Load()
	if in == nil {
		return
	}
	if _, err := in.DecryptRTP(plain[:0], b, hdr); err != nil {
		h.rtpBad.Add(1)
		return
	}
	switch hdr.PayloadType {
	case 111:
		h.audioIn.Add(1)
	case 100:
		h.videoIn.Add(1)
	}
}

// handshake runs the DTLS client with cert and derives the client's SRTP
// context; it returns the handshake error.
func (h *hostile) handshake(cert tls.Certificate) error {
	c, err := dtls.ClientWithOptions(dtlsnet.PacketConnFromConn(h.pipe), h.conn.RemoteAddr(),
		dtls.WithCertificates(cert),
		dtls.WithSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithInsecureSkipVerify(true))
	if err != nil {
		return err
	}
	h.dtls = c
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.HandshakeContext(ctx); err != nil {
		return err
	}
	state, _ := c.ConnectionState()
	cfg := &srtp.Config{Profile: srtp.ProtectionProfileAeadAes128Gcm}
	must(h.t, cfg.ExtractSessionKeysFromDTLS(&state, true))
	h.key, h.salt = cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt
	in, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, cfg.Profile)
	if err != nil {
		return err
	}
	h.rtpIn.Store(in)
	h.rtpOut, err = srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, cfg.Profile)
	return err
}

// audioPacket is a plaintext Opus RTP packet of the client's audio SSRC.
func (h *hostile) audioPacket(seq uint16, ts uint32) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts, SSRC: h.audio},
		Payload: []byte{0xf8, 0xff, 0xfe, byte(seq)}}
	b, err := p.Marshal()
	must(h.t, err)
	return b
}

// videoPacket is a plaintext one-packet VP8 frame on the client's first
// video SSRC.
func (h *hostile) videoPacket(seq uint16, ts uint32, pic uint16) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 100, SequenceNumber: seq, Timestamp: ts, SSRC: h.video,
		Marker: true}, Payload: vp8Frame(pic)}
	b, err := p.Marshal()
	must(h.t, err)
	return b
}

// encrypt protects a plaintext RTP packet with the client's context.
func (h *hostile) encrypt(plain []byte) []byte {
	out, err := h.rtpOut.EncryptRTP(nil, plain, nil)
	must(h.t, err)
	return out
}

// write sends raw bytes on the client's ICE connection.
func (h *hostile) write(b []byte) {
	if _, err := h.conn.Write(b); err != nil {
		h.t.Fatalf("write: %v", err)
	}
}

func (h *hostile) close() {
	if h.dtls != nil {
		_ = h.dtls.Close()
	}
	_ = h.agent.Close()
	_ = h.mux.Close()
	h.wg.Wait()
}

// hostileCall is a bridge with one hostile client ("h") and one honest
// pion PeerConnection ("r") that receives what the bridge forwards from h
// and sends its own media.
type hostileCall struct {
	t       *testing.T
	b       *Bridge
	fc      *fakeConn
	meeting string
	h       *hostile
	r       *testClient
	trs     map[string]*colibri.Transport
	stopTx  chan struct{}
	txDone  sync.WaitGroup
	stopAll func()
}

// startHostileCall sets up the call; the hostile client has run ICE but
// not DTLS (the test decides how it handshakes). tune, if not nil, is
// applied to the bridge before the endpoints exist.
func startHostileCall(t *testing.T, tune func(*Bridge)) *hostileCall {
	t.Helper()
	srv := httptest.NewServer(nil)
	b, fc, stop := startBridge(t, "ws://"+srv.Listener.Addr().String()+"/colibri-ws/jvb1")
	srv.Config.Handler = b.WebSocketHandler()
	if tune != nil {
		tune(b)
	}
	hc := &hostileCall{t: t, b: b, fc: fc, meeting: "m-" + strings.ReplaceAll(t.Name(), "/", "-"),
		trs: map[string]*colibri.Transport{}, stopTx: make(chan struct{})}
	hc.h = newHostile(t, "h", 7001, 7010)
	hc.r = newTestClient(t, "r", 8001, 8010)
	cm := fc.modify(t, createXML(hc.meeting, true, "h", "r"))
	for _, ep := range cm.Endpoints {
		hc.trs[ep.ID] = ep.Transport
	}
	ufrag, pwd, fp := hc.r.answer(hc.trs["r"], []remoteSource{{owner: "h", audio: hc.h.audio, video: hc.h.video}})
	fc.modify(t, updateXML(hc.meeting, "r", ufrag, pwd, fp, "", hc.r.audioSSRC, hc.r.videoSSRC))
	hc.r.waitConnected()
	hc.stopAll = func() {
		hc.stopMedia()
		hc.h.close()
		hc.r.close()
		stop()
		srv.Close()
	}
	return hc
}

// connectHostile signals the client's real fingerprint and runs ICE and
// DTLS to the end.
func (hc *hostileCall) connectHostile() {
	hc.t.Helper()
	hc.h.signal(hc.fc, hc.meeting, hc.h.cert)
	hc.h.connectICE(hc.trs["h"])
	must(hc.t, hc.h.handshake(hc.h.cert))
	eventually(hc.t, "bridge has SRTP keys for h", func() bool {
		e := hc.endpoint("h")
		return e != nil && e.decrypt.Load() != nil
	})
}

func (hc *hostileCall) endpoint(id string) *endpoint {
	c := hc.b.conference(hc.meeting)
	if c == nil {
		return nil
	}
	return c.endpoint(id)
}

// startReceiverMedia makes r send audio every 20 ms (towards h).
func (hc *hostileCall) startReceiverMedia() {
	hc.txDone.Add(1)
	go func() {
		defer hc.txDone.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for seq := uint16(0); ; seq++ {
			select {
			case <-hc.stopTx:
				return
			case <-tick.C:
				hc.r.send(seq)
			}
		}
	}()
}

func (hc *hostileCall) stopMedia() {
	select {
	case <-hc.stopTx:
	default:
		close(hc.stopTx)
	}
	hc.txDone.Wait()
}

// sendAudio sends n good audio packets from h, seq from seq0, 20 ms of
// Opus timestamps apart, paced lightly, and returns the next seq.
func (hc *hostileCall) sendAudio(seq0 uint16, ts0 uint32, n int) uint16 {
	seq, ts := seq0, ts0
	for i := 0; i < n; i++ {
		hc.h.write(hc.h.encrypt(hc.h.audioPacket(seq, ts)))
		seq++
		ts += 960
		if i%10 == 9 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return seq
}

// waitForwarded waits until r received at least want packets of h's audio.
func (hc *hostileCall) waitForwarded(what string, want int64) {
	hc.t.Helper()
	eventually(hc.t, what, func() bool { return hc.r.received(hc.h.audio) >= want })
}

// waitQuiet waits until r's count of h's audio stays the same for 300 ms:
// waitForwarded allows for a few packets lost on a loaded machine, so the
// rest of a burst may still be on its way when it returns, and a subtest
// that takes its baseline then would count them as forwarded bad packets.
func (hc *hostileCall) waitQuiet(what string) {
	hc.t.Helper()
	last := int64(-1)
	eventually(hc.t, what, func() bool {
		n := hc.r.received(hc.h.audio)
		if n == last {
			return true
		}
		last = n
		sleepMS(300)
		return false
	})
}

// heapAfterGC is the live heap after a full collection.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func sleepMS(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

// hostileSCTP is the client's SCTP association over its DTLS conn.
type hostileSCTP struct {
	assoc *sctp.Association
	msgs  chan string
	wg    sync.WaitGroup
}

// openSCTP starts the client's SCTP association (maxMsg bounds what it
// may send; 0 is pion's default).
func (h *hostile) openSCTP(maxMsg uint32) *hostileSCTP {
	h.t.Helper()
	opts := []sctp.ClientOption{sctp.WithNetConn(h.dtls), sctp.WithName("hostile")}
	if maxMsg > 0 {
		opts = append(opts, sctp.WithMaxMessageSize(maxMsg))
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	a, err := sctp.ClientContext(ctx, opts...)
	must(h.t, err)
	return &hostileSCTP{assoc: a, msgs: make(chan string, 64)}
}

// dial opens a bridge-channel data channel on stream id and reads it.
func (s *hostileSCTP) dial(t *testing.T, id uint16) *datachannel.DataChannel {
	t.Helper()
	dc, err := datachannel.Dial(s.assoc, id, &datachannel.Config{ChannelType: datachannel.ChannelTypeReliable,
		Label: "JVB data channel", Protocol: "http://jitsi.org/protocols/colibri",
		LoggerFactory: logging.NewDefaultLoggerFactory()})
	must(t, err)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 1<<16)
		for {
			n, _, err := dc.ReadDataChannel(buf)
			if err != nil {
				return
			}
			select {
			case s.msgs <- string(buf[:n]):
			default:
			}
		}
	}()
	return dc
}

// wait waits for a message containing substr.
func (s *hostileSCTP) wait(t *testing.T, substr string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case m := <-s.msgs:
			if strings.Contains(m, substr) {
				return
			}
		case <-deadline:
			t.Fatalf("no bridge-channel message with %q", substr)
		}
	}
}

func (s *hostileSCTP) close() {
	_ = s.assoc.Close()
	s.wg.Wait()
}

// rawDTLSRecord is a plaintext DTLS 1.2 record.
func rawDTLSRecord(typ byte, epoch uint16, seq uint64, body []byte) []byte {
	b := []byte{typ, 0xfe, 0xfd, byte(epoch >> 8), byte(epoch)}
	for i := 5; i >= 0; i-- {
		b = append(b, byte(seq>>(8*i)))
	}
	b = append(b, byte(len(body)>>8), byte(len(body)))
	return append(b, body...)
}

// handshakeFragment is a DTLS handshake message header and body with the
// given (possibly inconsistent) lengths.
func handshakeFragment(msgType byte, msgLen uint32, msgSeq uint16, off, fragLen uint32, body []byte) []byte {
	u24 := func(v uint32) []byte { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }
	b := append([]byte{msgType}, u24(msgLen)...)
	b = append(b, byte(msgSeq>>8), byte(msgSeq))
	b = append(b, u24(off)...)
	b = append(b, u24(fragLen)...)
	return append(b, body...)
}
