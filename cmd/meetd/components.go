package main

import (
	"fmt"
	"log/slog"

	"meetd/xmpp"
	"meetd/xmpp/avmoderation"
	"meetd/xmpp/breakout"
	"meetd/xmpp/endconference"
	"meetd/xmpp/muc"
	"meetd/xmpp/polls"
	"meetd/xmpp/roomcomp"
	"meetd/xmpp/roommetadata"
	"meetd/xmpp/speakerstats"
)

// roomComponent is a room component to register: its address prefix (as
// Prosody's Jitsi configuration names them), disco identity, the component
// and, when it follows the rooms, its MUC hook.
type roomComponent struct {
	prefix, identity string
	c                xmpp.Component
	hook             muc.Hook
}

// addComponents serves the room components at <prefix>.<domain> and
// announces them in disco (docs/room-components.md). The focus follows the
// AV moderation component at "avmoderation."+domain (focus.Config default).
func addComponents(xs *xmpp.Server, domain string, log *slog.Logger) error {
	// Breakout rooms are conferences in their own MUC, which the breakout
	// component shares its address with (focus.Config.BreakoutMUCDomain).
	if err := xs.AddConferenceMUC("breakout." + domain); err != nil {
		return fmt.Errorf("breakout MUC: %w", err)
	}
	rooms := roomcomp.Rooms{MUCs: xs.ConferenceMUCs}
	out := xs.Deliverer()
	addr := func(prefix string) string { return prefix + "." + domain }
	av := avmoderation.New(addr("avmoderation"), rooms, out, log)
	ss := speakerstats.New(addr("speakerstats"), rooms, out, log)
	pl := polls.New(addr("polls"), rooms, out, log)
	md := roommetadata.New(addr("metadata"), rooms, out, log)
	br := breakout.New(addr("breakout"), rooms, out, log)
	ec := endconference.New(addr("endconference"), rooms, out, log)
	ec.Breakouts = br.Of
	list := []roomComponent{
		{"avmoderation", avmoderation.Identity, av, av.Hook},
		{"endconference", endconference.Identity, ec, nil},
		{"speakerstats", speakerstats.Identity, ss, ss.Hook},
		{"polls", polls.Identity, pl, pl.Hook},
		{"metadata", roommetadata.Identity, md, md.Hook},
		{"breakout", breakout.Identity, br, br.Hook},
	}
	for _, m := range xs.ConferenceMUCs() {
		m.AddRoomInfo(br.RoomInfo)
	}
	for _, rc := range list {
		if err := xs.AddComponent(addr(rc.prefix), rc.identity, rc.c); err != nil {
			return fmt.Errorf("component %s: %w", rc.identity, err)
		}
		if rc.hook == nil {
			continue
		}
		for _, m := range xs.ConferenceMUCs() {
			m.AddHook(rc.hook)
		}
	}
	return nil
}
