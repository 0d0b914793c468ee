package bridge

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/pion/datachannel"
	"github.com/pion/sctp"
	"go.uber.org/goleak"

	"meetd/colibri"
)

// TestHostileSCTP is docs/reliability.md row M7 against the real bridge: over
// the client's own DTLS session, a 200 KiB message (above the bridge's
// 64 KiB channel message bound), 100 more data channels, malformed DCEP on
// a stream, and 500 SCTP INITs. Each is bounded (goroutines and heap
// level), the bridge keeps serving the one data channel it accepted, and
// the endpoint's messages are still relayed to the other endpoint.
func TestHostileSCTP(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	hc.connectHostile()
	h := hc.h
	s := h.openSCTP(1 << 20) // the client allows itself large messages
	defer s.close()
	dc := s.dial(t, 1)
	s.wait(t, colibri.ClassServerHello)
	hc.r.waitMessage(colibri.ClassServerHello)
	n := 0
	relayed := func(t *testing.T) {
		t.Helper()
		n++
		msg := fmt.Sprintf(`{"colibriClass":"EndpointMessage","to":"r","msgPayload":{"n":%d}}`, n)
		_, err := dc.WriteDataChannel([]byte(msg), true)
		must(t, err)
		got := hc.r.waitMessage(fmt.Sprintf(`"n":%d`, n))
		if !strings.Contains(got, `"from":"h"`) {
			t.Fatalf("relayed %s", got)
		}
	}
	relayed(t)
	g0, heap0 := runtime.NumGoroutine(), heapAfterGC()
	bounded := func(t *testing.T) {
		t.Helper()
		if g := runtime.NumGoroutine(); g > g0+10 {
			t.Errorf("goroutines %d -> %d", g0, g)
		}
		if grew := int64(heapAfterGC()) - int64(heap0); grew > 16<<20 {
			t.Errorf("heap grew %d MiB", grew>>20)
		}
		e := hc.endpoint("h")
		e.mu.Lock()
		cur := e.dc
		e.mu.Unlock()
		if cur == nil || cur.StreamIdentifier() != 1 {
			t.Errorf("the bridge's data channel is %v, want the first (stream 1)", cur)
		}
		relayed(t)
	}

	t.Run("oversized message", func(t *testing.T) {
		big := `{"colibriClass":"EndpointMessage","to":"r","msgPayload":"` + strings.Repeat("x", 200<<10) + `"}`
		for range 3 {
			_, err := dc.WriteDataChannel([]byte(big), true)
			must(t, err)
		}
		bounded(t)
	})
	t.Run("many streams", func(t *testing.T) {
		for i := range 100 {
			_, err := datachannel.Dial(s.assoc, uint16(3+2*i), &datachannel.Config{
				ChannelType: datachannel.ChannelTypeReliable, Label: "extra", LoggerFactory: dc.Config.LoggerFactory})
			must(t, err)
		}
		bounded(t)
	})
	t.Run("malformed DCEP", func(t *testing.T) {
		for i, b := range [][]byte{{0x03}, {0x03, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0}, {0x99, 1, 2}} {
			st, err := s.assoc.OpenStream(uint16(301+2*i), sctp.PayloadTypeWebRTCDCEP)
			must(t, err)
			_, err = st.WriteSCTP(b, sctp.PayloadTypeWebRTCDCEP)
			must(t, err)
		}
		bounded(t)
	})
	t.Run("INIT flood", func(t *testing.T) {
		for i := range 500 {
			_, err := h.dtls.Write(sctpInit(uint32(i + 1)))
			must(t, err)
			if i%50 == 49 {
				sleepMS(5)
			}
		}
		bounded(t)
	})
}

// TestMalformedFirstDCEP: a client whose first stream carries a malformed
// DCEP message still gets the bridge channel it opens next; the bad stream
// does not end the bridge's accept loop.
func TestMalformedFirstDCEP(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	hc.connectHostile()
	s := hc.h.openSCTP(0)
	defer s.close()
	st, err := s.assoc.OpenStream(5, sctp.PayloadTypeWebRTCDCEP)
	must(t, err)
	_, err = st.WriteSCTP([]byte{0x03, 0, 0}, sctp.PayloadTypeWebRTCDCEP) // DATA_CHANNEL_OPEN cut short
	must(t, err)
	sleepMS(200)
	s.dial(t, 1)
	s.wait(t, colibri.ClassServerHello)
}

// sctpInit is an SCTP packet (port 5000 to 5000) with one INIT chunk.
func sctpInit(tag uint32) []byte {
	b := make([]byte, 12, 32)
	binary.BigEndian.PutUint16(b[0:], 5000)
	binary.BigEndian.PutUint16(b[2:], 5000)
	chunk := make([]byte, 20)
	chunk[0] = 1 // INIT
	binary.BigEndian.PutUint16(chunk[2:], 20)
	binary.BigEndian.PutUint32(chunk[4:], tag)     // initiate tag
	binary.BigEndian.PutUint32(chunk[8:], 1<<20)   // a_rwnd
	binary.BigEndian.PutUint16(chunk[12:], 0xffff) // outbound streams
	binary.BigEndian.PutUint16(chunk[14:], 0xffff) // inbound streams
	binary.BigEndian.PutUint32(chunk[16:], tag)    // initial TSN
	b = append(b, chunk...)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return b
}
