package focus

import (
	"context"
	"time"
)

// TransportLost is the bridge's report that endpoint's media transport in
// the conference meetingID of room has gone silent and the client moved
// to no other path (bridge.Config.OnTransportLost). The focus does what
// it does for the client's own ICE-failed notice: it ends that session
// and offers a new one, so a client whose address changed gathers
// candidates on its new network without waiting for its own ICE failure
// (docs/networks.md "When a client's network changes"). It never blocks.
func (f *Focus) TransportLost(ctx context.Context, roomJID, meetingID, endpoint string) {
	f.post(ctx, roomJID, false, func(r *room) { r.onTransportLost(ctx, meetingID, endpoint) })
}

func (r *room) onTransportLost(ctx context.Context, meetingID, endpoint string) {
	p := r.participants[endpoint]
	if r.conf.meetingID != meetingID || p == nil || p.state != sessionActive {
		return
	}
	if !p.restarts.allow(time.Now()) {
		r.log.Info("session restart refused: too many", "endpoint", p.nick)
		return
	}
	r.log.Info("bridge lost the client's transport, new session", "endpoint", p.nick)
	r.terminate(ctx, p, "success", "transport lost, new session")
	r.invite(ctx, p)
}
