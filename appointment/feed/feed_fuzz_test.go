package feed

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse: any document is an error or events with distinct UIDs, a
// start and a positive length; never a panic.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(feedWith("DTSTART;TZID=Europe/Berlin:20261208T100000\r\nDURATION:PT50M\r\nATTENDEE:mailto:a@example.org")))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := Parse(data, Options{Location: time.UTC})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range feed.Events {
			if seen[a.UID] {
				t.Fatalf("UID %q twice", a.UID)
			}
			seen[a.UID] = true
			if a.Start.IsZero() || a.Duration <= 0 {
				t.Fatalf("event %q: start %v, duration %v", a.UID, a.Start, a.Duration)
			}
		}
	})
}
