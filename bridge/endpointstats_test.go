package bridge

import (
	"testing"
	"time"
)

func TestEndpointStats(t *testing.T) {
	c, eps := testConference("a", "b")
	c.b.confs = map[string]*conference{c.meetingID: c}
	for _, e := range eps {
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, 64)
	}
	giveVideo(c, eps["a"], 3)
	first := c.b.EndpointStats()
	if len(first) != 2 || first[0].Endpoint != "a" || first[1].Endpoint != "b" {
		t.Fatalf("stats %+v", first)
	}
	if got := first[1].Forwarded; len(got) != 1 || got["a-v0"] != 180 {
		t.Fatalf("b's forwarded layers %v", got)
	}
	eps["b"].meter.bytesIn.Add(1000)
	eps["b"].meter.lostOut.Add(3)
	time.Sleep(10 * time.Millisecond)
	s := c.b.EndpointStats()[1]
	if s.BitrateIn <= 0 || s.BitrateOut != 0 || s.LostOut != 3 || s.EstimateBps != 0 {
		t.Fatalf("second sample %+v", s)
	}
}
