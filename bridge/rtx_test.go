package bridge

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

func TestRTXRoundTrip(t *testing.T) {
	orig := vp8Packet(20, 1000, 5, 7, 1, 0, true, 180)
	p := append(make([]byte, 0, maxDatagram), orig...)
	rtx := encapsulateRTX(p, 120, 96, 77)
	if got := binary.BigEndian.Uint32(rtx[8:]); got != 120 || rtx[1]&0x7F != 96 || binary.BigEndian.Uint16(rtx[2:]) != 77 {
		t.Fatalf("rtx header %x", rtx[:12])
	}
	back, ok := decapsulateRTX(nil, rtx, 20, 100)
	if !ok || !bytes.Equal(back, orig) {
		t.Fatalf("decapsulated %x, want %x", back, orig)
	}
	if _, ok := decapsulateRTX(nil, rtx[:14], 20, 100); ok {
		t.Fatal("a packet without payload was decapsulated")
	}
}

func TestPacketCache(t *testing.T) {
	src := &videoSource{name: "a-v0", primary: 20, ssrcs: []uint32{20, 21}}
	c := packetCache{src: src}
	for i := range 1000 {
		in := uint16(65000 + i)
		pkt := vp8Packet(21, in, 0, 0, 0, 0, false, 0)
		src.cache.put(1, pkt)
		s, e, _ := rtpPayload(pkt)
		v, _ := parseVP8(pkt, s, e)
		c.put(1, in, projected{seq: uint16(i) + 5, ts: 77, pid: 9, tl0: 3}, &v)
	}
	cases := []struct {
		seq uint16
		ok  bool
	}{{1004, true}, {1005 - cacheSlots, true}, {1004 - cacheSlots, false}, {1005, false}}
	for _, tc := range cases {
		pkt, ok := c.get(tc.seq, nil)
		if ok != tc.ok {
			t.Errorf("get(%d) = %v", tc.seq, ok)
			continue
		}
		if !ok {
			continue
		}
		s, e, _ := rtpPayload(pkt)
		v, _ := parseVP8(pkt, s, e)
		if binary.BigEndian.Uint16(pkt[2:]) != tc.seq || binary.BigEndian.Uint32(pkt[8:]) != 20 || v.pid != 9 || v.tl0 != 3 {
			t.Errorf("get(%d) rebuilt %x", tc.seq, pkt[:20])
		}
	}
}

func TestLossTracker(t *testing.T) {
	l := newLossTracker()
	now := time.Unix(10, 0)
	for _, seq := range []uint16{1, 2, 5, 6} {
		l.received(20, seq, now)
	}
	nacks := l.due(9, now)
	if len(nacks) != 1 {
		t.Fatalf("nacks %v", nacks)
	}
	n := nacks[0].(*rtcp.TransportLayerNack)
	if got := n.Nacks[0].PacketList(); n.MediaSSRC != 20 || len(got) != 2 || got[0] != 3 || got[1] != 4 {
		t.Fatalf("nack %+v %v", n, got)
	}
	if l.due(9, now.Add(10*time.Millisecond)) != nil {
		t.Fatal("nacked again within the tick")
	}
	l.received(20, 3, now)
	nacks = l.due(9, now.Add(nackInterval))
	if got := nacks[0].(*rtcp.TransportLayerNack).Nacks[0].PacketList(); len(got) != 1 || got[0] != 4 {
		t.Fatalf("second round %v", got)
	}
	if l.due(9, now.Add(2*nackMaxAge)) != nil {
		t.Fatal("nacked a packet older than nackMaxAge")
	}
	l.received(20, 2000, now)
	if l.due(9, now.Add(3*nackMaxAge)) != nil {
		t.Fatal("a restart was taken for loss")
	}
}

// TestNackAnsweredWithRTX: a receiver's NACK of a projected stream is
// answered from the cache on the RTX SSRC it knows; a sender's
// retransmission is decapsulated and forwarded in place of the loss, and
// only then.
func TestNackAnsweredWithRTX(t *testing.T) {
	c, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, 64)
	}
	giveVideo(c, eps["a"], 2)
	a, b := eps["a"], eps["b"]
	m := testMedia() // rtx 96 for VP8 100
	b.ingress.Store(buildIngress(&m, nil, "b", nil))
	now := time.Now()
	a.forward(vp8Packet(20, 500, 9000, 3, 1, 0, true, 180), a.ingress.Load().ssrcs[20], now)
	sent := <-b.sendQ
	outSeq := binary.BigEndian.Uint16(sent.data[2:])
	b.relayNack(&rtcp.TransportLayerNack{MediaSSRC: 20, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{outSeq})})
	if len(b.sendQ) != 1 {
		t.Fatalf("%d packets answer the NACK", len(b.sendQ))
	}
	rtx := (<-b.sendQ).data
	if binary.BigEndian.Uint32(rtx[8:]) != 120 || rtx[1]&0x7F != 96 || binary.BigEndian.Uint16(rtx[rtpHeaderLen(rtx):]) != outSeq {
		t.Fatalf("retransmission %x", rtx[:16])
	}
	// The sender's RTX of a lost packet 501 arrives after 502.
	a.forward(vp8Packet(20, 502, 9000, 3, 1, 0, false, 0), a.ingress.Load().ssrcs[20], now)
	lost := encapsulateRTX(append(make([]byte, 0, maxDatagram), vp8Packet(20, 501, 9000, 3, 1, 0, false, 0)...), 120, 96, 1)
	a.forward(lost, a.ingress.Load().ssrcs[120], now)
	if len(b.sendQ) != 2 {
		t.Fatalf("%d packets forwarded, want 2", len(b.sendQ))
	}
	<-b.sendQ
	if p := <-b.sendQ; binary.BigEndian.Uint16(p.data[2:]) != outSeq+1 || binary.BigEndian.Uint32(p.data[8:]) != 20 {
		t.Fatalf("repaired packet %x", p.data[:12])
	}
	// Retransmissions of packets not missing (501 again, 500 that came in
	// time: Chromium's RTX padding probes) are not forwarded: the receiver
	// would get the same sequence number twice.
	for i, seq := range []uint16{501, 500} {
		again := encapsulateRTX(append(make([]byte, 0, maxDatagram), vp8Packet(20, seq, 9000, 3, 1, 0, false, 0)...), 120, 96, uint16(2+i))
		a.forward(again, a.ingress.Load().ssrcs[120], now)
	}
	if len(b.sendQ) != 0 {
		t.Fatalf("%d retransmissions of packets not missing forwarded", len(b.sendQ))
	}
}

