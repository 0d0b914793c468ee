//go:build race

package bridge

// raceEnabled: the race detector is on. sync.Pool then drops a random share of
// what is Put back, so a test counting allocations through the bridge's packet
// pool would count the detector's, not the bridge's.
const raceEnabled = true
