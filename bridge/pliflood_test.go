package bridge

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestPLIFlood covers the PLI/FIR flood of docs/bad-input.md#m6: a
// receiver sending 1,000 keyframe requests at once gets one PLI to the
// sender; once the 200 ms interval has passed, the next request goes
// through again.
func TestPLIFlood(t *testing.T) {
	c, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, 4096)
	}
	giveVideo(c, eps["a"], 1)
	a, b := eps["a"], eps["b"]
	now := time.Now()
	for i := range 20 {
		a.forward(vp8Packet(20, uint16(i), 9000, 3, 1, 0, i == 0, 180), a.ingress.Load().ssrcs[20], now)
	}
	for len(a.sendQ) > 0 {
		<-a.sendQ
	}
	flood := func() int {
		for range 1000 {
			b.relayRTCP(&rtcp.PictureLossIndication{MediaSSRC: 20})
			b.relayRTCP(&rtcp.FullIntraRequest{MediaSSRC: 20, FIR: []rtcp.FIREntry{{SSRC: 20}}})
		}
		n := len(a.sendQ)
		for len(a.sendQ) > 0 {
			<-a.sendQ
		}
		return n
	}
	if n := flood(); n != 1 {
		t.Fatalf("2,000 keyframe requests made %d PLIs to the sender, want 1", n)
	}
	time.Sleep(250 * time.Millisecond)
	if n := flood(); n != 1 {
		t.Fatalf("after the interval: %d PLIs, want 1", n)
	}
}
