package e2e

import (
	"strings"
	"testing"
)

// TestRoomPassword: a moderator locks the room with lib-jitsi-meet's lock() (the muc#owner form with
// muc#roomconfig_roomsecret, docs/protocols.md#room-password); a participant joining without the password gets the
// library's password-required error and gets in with it.
func TestRoomPassword(t *testing.T) {
	s := newSession(t)
	ids := s.joinModerator(0, "lockedroom")
	var locked bool
	if err := s.eval(0, `meetdTest.conference().lock("1234").then(() => true)`, &locked); err != nil || !locked {
		t.Fatalf("lock: %v", err)
	}
	s.join(1, "lockedroom")
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(1)
		if err != nil {
			return false, err
		}
		if st.Stage == "joined" {
			t.Fatal("page 1 joined the locked room without the password")
		}
		for _, e := range st.Errors {
			if strings.Contains(e, "passwordRequired") {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no password-required error on page 1: %v", err)
	}
	var joined bool
	if err := s.eval(1, `(meetdTest.conference().join("1234"), true)`, &joined); err != nil {
		t.Fatalf("join with the password: %v", err)
	}
	// waitJoined would stop at the expected error, so page 1 is polled here.
	err = poll(joinLimit, func() (bool, error) {
		st, err := s.status(1)
		ids[1] = st.MyID
		return err == nil && st.Stage == "joined", err
	})
	if err != nil {
		t.Fatalf("page 1 did not join with the password: %v\n%s", err, s.describe(1))
	}
	s.waitPeers([]int{0, 1}, ids)
}
