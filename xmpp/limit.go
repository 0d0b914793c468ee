package xmpp

// Default limits (docs/bad-input.md#limits). NewServer applies them to zero
// Limits fields; a negative value turns a limit off.
const (
	DefaultStanzaRate      = 50       // stanzas per second per client session
	DefaultStanzaBurst     = 200      // stanzas a session may send at once
	DefaultBytesPerSecond  = 32 << 10 // stanza bytes per second per client session
	DefaultConnsPerIP      = 100      // concurrent client streams per IP address
	DefaultLoginsPerMinute = 120      // SASL attempts per IP address per minute
	DefaultPreAuthStreams  = 2000     // client streams not logged in, server-wide
	DefaultJoinRate        = 5        // MUC joins per room per second
	DefaultJoinBurst       = 20       // joins a room accepts at once
	DefaultMaxOccupants    = 100      // occupants per room, service accounts not counted
	// DefaultWebSocketFragments: data frames one WebSocket message may
	// span (Prosody's websocket_frame_fragment_limit).
	DefaultWebSocketFragments = 8
)

// maxIPEntries is the size of the per-IP table beyond which entries without
// open streams are dropped (limit_ip.go).
const maxIPEntries = 10000

// Limits bound what one client session, one IP address or one room may use.
// Zero fields get the defaults above; negative ones turn the limit off.
// Service accounts (users of AuthDomain) and in-process sessions are exempt
// from the session rate, room size and join rate.
type Limits struct {
	// StanzaRate and StanzaBurst form a token bucket per client session;
	// when it is empty the server stops reading from that session.
	StanzaRate  float64
	StanzaBurst int
	// BytesPerSecond is a byte budget per client session (stanza sizes;
	// the burst is the stanza size limit, so any legal stanza passes);
	// the server stops reading from a session over it.
	BytesPerSecond int
	// ConnsPerIP caps concurrent client streams from one IP address.
	ConnsPerIP int
	// LoginsPerMinute caps SASL attempts from one IP address (bucket of
	// that size, refilled over a minute).
	LoginsPerMinute int
	// PreAuthStreams bounds the client streams that have not bound a
	// resource, server-wide; beyond it the oldest stream of the address
	// with the most such streams ends with resource-constraint.
	PreAuthStreams int
	// JoinRate and JoinBurst throttle MUC joins per room; joins over the
	// rate wait in a short queue and are refused when it is too long.
	JoinRate  float64
	JoinBurst int
	// MaxOccupants caps the occupants of one room.
	MaxOccupants int
	// WebSocketFragments caps the frames (the first plus continuations) of
	// one WebSocket message; the stream ends with policy-violation and
	// close code 1008 beyond it.
	WebSocketFragments int
}

func (l Limits) withDefaults() Limits {
	setF := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	setI := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setF(&l.StanzaRate, DefaultStanzaRate)
	setI(&l.StanzaBurst, DefaultStanzaBurst)
	setI(&l.BytesPerSecond, DefaultBytesPerSecond)
	setI(&l.ConnsPerIP, DefaultConnsPerIP)
	setI(&l.LoginsPerMinute, DefaultLoginsPerMinute)
	setI(&l.PreAuthStreams, DefaultPreAuthStreams)
	setF(&l.JoinRate, DefaultJoinRate)
	setI(&l.JoinBurst, DefaultJoinBurst)
	setI(&l.MaxOccupants, DefaultMaxOccupants)
	setI(&l.WebSocketFragments, DefaultWebSocketFragments)
	return l
}
