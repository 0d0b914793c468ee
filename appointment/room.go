package appointment

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// Room names: roomPrefix and 26 base32 characters (lower case) encoding
// roomBytes random bytes from crypto/rand, nothing derived from names or
// times. 128 bits cannot be enumerated, and a room that has this shape is
// an appointment room, which only its tokens may enter (IsRoom).
const (
	roomPrefix = "s-"
	roomBytes  = 16
)

var roomEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRoom returns a fresh room name with 128 bits of randomness.
func newRoom() string {
	b := make([]byte, roomBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return roomPrefix + strings.ToLower(roomEncoding.EncodeToString(b))
}

// roomLen is the length of a room name.
var roomLen = len(roomPrefix) + roomEncoding.EncodedLen(roomBytes)

// IsRoom reports whether a conference room name (the MUC localpart) has the
// shape of an appointment room. Such rooms admit only holders of a token
// for that very room; the XMPP server asks this before a join.
func IsRoom(name string) bool {
	if len(name) != roomLen || !strings.HasPrefix(name, roomPrefix) {
		return false
	}
	for _, r := range name[len(roomPrefix):] {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
