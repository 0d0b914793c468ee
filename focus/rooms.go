package focus

import (
	"context"
	"strings"
)

// roomQueue bounds the events waiting for one room's goroutine.
const roomQueue = 1024

// post queues fn on the goroutine of the room that jid (a room or occupant
// JID) belongs to, creating the room first when create is set. It never
// blocks and reports whether fn was queued.
func (f *Focus) post(ctx context.Context, jid string, create bool, fn func(*room)) bool {
	key := strings.ToLower(bareJID(jid))
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rooms[key]
	if r == nil {
		if !create || ctx.Err() != nil {
			return false
		}
		r = newRoom(f, key, f.leaving[key])
		f.rooms[key] = r
		f.wg.Add(1)
		go r.run(ctx)
	}
	select {
	case r.events <- func() { fn(r) }:
	default:
		f.dropped.Add(1)
		f.log.Warn("room queue full, event dropped", "room", key)
	}
	return true
}

// forEachRoom queues fn on every room.
func (f *Focus) forEachRoom(ctx context.Context, fn func(*room)) {
	f.mu.Lock()
	keys := make([]string, 0, len(f.rooms))
	for k := range f.rooms {
		keys = append(keys, k)
	}
	f.mu.Unlock()
	for _, k := range keys {
		f.post(ctx, k, false, fn)
	}
}

// retire removes r from the room table if no event is waiting for it, so
// that later stanzas for its JID start a fresh room.
func (f *Focus) retire(r *room) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(r.events) > 0 || f.rooms[r.jid] != r {
		return false
	}
	delete(f.rooms, r.jid)
	f.leaving[r.jid] = r
	return true
}

// gone forgets a room that finished shutting down.
func (f *Focus) gone(r *room) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.leaving[r.jid] == r {
		delete(f.leaving, r.jid)
	}
}
