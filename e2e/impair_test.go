package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// nftTable is the nftables table the impaired-link tests create in the test's namespace.
const nftTable = "meetdimpair"

// localPortJS returns the UDP port of the page's selected ICE candidate (its end of the media path).
const localPortJS = `(async () => {
	const s = meetdTest.conference().jvbJingleSession;
	const stats = await s.peerconnection.peerconnection.getStats();
	let pair = null;
	stats.forEach(r => { if (r.type === 'transport' && r.selectedCandidatePairId) { pair = stats.get(r.selectedCandidatePairId); } });
	if (!pair) { stats.forEach(r => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') { pair = r; } }); }
	const local = pair && stats.get(pair.localCandidateId);
	return local ? local.port : 0;
})()`

// mediaPort returns the UDP port a page receives media on.
func (q *quality) mediaPort(page int) int {
	q.t.Helper()
	var port int
	if err := q.eval(page, localPortJS, &port); err != nil || port == 0 {
		q.t.Fatalf("media port of page %d: %d %v", page, port, err)
	}
	return port
}

// dropRandomly makes nftables drop percent % of the UDP packets to and from port (one browser's link),
// until the test ends.
func dropRandomly(t *testing.T, port, percent int) {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		missing(t, "nft not found (%v; Debian package nftables)", err)
	}
	rules := fmt.Sprintf(`table inet %[1]s {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport %[2]d numgen random mod 100 < %[3]d drop
		udp sport %[2]d numgen random mod 100 < %[3]d drop
	}
}`, nftTable, port, percent)
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("nft", "delete", "table", "inet", nftTable).Run() })
}

// TestLossRepair (issue 4): with 5 % random loss on one receiver's link, it decodes the other's video at
// no less than 80 % of the frame rate the sender encodes (NACK and RTX at work).
func TestLossRepair(t *testing.T) {
	q := startQualityCall(t, "lossrepair", 2)
	dropRandomly(t, q.mediaPort(1), 5)
	time.Sleep(3 * time.Second) // let both ends see the loss
	sent := func() int64 {
		var n int64
		for _, o := range q.video(0).Out {
			n = max(n, o.Frames)
		}
		return n
	}
	got := func() int64 {
		in, _ := q.video(1).from(q.video(0))
		return in.Frames
	}
	s0, r0 := sent(), got()
	time.Sleep(10 * time.Second)
	s1, r1 := sent(), got()
	ratio := float64(r1-r0) / float64(max(s1-s0, 1))
	t.Logf("with 5%% loss: sender encoded %d frames in 10 s, the receiver decoded %d (%.0f %%)", s1-s0, r1-r0, 100*ratio)
	if s1-s0 < 50 || ratio < 0.8 {
		t.Fatalf("video decodes at %.0f %% of the sender's frame rate under 5 %% loss, want ≥ 80 %%\n%s",
			100*ratio, q.describeAll(q.all))
	}
}
