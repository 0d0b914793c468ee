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

// serveSCTP runs the SCTP association on the DTLS conn (bridge is the
// server, port 5000) and serves the data channels the client opens. The
// association (three goroutines and its buffers) is made only when the
// client's first SCTP packet arrives: clients on the WebSocket bridge
// channel never send one.
func (e *endpoint) serveSCTP(dconn *dtls.Conn) {
	first := make([]byte, maxDatagram)
	n, err := dconn.Read(first)
	if err != nil {
		return // the endpoint is closing
	}
	conn := &prereadConn{Conn: dconn, first: first[:n]}
	assoc, err := sctp.ServerWithOptions(sctp.WithNetConn(conn), sctp.WithLoggerFactory(e.b.pionLog),
		sctp.WithName(e.id))
	if err != nil {
		e.logFailure("sctp", err)
		return
	}
	if !e.adoptAssoc(assoc) {
		return
	}
	for {
		dc, err := datachannel.Accept(assoc, &datachannel.Config{LoggerFactory: e.b.pionLog})
		if err != nil {
			return
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
	for {
		n, _, err := dc.ReadDataChannel(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			continue
		}
		if err != nil {
			return
		}
		e.onChannelMessage(buf[:n])
	}
}
