package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// The lobby end to end with lib-jitsi-meet (docs/lobby.md): the room is members-only from the start
// ([rooms] lobby = true), the first participant enters and is made moderator, the next one knocks with
// JitsiConference.joinLobby and waits until the moderator's lobbyApproveAccess / lobbyDenyAccess.

const (
	errMembersOnly  = "conference.connectionError.membersOnly"
	errAccessDenied = "conference.connectionError.accessDenied"
)

// startLobbyCall starts meetd with the lobby on by default and page 0 in room, waiting until it is
// moderator, sees the room members-only and has joined the lobby room.
func startLobbyCall(t *testing.T, room string) (*session, map[int]string) {
	t.Helper()
	s := newSessionConfig(t, "[rooms]", "lobby = true")
	s.join(0, room)
	ids := s.waitJoined([]int{0})
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(0)
		return err == nil && st.Moderator && st.hasEvent("members only", "true"), err
	})
	if err != nil {
		t.Fatalf("page 0 is not a moderator of a members-only room: %v\n%s", err, s.describe(0))
	}
	s.waitMeetdLog("the moderator joined the lobby room", "lobby moderator joined", "room="+room+"@conference.localhost")
	return s, ids
}

// knock makes page join room, expects the members-only error and then knocks with name.
func (s *session) knock(page int, room, name string) {
	s.t.Helper()
	s.join(page, room)
	s.waitError(page, errMembersOnly)
	var ok bool
	if err := s.eval(page, fmt.Sprintf("meetdTest.conference().joinLobby(%q).then(() => true)", name), &ok); err != nil || !ok {
		s.t.Fatalf("page %d joinLobby: %v\n%s", page, err, s.describe(page))
	}
}

// waitError waits until page reports an error containing sub; it fails if the page joins instead.
func (s *session) waitError(page int, sub string) {
	s.t.Helper()
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(page)
		if err != nil {
			return false, err
		}
		if st.Stage == "joined" {
			return false, fmt.Errorf("page %d joined instead of getting %s", page, sub)
		}
		for _, e := range st.Errors {
			if strings.Contains(e, sub) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		s.t.Fatalf("waiting for %s on page %d: %v\n%s", sub, page, err, s.describe(page))
	}
}

// waitKnock waits until the moderator's page sees a knock by name and returns the lobby id.
func (s *session) waitKnock(mod int, name string) string {
	s.t.Helper()
	var id string
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(mod)
		for _, e := range st.Events {
			if e.Kind == "lobby user joined" && strings.HasSuffix(e.Detail, " "+name) {
				id = strings.TrimSuffix(e.Detail, " "+name)
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		s.t.Fatalf("moderator page %d saw no knock by %s: %v\n%s", mod, name, err, s.describe(mod))
	}
	return id
}

// waitJoinedAfterLobby waits until page is in the conference (waitJoined would stop at the lobby error).
func (s *session) waitJoinedAfterLobby(page int, ids map[int]string) {
	s.t.Helper()
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(page)
		ids[page] = st.MyID
		return err == nil && st.Stage == "joined", err
	})
	if err != nil {
		s.t.Fatalf("page %d did not enter: %v\n%s", page, err, s.describe(page))
	}
}

// TestLobbyKnockAdmit: a knock reaches the moderator with the typed name; once admitted, the participant
// enters without typing anything again and both sides get each other's video and audio.
func TestLobbyKnockAdmit(t *testing.T) {
	s, ids := startLobbyCall(t, "lobbyadmit")
	s.knock(1, "lobbyadmit", "Bob Knocker")
	id := s.waitKnock(0, "Bob Knocker")
	if st, _ := s.status(1); st.Stage == "joined" {
		t.Fatal("the knocking page joined before it was admitted")
	}
	if err := s.eval(0, fmt.Sprintf("(meetdTest.conference().lobbyApproveAccess(%q), true)", id), nil); err != nil {
		t.Fatalf("approve: %v", err)
	}
	s.waitJoinedAfterLobby(1, ids)
	s.waitPeers([]int{0, 1}, ids)
	s.waitMedia([]int{0, 1})
	s.waitEvent([]int{0}, "lobby user left", id)
}

