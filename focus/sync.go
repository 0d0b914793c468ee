package focus

import (
	"context"
	"encoding/xml"

	"meetd/xmpp/jingle"
)

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

// syncAll brings every participant with an established session up to date
// with the others' sources.
func (r *room) syncAll(ctx context.Context) {
	for _, p := range r.ordered() {
		r.syncRemote(ctx, p)
	}
	r.syncRelays(ctx) // relay.go
}

// syncRemote sends p a source-remove and/or source-add so that what p was
// told matches the other participants' current sources.
func (r *room) syncRemote(ctx context.Context, p *participant) {
	if p.state != sessionActive {
		return
	}
	_, desired := r.remoteSources(p)
	var add, remove sourceSet
	for owner, old := range p.remote {
		if _, ok := desired[owner]; !ok {
			remove = appendSet(remove, old)
		}
	}
	for owner, cur := range desired {
		a, rm := diffSources(p.remote[owner], cur)
		add, remove = appendSet(add, a), appendSet(remove, rm)
	}
	p.remote = desired
	if !remove.empty() {
		r.sendSources(ctx, p, jingle.ActionSourceRemove, remove)
	}
	if !add.empty() {
		r.sendSources(ctx, p, jingle.ActionSourceAdd, add)
	}
}

func (r *room) sendSources(ctx context.Context, p *participant, action string, s sourceSet) {
	j := &jingle.Jingle{Action: action, SID: p.sid, Contents: s.contents()}
	iq, err := jingleIQ(r.occupant(p.nick), j)
	if err != nil {
		r.log.Error("encoding sources failed", "endpoint", p.nick, "err", err)
		return
	}
	r.log.Debug("sources sent", "endpoint", p.nick, "action", action)
	r.f.send(ctx, iq)
}
