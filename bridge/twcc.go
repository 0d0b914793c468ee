package bridge

import (
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
)

const twccInterval = 100 * time.Millisecond

// twccState builds transport-wide congestion-control feedback for one
// sender so its bandwidth estimate can grow. Reader goroutine only.
type twccState struct {
	rec   *twcc.Recorder
	start time.Time
	last  time.Time
}

func newTWCCState(senderSSRC uint32) *twccState {
	now := time.Now()
	return &twccState{rec: twcc.NewRecorder(senderSSRC), start: now, last: now}
}

// record notes one arrival; every twccInterval it returns feedback to send.
func (t *twccState) record(ssrc uint32, seq uint16, now time.Time) []rtcp.Packet {
	t.rec.Record(ssrc, seq, now.Sub(t.start).Microseconds())
	if now.Sub(t.last) < twccInterval {
		return nil
	}
	t.last = now
	return t.rec.BuildFeedbackPacket()
}
