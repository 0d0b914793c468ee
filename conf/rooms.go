package conf

// Rooms configures the conference rooms ([rooms]).
type Rooms struct {
	// Lobby turns the lobby on for every new room: whoever arrives after
	// the room's first participant (or host) waits until a moderator admits
	// them (docs/lobby.md). Moderators can switch it off per room.
	Lobby bool `toml:"lobby"`
}

func defaultRooms() Rooms { return Rooms{Lobby: true} }
