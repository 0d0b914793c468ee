package bridge

import (
	"errors"
	"io"
	"net"

	"github.com/pion/datachannel"
	"github.com/pion/dtls/v3"
	"github.com/pion/sctp"
)

// maxChannelMessage bounds one bridge-channel message.
const maxChannelMessage = 64 * 1024

// sctpReceiveBuffer is the association's receive buffer (pion's default,
// set explicitly): no message larger than it can be reassembled, so a
// buffer of this size can always take a message off the stream.
const sctpReceiveBuffer = 1 << 20

// sctpStart starts the SCTP association's reader once both the DTLS
// handshake is done (with SCTP negotiated) and the client's first DTLS
// application-data record arrived: until then no goroutine waits for a
// packet that clients on the WebSocket bridge channel never send. Guarded
// by endpoint.mu.
type sctpStart struct {
	conn    *dtls.Conn // set when DTLS and SRTP are up and SCTP was negotiated
	appData bool       // the reader saw an application-data record
	started bool
}

// dtlsAppData is the DTLS record content type of application data (RFC 6347).
const dtlsAppData = 23

// hasAppData reports whether a DTLS datagram holds an application-data
// record (records are walked by their 13-byte headers).
func hasAppData(b []byte) bool {
	for len(b) >= 13 {
		if b[0] == dtlsAppData {
			return true
		}
		n := 13 + (int(b[11])<<8 | int(b[12]))
		if n > len(b) {
			return false
		}
		b = b[n:]
	}
	return false
}

// sctpReady is called by connect when DTLS and SRTP are up.
func (e *endpoint) sctpReady(dconn *dtls.Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.wantSCTP {
		e.sctp.conn = dconn
		e.startSCTPLocked()
	}
}

// sctpAppData is called by the reader at the first application-data record.
func (e *endpoint) sctpAppData() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sctp.appData = true
	e.startSCTPLocked()
}

func (e *endpoint) startSCTPLocked() {
	if e.closed || e.sctp.started || e.sctp.conn == nil || !e.sctp.appData {
		return
	}
	e.sctp.started = true
	dconn := e.sctp.conn
	e.wg.Add(1) // under mu with closed false: before close's Wait
	go func() {
		defer e.wg.Done()
		e.serveSCTP(dconn)
	}()
}

// serveSCTP runs the SCTP association on the DTLS conn (bridge is the
// server, port 5000) and serves the data channels the client opens. The
// association (three goroutines and its buffers) is made only when the
// client's first SCTP packet arrives (see sctpStart): clients on the
// WebSocket bridge channel never send one.
func (e *endpoint) serveSCTP(dconn *dtls.Conn) {
	first := make([]byte, maxDatagram)
	n, err := dconn.Read(first)
	if err != nil {
		return // the endpoint is closing
	}
	conn := &prereadConn{Conn: dconn, first: first[:n]}
	assoc, err := sctp.ServerWithOptions(sctp.WithNetConn(conn), sctp.WithLoggerFactory(e.b.pionLog),
		sctp.WithName(e.id), sctp.WithMaxReceiveBufferSize(sctpReceiveBuffer))
	if err != nil {
		e.logFailure("sctp", err)
		return
	}
	if !e.adoptAssoc(assoc) {
		return
	}
	for {
		dc, err := datachannel.Accept(assoc, &datachannel.Config{LoggerFactory: e.b.pionLog})
		if errors.Is(err, io.EOF) || ctxDone(e.ctx) {
			return // the association closed
		}
		if err != nil {
			// A stream whose first message is not a valid DCEP open: that
			// stream is ignored, the next one may still be the channel
			// (docs/reliability.md M7). Each turn waits for a new stream.
			e.log.Debug("data channel refused", "err", err)
			continue
		}
		e.serveDataChannel(dc)
	}
}

// prereadConn returns a packet already read from its conn first.
type prereadConn struct {
	net.Conn
	first []byte
}

func (c *prereadConn) Read(b []byte) (int, error) {
	if first := c.first; first != nil {
		c.first = nil
		n := copy(b, first)
		if n < len(first) {
			return n, io.ErrShortBuffer
		}
		return n, nil
	}
	return c.Conn.Read(b)
}

func (e *endpoint) adoptAssoc(a *sctp.Association) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		_ = a.Close()
		return false
	}
	e.assoc = a
	return true
}

// dataChannel adapts a DCEP channel to channelConn.
type dataChannel struct{ dc *datachannel.DataChannel }

func (d dataChannel) send(msg []byte) error {
	_, err := d.dc.WriteDataChannel(msg, true)
	return err
}

func (d dataChannel) close() { _ = d.dc.Close() }

// serveDataChannel reads bridge-channel messages until the channel closes.
func (e *endpoint) serveDataChannel(dc *datachannel.DataChannel) {
	c := dataChannel{dc: dc}
	e.mu.Lock()
	e.dc = dc
	e.mu.Unlock()
	if !e.attachChannel(c, "sctp") {
		_ = dc.Close()
		return
	}
	defer e.detachChannel(c)
	buf := make([]byte, maxChannelMessage)
	var big []byte // made for the first oversized message, kept for the channel
	for {
		n, _, err := dc.ReadDataChannel(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			// pion leaves a message that does not fit on the stream (reading
			// again returns the same error: a busy loop, docs/reliability.md M7).
			// Take it off with a buffer that any message fits and drop it.
			if big == nil {
				big = make([]byte, sctpReceiveBuffer)
			}
			if _, _, err := dc.ReadDataChannel(big); err != nil {
				return
			}
			e.log.Debug("bridge-channel message over the size bound dropped", "limit", maxChannelMessage)
			continue
		}
		if err != nil {
			return
		}
		e.onChannelMessage(buf[:n])
	}
}
