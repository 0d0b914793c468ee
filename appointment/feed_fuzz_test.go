package appointment

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseFeed: any document is an error or events that are valid
// appointments with distinct UIDs; never a panic.
func FuzzParseFeed(f *testing.F) {
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
		feed, err := ParseFeed(data, FeedOptions{Location: time.UTC})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range feed.Events {
			if seen[a.UID] {
				t.Fatalf("UID %q twice", a.UID)
			}
			seen[a.UID] = true
			if err := a.normalize(); err != nil {
				t.Fatalf("event %q is not a valid appointment: %v", a.UID, err)
			}
		}
	})
}