// TestNackFlood: a NACK naming thousands of packets causes a bounded
// number of retransmissions (docs/bad-input.md#m6).
func TestNackFlood(t *testing.T) {
	c, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, 1024)
	}
	giveVideo(c, eps["a"], 1)
	a, b := eps["a"], eps["b"]
	now := time.Now()
	for i := range 300 {
		a.forward(vp8Packet(20, uint16(i), 9000, 3, 1, 0, i == 0, 180), a.ingress.Load().ssrcs[20], now)
	}
	for len(b.sendQ) > 0 {
		<-b.sendQ
	}
	seqs := make([]uint16, 10_000)
	for i := range seqs {
		seqs[i] = uint16(i)
	}
	b.relayNack(&rtcp.TransportLayerNack{MediaSSRC: 20, Nacks: rtcp.NackPairsFromSequenceNumbers(seqs)})
	if n := len(b.sendQ); n == 0 || n > maxRetransmitPerNack {
		t.Fatalf("%d retransmissions for one NACK", n)
	}
}

// FuzzRTCP runs arbitrary compound RTCP from a receiver through the
// bridge's handling: NACKs answered from the cache, transport-cc feedback
// into the estimator, PLIs and SRs relayed.
func FuzzRTCP(f *testing.F) {
	seed := func(pkts ...rtcp.Packet) {
		b, err := rtcp.Marshal(pkts)
		if err == nil {
			f.Add(b)
		}
	}
	seed(&rtcp.TransportLayerNack{MediaSSRC: 20, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{1, 2, 40})})
	seed(withHeader(feedbackFor(0, []int64{64000, 65000, 70000}, map[uint16]bool{1: true})))
	seed(withHeader(feedbackFor(7, []int64{64000, 65000, 70000, 200000, 201000}, map[uint16]bool{9: true})))
	seed(&rtcp.PictureLossIndication{MediaSSRC: 20}, &rtcp.SenderReport{SSRC: 11, NTPTime: 1 << 40})
	c, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
	}
	giveVideo(c, eps["a"], 3)
	now := time.Unix(1, 0)
	for i := range 20 {
		eps["a"].forward(vp8Packet(20, uint16(i), 0, 0, 0, 0, i == 0, 180), eps["a"].ingress.Load().ssrcs[20], now)
		eps["b"].sent.stamp(1000, now)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The bridge's own reader (rtcpread.go) on anything; pion's parse
		// is the reference it must agree with.
		ok := eps["b"].handleRTCP(b)
		eps["a"].handleRTCP(b)
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			return
		}
		if !ok {
			t.Fatalf("pion reads %x (%T...) but the bridge's reader refuses it", b, pkts[0])
		}
		eachRTCP(b, func(pt, format uint8, p []byte) {
			if pt == rtcpRTPFB && format == fmtTWCC {
				checkRawFeedback(t, p)
			}
		})
		for _, p := range pkts {
			eps["b"].relayRTCP(p)
			eps["a"].relayRTCP(p)
		}
		for _, e := range eps {
			for len(e.sendQ) > 0 {
				e.b.bufs.Put(<-e.sendQ)
			}
			drain(e.msgQ)
		}
	})
}

// checkRawFeedback: the bridge's in-place reading of a transport-cc
// packet yields the statuses pion's parse of it does.
func checkRawFeedback(t *testing.T, raw []byte) {
	t.Helper()
	var fb rtcp.TransportLayerCC
	if err := fb.Unmarshal(raw); err != nil {
		t.Fatalf("pion refuses feedback %x that it read in the compound: %v", raw, err)
	}
	type status struct {
		seq uint16
		got bool
		at  int64
	}
	var want, got []status
	walkFeedback(&fb, func(seq uint16, received bool, at int64) { want = append(want, status{seq, received, at}) })
	if !walkRawFeedback(raw, func(seq uint16, received bool, at int64) { got = append(got, status{seq, received, at}) }) {
		t.Fatalf("feedback %x refused", raw)
	}
	if !slices.Equal(want, got) {
		t.Fatalf("feedback %x: read %v, pion %v", raw, got, want)
	}
}
