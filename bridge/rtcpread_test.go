package bridge

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestRTCPAllocations: reading and acting on the RTCP receivers send —
// receiver reports with transport-cc feedback, NACKs answered from the
// cache, PLI and FIR relayed as PLIs, sender reports relayed — allocates
// nothing per packet (issue 15: zero allocations for incoming RTCP).
func TestRTCPAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop packets at random (race_on_test.go)")
	}
	c, eps := readyConference(256, "a", "b")
	giveVideo(c, eps["a"], 3)
	now := time.Now()
	for i := range 20 {
		eps["a"].forward(vp8Packet(20, uint16(i), 0, 0, 0, 0, i == 0, 180), eps["a"].ingress.Load().ssrcs[20], now)
		eps["b"].sent.stamp(1000, now)
	}
	us := now.UnixMicro()
	marshal := func(pkts ...rtcp.Packet) []byte {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name   string
		from   string
		pkt    []byte
		effect func() uint64 // grows when the packet was acted on
	}{
		{"receiver report and transport-cc feedback", "b", marshal(&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 20}}},
			withHeader(feedbackFor(0, []int64{us + 20_000, us + 21_000, us + 40_000}, map[uint16]bool{1: true}))),
			func() uint64 { return uint64(eps["b"].bwe.estimate.Load()) }},
		{"NACK of a projected stream", "b", marshal(&rtcp.TransportLayerNack{MediaSSRC: 20, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{3, 4, 9})}),
			func() uint64 { return eps["b"].b.counters.retransmitted.Load() }},
		{"PLI", "b", marshal(&rtcp.PictureLossIndication{MediaSSRC: 20}), func() uint64 { return eps["a"].b.counters.rtcpRelayed.Load() }},
		{"FIR", "b", marshal(&rtcp.FullIntraRequest{MediaSSRC: 20, FIR: []rtcp.FIREntry{{SSRC: 20}}}),
			func() uint64 { return eps["a"].b.counters.rtcpRelayed.Load() }},
		{"sender reports", "a", marshal(&rtcp.SenderReport{SSRC: 11, NTPTime: 1 << 40}, &rtcp.SenderReport{SSRC: 20, NTPTime: 1 << 40}),
			func() uint64 { return eps["a"].b.counters.rtcpRelayed.Load() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := eps[tc.from]
			run := func() {
				c.kfMu.Lock()
				clear(c.lastKF) // no rate limit: every PLI and FIR is relayed
				c.kfMu.Unlock()
				if !e.handleRTCP(tc.pkt) {
					t.Fatal("refused")
				}
				for _, x := range eps {
					for len(x.sendQ) > 0 {
						x.b.bufs.Put(<-x.sendQ)
					}
					drain(x.msgQ)
				}
			}
			before := tc.effect()
			run() // also first-time state (maps, estimator, ConnectionStats)
			if tc.effect() == before {
				t.Fatal("the packet had no effect")
			}
			if allocs := testing.AllocsPerRun(100, run); allocs != 0 {
				t.Fatalf("%v allocations per packet", allocs)
			}
		})
	}
}

// withHeader fills in the RTCP header feedbackFor leaves out, so that
// the packet can be marshalled.
func withHeader(fb *rtcp.TransportLayerCC) *rtcp.TransportLayerCC {
	fb.Header = rtcp.Header{Count: rtcp.FormatTCC, Type: rtcp.TypeTransportSpecificFeedback, Length: uint16(fb.Len()/4 - 1)}
	return fb
}
