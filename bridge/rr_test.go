package bridge

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

func TestReceiverReport(t *testing.T) {
	r := newReceptionStats()
	now := time.Unix(50, 0)
	for i := range 100 {
		if i%10 != 0 { // one in ten lost
			r.packet(7, uint16(65500+i))
		}
	}
	r.senderReport(7, 0x1122334455667788, now)
	raw := r.due(99, now.Add(250*time.Millisecond))
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil || len(pkts) != 1 {
		t.Fatalf("report % x: %v", raw, err)
	}
	rr, ok := pkts[0].(*rtcp.ReceiverReport)
	if !ok || rr.SSRC != 99 || len(rr.Reports) != 1 {
		t.Fatalf("report %+v", pkts[0])
	}
	rep := rr.Reports[0]
	if rep.LastSequenceNumber != 1<<16+63 || rep.TotalLost != 9 || rep.LastSenderReport != 0x33445566 {
		t.Fatalf("block %+v", rep)
	}
	if rep.Delay != 65536/4 || rep.FractionLost == 0 {
		t.Fatalf("delay %d fraction %d", rep.Delay, rep.FractionLost)
	}
	if r.due(99, now.Add(300*time.Millisecond)) != nil {
		t.Fatal("reported again within rrInterval")
	}
}
