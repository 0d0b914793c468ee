package bridge

// Shutdown starts a graceful shutdown: the brewery presence says
// graceful_shutdown (sent at once), so the focus puts no new conference
// here, and new conferences are refused with the graceful-shutdown reason;
// the running conferences go on until their participants leave
// (docs/scale-out.md#drain). Conferences reports when none is left.
func (b *Bridge) Shutdown() {
	b.shuttingDown.Store(true)
	select {
	case b.announce <- struct{}{}:
	default: // a presence is due already
	}
}

// ShuttingDown reports whether Shutdown was called.
func (b *Bridge) ShuttingDown() bool { return b.shuttingDown.Load() }

// Conferences returns the number of conferences on the bridge.
func (b *Bridge) Conferences() int {
	n, _ := b.counts()
	return n
}
