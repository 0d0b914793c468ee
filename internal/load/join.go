package load

import (
	"fmt"
	"slices"
	"time"
)

// Join stages, in order, each measured from the MUC join.
const (
	StageInitiate = iota // session-initiate received
	StageICE             // ICE connected
	StageDTLS            // DTLS done, SRTP keys ready
	StageFirstRTP        // first forwarded media packet
	StageKeyframe        // first complete keyframe received
	numStages
)

// StageNames name the join stages for reports.
var StageNames = [numStages]string{"session-initiate", "ICE", "DTLS", "first RTP", "first keyframe"}

// JoinStats holds, per stage, the offsets of every endpoint that reached it.
type JoinStats struct {
	Stages [numStages][]time.Duration
}

// JoinStats collects the join stages of all endpoints so far.
func (l *Load) JoinStats() JoinStats {
	var s JoinStats
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.eps {
		if !e.ready.Load() || e.offerer {
			continue
		}
		t := &e.times
		vals := [numStages]time.Duration{t.initiate, t.iceDone, t.dtlsDone,
			time.Duration(t.firstRTP.Load()), time.Duration(t.firstKey.Load())}
		for i, v := range vals {
			if v > 0 {
				s.Stages[i] = append(s.Stages[i], v)
			}
		}
	}
	for i := range s.Stages {
		slices.Sort(s.Stages[i])
	}
	return s
}

// Quantile returns the q-quantile of one stage, or 0 without data.
func (s JoinStats) Quantile(stage int, q float64) time.Duration {
	v := s.Stages[stage]
	if len(v) == 0 {
		return 0
	}
	return v[min(len(v)-1, int(q*float64(len(v))))]
}

// Median renders the medians of all stages.
func (s JoinStats) Median() string {
	out := ""
	for i, name := range StageNames {
		out += fmt.Sprintf("%s %v (n=%d)  ", name, s.Quantile(i, 0.5).Round(time.Millisecond), len(s.Stages[i]))
	}
	return out
}
