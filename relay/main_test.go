package relay

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that every test leaves no goroutine behind (relays,
// connections and pion clients are closed in t.Cleanup).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