// TestLobbyKnockReject: a rejected participant gets the library's access-denied outcome and never enters.
func TestLobbyKnockReject(t *testing.T) {
	s, ids := startLobbyCall(t, "lobbyreject")
	s.knock(1, "lobbyreject", "Mallory")
	id := s.waitKnock(0, "Mallory")
	if err := s.eval(0, fmt.Sprintf("(meetdTest.conference().lobbyDenyAccess(%q), true)", id), nil); err != nil {
		t.Fatalf("deny: %v", err)
	}
	s.waitError(1, errAccessDenied)
	s.waitEvent([]int{0}, "lobby user left", id)
	if st, err := s.status(0); err != nil || len(st.Participants) != 0 {
		t.Fatalf("moderator sees participants %v (%v) after the rejection; ids %v", st.Participants, err, ids)
	}
}

// TestLobbyPassword: with the room locked, a participant who knows the password enters with it instead
// of waiting in the lobby.
func TestLobbyPassword(t *testing.T) {
	s, ids := startLobbyCall(t, "lobbypassword")
	var locked bool
	if err := s.eval(0, `meetdTest.conference().lock("open sesame").then(() => true)`, &locked); err != nil || !locked {
		t.Fatalf("lock: %v", err)
	}
	s.join(1, "lobbypassword")
	s.waitError(1, errMembersOnly)
	if err := s.eval(1, `(meetdTest.conference().join("open sesame"), true)`, nil); err != nil {
		t.Fatalf("join with the password: %v", err)
	}
	s.waitJoinedAfterLobby(1, ids)
	s.waitPeers([]int{0, 1}, ids)
	s.waitMedia([]int{0, 1})
}

// TestLobbyModeratorResumes: the moderator's XMPP WebSocket drops and the library resumes its stream
// (XEP-0198): the lobby goes on — the knock from before the drop is still there to admit, and a knock
// after the resumption reaches the moderator, who admits it too.
func TestLobbyModeratorResumes(t *testing.T) {
	s, ids := startLobbyCall(t, "lobbyresume")
	s.knock(1, "lobbyresume", "Before Drop")
	early := s.waitKnock(0, "Before Drop")
	var cut bool
	if err := s.eval(0, "meetdTest.cutSocket()", &cut); err != nil || !cut {
		t.Fatalf("cut the WebSocket of page 0: %v (found: %v)", err, cut)
	}
	s.meetdLogLine("the moderator's session hibernated", "session hibernating")
	s.meetdLogLine("the moderator's session resumed", "session resumed")
	s.waitEvent([]int{0}, "reconnected", "")
	s.knock(2, "lobbyresume", "After Resume")
	late := s.waitKnock(0, "After Resume")
	for _, id := range []string{early, late} {
		if err := s.eval(0, fmt.Sprintf("(meetdTest.conference().lobbyApproveAccess(%q), true)", id), nil); err != nil {
			t.Fatalf("approve %s: %v", id, err)
		}
	}
	s.waitJoinedAfterLobby(1, ids)
	s.waitJoinedAfterLobby(2, ids)
	s.waitPeers([]int{0, 1, 2}, ids)
}

// TestLobbySwitch: with the lobby off for new rooms, the moderator turns it on as the security dialog
// does (enableLobby: members-only owner form); the next participant knocks; the moderator turns it off
// (disableLobby) and the waiting participant enters by itself.
func TestLobbySwitch(t *testing.T) {
	s := newSession(t)
	ids := s.joinModerator(0, "lobbyswitch")
	var on bool
	if err := s.eval(0, `meetdTest.conference().enableLobby().then(() => true)`, &on); err != nil || !on {
		t.Fatalf("enableLobby: %v\n%s", err, s.describe(0))
	}
	s.waitEvent([]int{0}, "members only", "true")
	s.knock(1, "lobbyswitch", "Patient")
	s.waitKnock(0, "Patient")
	if err := s.eval(0, `(meetdTest.conference().disableLobby(), true)`, nil); err != nil {
		t.Fatalf("disableLobby: %v", err)
	}
	s.waitEvent([]int{0}, "members only", "false")
	s.waitJoinedAfterLobby(1, ids)
	s.waitPeers([]int{0, 1}, ids)
}

// joinModerator joins page to room as its first participant and waits until it is moderator; it returns
// the page's participant id in a map for the other pages' ids.
func (s *session) joinModerator(page int, room string) map[int]string {
	s.t.Helper()
	s.join(page, room)
	ids := s.waitJoined([]int{page})
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(page)
		return err == nil && st.Moderator, err
	})
	if err != nil {
		s.t.Fatalf("page %d never became moderator: %v", page, err)
	}
	return ids
}
