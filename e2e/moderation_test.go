package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// muteSettle is how long a receiver's byte count must stand still to count as stopped.
const muteSettle = 3 * time.Second

// TestModerationRemoteMute: a moderator mutes a participant's audio with lib-jitsi-meet's muteParticipant
// (the mute IQ to the focus, docs/moderation.md). The muted client sees its audio track muted, and every
// receiver's bytesReceived of its audio stops growing — also after the page turns its WebRTC track back on
// behind the library's back (a modified client that keeps sending), because the bridge drops it. When the
// client unmutes through the library (its self-unmute IQ) the audio flows again. A non-moderator's mute
// request changes nothing.
func TestModerationRemoteMute(t *testing.T) {
	s := newSession(t)
	pages := []int{0, 1, 2}
	ids := s.moderatedCall("remotemute", pages, true)
	const target = 1
	receivers := []int{0, 2}

	// Page 2 is no moderator: its request is refused and page 0 stays unmuted.
	s.mustEval(2, fmt.Sprintf(`(meetdTest.conference().muteParticipant(%q, "audio"), true)`, ids[0]))

	s.mustEval(0, fmt.Sprintf(`(meetdTest.conference().muteParticipant(%q, "audio"), true)`, ids[target]))
	s.waitLocalMuted(target, "audio", true)
	s.waitAudioStopped(receivers, target)

	// The modified client: the WebRTC track is enabled again without telling anyone.
	s.mustEval(target, `(meetdTest.conference().getLocalAudioTrack().getTrack().enabled = true, true)`)
	s.waitAudioStopped(receivers, target)

	if muted := s.localMuted(0, "audio"); muted {
		t.Errorf("page 0 was muted by a non-moderator's request")
	}
	s.waitHears(receivers[1:], 0)

	// The library's own mute state is the WebRTC track's enabled flag: put it back before unmuting properly.
	s.mustEval(target, `(meetdTest.conference().getLocalAudioTrack().getTrack().enabled = false, true)`)
	s.mustEval(target, `meetdTest.conference().getLocalAudioTrack().unmute().then(() => true)`)
	s.waitLocalMuted(target, "audio", false)
	s.waitHears(receivers, target)
}

// moderatedCall joins pages to room, waits until they see each other (and, with media, until media
// flows) and until page 0, the first, is moderator; it returns the pages' participant ids.
func (s *session) moderatedCall(room string, pages []int, media bool) map[int]string {
	s.t.Helper()
	for _, p := range pages {
		s.join(p, room)
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	if media {
		s.waitMedia(pages)
	}
	s.waitModerator(pages[0])
	return ids
}

// mustEval evaluates expr on page and fails the test on error.
func (s *session) mustEval(page int, expr string) {
	s.t.Helper()
	var out any
	if err := s.eval(page, expr, &out); err != nil {
		s.t.Fatalf("page %d: %s: %v", page, expr, err)
	}
}

// waitModerator waits until page is a moderator.
func (s *session) waitModerator(page int) {
	s.t.Helper()
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(page)
		return err == nil && st.Moderator, err
	})
	if err != nil {
		s.t.Fatalf("page %d never became moderator: %v", page, err)
	}
}

// localMuted reports whether the page's local track of kind is muted in the library.
func (s *session) localMuted(page int, kind string) bool {
	var muted bool
	expr := fmt.Sprintf(`(() => { const t = meetdTest.conference().getLocalTracks().find(t => t.getType() === %q); return Boolean(t && t.isMuted()); })()`, kind)
	if err := s.eval(page, expr, &muted); err != nil {
		s.t.Fatalf("page %d: local track state: %v", page, err)
	}
	return muted
}

func (s *session) waitLocalMuted(page int, kind string, want bool) {
	s.t.Helper()
	err := poll(mediaLimit, func() (bool, error) { return s.localMuted(page, kind) == want, nil })
	if err != nil {
		s.t.Fatalf("page %d: local %s muted never became %v: %v", page, kind, want, err)
	}
}

// audioFrom returns what each receiver received so far of the sender's audio (-1: no such stream).
func (s *session) audioFrom(receivers []int, sender int) map[int]int64 {
	src, err := s.stats(sender)
	if err != nil || src == nil {
		s.t.Fatalf("page %d stats: %v", sender, err)
	}
	sent := src.sent("audio")
	out := map[int]int64{}
	for _, p := range receivers {
		out[p] = -1
		st, err := s.stats(p)
		if err != nil || st == nil {
			continue
		}
		for _, r := range st.Inbound {
			if r.Kind == "audio" && sent[r.SSRC] {
				out[p] = r.Bytes
			}
		}
	}
	return out
}

// waitAudioStopped waits until no receiver's byte count of the sender's audio grows over muteSettle.
func (s *session) waitAudioStopped(receivers []int, sender int) {
	s.t.Helper()
	err := poll(mediaLimit+muteSettle, func() (bool, error) {
		before := s.audioFrom(receivers, sender)
		time.Sleep(muteSettle)
		after := s.audioFrom(receivers, sender)
		for _, p := range receivers {
			if after[p] != before[p] {
				s.t.Logf("page %d still receives page %d's audio: %d -> %d bytes", p, sender, before[p], after[p])
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		s.t.Fatalf("page %d's audio did not stop at %v: %v", sender, receivers, err)
	}
}

// waitHears waits until every receiver's byte count of the sender's audio grows.
func (s *session) waitHears(receivers []int, sender int) {
	s.t.Helper()
	before := s.audioFrom(receivers, sender)
	err := poll(mediaLimit, func() (bool, error) {
		now := s.audioFrom(receivers, sender)
		for _, p := range receivers {
			if now[p] <= before[p] {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		s.t.Fatalf("pages %v do not hear page %d: %v", receivers, sender, err)
	}
}

// sendRaw sends a stanza (XML text in jabber:client) over the page's own XMPP connection, for what the
// 2021 library has no API for.
func (s *session) sendRaw(page int, xml string) {
	s.t.Helper()
	s.mustEval(page, fmt.Sprintf(`(meetdTest.conference().xmpp.connection.send(
		new DOMParser().parseFromString(%q, "text/xml").documentElement), true)`, xml))
}

// TestModerationEndMeeting: a non-moderator's <end_conference/> to the end-conference component
// (docs/moderation.md) changes nothing; the moderator's ends the conference on every page with the
// destroy reason. lib-jitsi-meet 2.6726.2 has no API for it, so the page sends the stanza the current
// client sends over its own connection.
func TestModerationEndMeeting(t *testing.T) {
	s := newSession(t)
	pages := []int{0, 1, 2}
	s.moderatedCall("endmeeting", pages, false)
	const end = `<message xmlns="jabber:client" to="endconference.localhost"><end_conference/></message>`
	s.sendRaw(2, end)
	time.Sleep(2 * time.Second)
	for _, p := range pages {
		if st, err := s.status(p); err != nil || len(st.Errors) > 0 || st.Stage != "joined" {
			t.Fatalf("page %d after a non-moderator's end_conference: %v %+v", p, err, st.Errors)
		}
	}
	s.sendRaw(0, end)
	err := poll(leaveLimit, func() (bool, error) {
		for _, p := range pages {
			st, err := s.status(p)
			if err != nil || !hasError(st, "conference.destroyed") || !hasError(st, "The meeting has been terminated") {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the meeting did not end on every page: %v\n%s", err, s.describeAll(pages))
	}
	s.waitMeetdLog("the room is gone", "room destroyed by owner", "room=endmeeting@conference.localhost")
}

func hasError(st pageStatus, part string) bool {
	for _, e := range st.Errors {
		if strings.Contains(e, part) {
			return true
		}
	}
	return false
}

// watchAV records the page's AV moderation events in window.avEvents.
func (s *session) watchAV(page int) {
	s.t.Helper()
	s.mustEval(page, `(() => {
		window.avEvents = [];
		const c = meetdTest.conference();
		c.on("conference.av_moderation.changed", e => window.avEvents.push("changed " + e.enabled + " " + e.mediaType));
		c.on("conference.av_moderation.approved", e => window.avEvents.push("approved " + e.mediaType));
		return true;
	})()`)
}

func (s *session) waitAVEvent(page int, want string) {
	s.t.Helper()
	err := poll(mediaLimit, func() (bool, error) {
		var evs []string
		err := s.eval(page, `window.avEvents`, &evs)
		return err == nil && contains(evs, want), err
	})
	if err != nil {
		s.t.Fatalf("page %d never saw AV moderation event %q: %v", page, want, err)
	}
}

// TestModerationAskToUnmute: lib-jitsi-meet finds the AV moderation component through disco; the moderator
// turns audio moderation on; the others are told, muted by the focus, and the bridge drops their audio: a
// page that turns its WebRTC track on anyway and asks the focus to unmute it is refused and not heard. The
// moderator approves it; it is told, unmutes through the library, and is heard again.
func TestModerationAskToUnmute(t *testing.T) {
	s := newSession(t)
	pages := []int{0, 1, 2}
	ids := s.moderatedCall("asktounmute", pages, true)
	var supported bool
	if err := s.eval(1, `meetdTest.conference().isAVModerationSupported()`, &supported); err != nil || !supported {
		t.Fatalf("the library did not find the AV moderation component in disco: %v %v", supported, err)
	}
	for _, p := range pages {
		s.watchAV(p)
	}
	const blocked = 1
	s.mustEval(0, `(meetdTest.conference().enableAVModeration("audio"), true)`)
	s.waitAVEvent(blocked, "changed true audio")
	s.waitAVEvent(2, "changed true audio")
	s.waitLocalMuted(blocked, "audio", true)
	s.waitAudioStopped([]int{0, 2}, blocked)

	// The modified client: track on, and a self-unmute request the focus refuses.
	s.mustEval(blocked, `(meetdTest.conference().getLocalAudioTrack().getTrack().enabled = true, true)`)
	var answer string
	err := s.eval(blocked, `new Promise(resolve => {
		const room = meetdTest.conference().room;
		const iq = new DOMParser().parseFromString('<iq xmlns="jabber:client" type="set" to="' + room.focusMucJid +
			'"><mute xmlns="http://jitsi.org/jitmeet/audio" jid="' + room.myroomjid + '">false</mute></iq>', "text/xml").documentElement;
		room.connection.sendIQ(iq, () => resolve("result"), e => resolve(e && e.querySelector ? (e.querySelector("error > *") || {}).tagName || "error" : "timeout"));
	})`, &answer)
	if err != nil || answer != "not-allowed" {
		t.Fatalf("self-unmute under AV moderation: answer %q, err %v", answer, err)
	}
	s.waitAudioStopped([]int{0, 2}, blocked)

	s.mustEval(0, fmt.Sprintf(`(meetdTest.conference().avModerationApprove("audio", %q), true)`, ids[blocked]))
	s.waitAVEvent(blocked, "approved audio")
	s.mustEval(blocked, `(meetdTest.conference().getLocalAudioTrack().getTrack().enabled = false, true)`)
	s.mustEval(blocked, `meetdTest.conference().getLocalAudioTrack().unmute().then(() => true)`)
	s.waitHears([]int{0, 2}, blocked)
}

// TestSpeakerStatsLateJoiner: two pages talk (fake audio) for a while; the clients report their dominant
// speaker turns to the speaker stats component they found through disco; a page that joins later gets
// everyone's speaking time from the component at once: more than it could have measured itself since joining.
func TestSpeakerStatsLateJoiner(t *testing.T) {
	s := newSession(t)
	early := []int{0, 1}
	ids := s.moderatedCall("speakerstats", early, true)
	const talk = 8 * time.Second
	time.Sleep(talk)
	s.join(2, "speakerstats")
	joined := time.Now()
	ids[2] = s.waitJoined([]int{2})[2]
	var supported bool
	if err := s.eval(2, `Boolean(meetdTest.conference().xmpp.speakerStatsComponentAddress)`, &supported); err != nil || !supported {
		t.Fatalf("page 2's library did not find the speaker stats component: %v", err)
	}
	var total int64
	err := poll(mediaLimit, func() (bool, error) {
		err := s.eval(2, fmt.Sprintf(`(() => { const st = meetdTest.conference().getSpeakerStats();
			return (st[%q] ? st[%q].getTotalDominantSpeakerTime() : 0) + (st[%q] ? st[%q].getTotalDominantSpeakerTime() : 0); })()`,
			ids[0], ids[0], ids[1], ids[1]), &total)
		return err == nil && total > 0, err
	})
	measured := time.Since(joined)
	if err != nil || time.Duration(total)*time.Millisecond <= measured {
		t.Fatalf("late joiner's speaker stats: %d ms of earlier speaking after %v in the room (%v)", total, measured, err)
	}
	t.Logf("late joiner sees %d ms of speaking time, %v after joining", total, measured.Round(time.Millisecond))
}

// componentJSON returns the JSON texts the page received from a component address.
func (s *session) componentJSON(page int, from string) []string {
	var msgs []struct{ From, JSON string }
	if err := s.eval(page, `meetdTest.componentMessages()`, &msgs); err != nil {
		s.t.Fatalf("page %d component messages: %v", page, err)
	}
	var out []string
	for _, m := range msgs {
		if m.From == from {
			out = append(out, m.JSON)
		}
	}
	return out
}

func (s *session) waitComponentJSON(page int, from string, parts ...string) {
	s.t.Helper()
	err := poll(mediaLimit, func() (bool, error) {
		for _, j := range s.componentJSON(page, from) {
			if containsAll(j, parts) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		s.t.Fatalf("page %d never got %v from %s; got %q", page, parts, from, s.componentJSON(page, from))
	}
}

// TestPollsLateJoiner: polls at the protocol level of the current Jitsi clients (lib-jitsi-meet 2.6726.2
// predates the polls component; its pages send the current client's messages over their own connections):
// page 0 creates a poll at polls.localhost, everyone gets it, page 1 answers; page 2 joins later and gets
// the poll with page 1's vote ("old-polls") right after joining.
func TestPollsLateJoiner(t *testing.T) {
	s := newSession(t)
	ids := s.moderatedCall("polls", []int{0, 1}, false)
	const comp = "polls.localhost"
	poll := `{"type":"polls","command":"new-poll","pollId":"lunch1","question":"Lunch?","answers":[{"name":"Pizza"},{"name":"Soup"}]}`
	send := func(page int, json string) {
		s.sendRaw(page, `<message xmlns="jabber:client" to="`+comp+`"><json-message xmlns="http://jitsi.org/jitmeet">`+json+`</json-message></message>`)
	}
	send(0, poll)
	s.waitComponentJSON(1, comp, `"command":"new-poll"`, `"question":"Lunch?"`, `"senderId":"`+ids[0]+`"`)
	send(1, `{"type":"polls","command":"answer-poll","pollId":"lunch1","answers":[false,true]}`)
	s.waitComponentJSON(0, comp, `"command":"answer-poll"`, `"senderId":"`+ids[1]+`"`)
	s.join(2, "polls")
	s.waitJoined([]int{2})
	s.waitComponentJSON(2, comp, `"command":"old-polls"`, `"question":"Lunch?"`, `"name":"Soup","voters":[{"id":"`+ids[1]+`"`)
}

// TestStartMutedThreshold: config.js startAudioMuted = 2 (set through [web.config]); lib-jitsi-meet sends it
// in its conference request; the focus tells the third joiner, and only it, to start with audio muted
// (<startmuted/> in its session-initiate), and the library mutes its audio track.
func TestStartMutedThreshold(t *testing.T) {
	s := newSessionConfig(t, "[web.config]", "startAudioMuted = 2")
	pages := []int{0, 1, 2}
	for _, p := range pages {
		s.join(p, "startmuted")
		s.waitJoined([]int{p})
	}
	err := poll(mediaLimit, func() (bool, error) {
		var started bool
		err := s.eval(2, `meetdTest.conference().isStartAudioMuted()`, &started)
		return err == nil && started, err
	})
	if err != nil {
		t.Fatalf("the third joiner was not told to start audio muted: %v\n%s", err, s.describeAll(pages))
	}
	s.waitLocalMuted(2, "audio", true)
	for _, p := range pages[:2] {
		var started bool
		if err := s.eval(p, `meetdTest.conference().isStartAudioMuted()`, &started); err != nil || started {
			t.Errorf("page %d (within the threshold) started muted: %v %v", p, started, err)
		}
		if s.localMuted(p, "audio") {
			t.Errorf("page %d's audio is muted", p)
		}
	}
}

// TestRoomMetadata: room metadata at the protocol level of the current clients (lib-jitsi-meet 2.6726.2
// predates the component): a participant's update is refused; the moderator's reaches every page, and a
// later joiner gets the metadata right after joining.
func TestRoomMetadata(t *testing.T) {
	s := newSession(t)
	s.moderatedCall("metadata", []int{0, 1}, false)
	const comp = "metadata.localhost"
	set := func(page int, json string) {
		s.sendRaw(page, `<message xmlns="jabber:client" to="`+comp+`"><room_metadata xmlns="http://jitsi.org/jitmeet" room="metadata@conference.localhost">`+json+`</room_metadata></message>`)
	}
	set(1, `{"key":"fromGuest","data":true}`)
	set(0, `{"key":"startMuted","data":{"audio":true,"video":false}}`)
	s.waitComponentJSON(1, comp, `"type":"room_metadata"`, `"startMuted":{"audio":true,"video":false}`)
	s.join(2, "metadata")
	s.waitJoined([]int{2})
	s.waitComponentJSON(2, comp, `"startMuted":{"audio":true,"video":false}`)
	for _, p := range []int{1, 2} {
		for _, j := range s.componentJSON(p, comp) {
			if strings.Contains(j, "fromGuest") {
				t.Errorf("page %d got a non-moderator's metadata: %s", p, j)
			}
		}
	}
}

// breakoutRooms returns the rooms of the page's latest breakout rooms update: JID -> participants' real JIDs.
func (s *session) breakoutRooms(page int) map[string][]string {
	var rooms map[string][]string
	err := s.eval(page, `(() => { const br = meetdTest.conference().getBreakoutRooms(); const out = {};
		for (const r of Object.values((br && br._rooms) || {})) { out[r.jid] = Object.values(r.participants || {}).map(p => p.jid); }
		return out; })()`, &rooms)
	if err != nil {
		s.t.Fatalf("page %d breakout rooms: %v", page, err)
	}
	return rooms
}

func (s *session) waitBreakoutRooms(page int, what string, ok func(map[string][]string) bool) map[string][]string {
	s.t.Helper()
	var last map[string][]string
	err := poll(joinLimit, func() (bool, error) {
		last = s.breakoutRooms(page)
		return ok(last), nil
	})
	if err != nil {
		s.t.Fatalf("page %d: breakout rooms never showed %s: %v (last %v)", page, what, err, last)
	}
	return last
}

// TestBreakoutRooms: with lib-jitsi-meet's BreakoutRooms (2021 npm build) the moderator creates a breakout
// room at the breakout component it found through disco and moves two participants there; they follow the
// move-to-room event (leave, join the breakout room as the web app does), the focus runs a conference there
// and they exchange media; the main room's participant list (the update) shows them in the breakout room.
// Then the moderator moves them back and they exchange media with the moderator again; finally the
// breakout room is removed. A non-moderator's create is refused.
func TestBreakoutRooms(t *testing.T) {
	s := newSession(t)
	pages := []int{0, 1, 2}
	s.moderatedCall("breakout", pages, true)
	const main = "breakout@conference.localhost"
	var supported bool
	if err := s.eval(1, `meetdTest.conference().getBreakoutRooms().isSupported()`, &supported); err != nil || !supported {
		t.Fatalf("the library did not find the breakout rooms component: %v", err)
	}
	follow := func(pages []int) { // the web app's reaction to a move, on each page's current conference
		for _, p := range pages {
			s.mustEval(p, `(meetdTest.conference().on("conference.breakout-rooms.move-to-room", j => meetdTest.moveTo(j)), true)`)
		}
	}
	follow(pages[1:])
	s.sendRaw(1, `<message xmlns="jabber:client" to="breakout.localhost"><breakout_rooms type="features/breakout-rooms/add" subject="Forged"/></message>`)
	s.mustEval(0, `(meetdTest.conference().getBreakoutRooms().createBreakoutRoom("Side"), true)`)
	// Page 1's forged create went first: had it counted there would be three rooms, never two.
	rooms := s.waitBreakoutRooms(0, "the new room and all three in the main room", func(r map[string][]string) bool {
		return len(r) == 2 && len(r[main]) == 3
	})
	var side string
	for j := range rooms {
		if j != main {
			side = j
		}
	}
	for _, real := range rooms[main] {
		var mine string
		_ = s.eval(1, `meetdTest.conference().xmpp.connection.jid`, &mine)
		var theirs string
		_ = s.eval(2, `meetdTest.conference().xmpp.connection.jid`, &theirs)
		if real == mine || real == theirs {
			s.mustEval(0, fmt.Sprintf(`(meetdTest.conference().getBreakoutRooms().sendParticipantToRoom(%q, %q), true)`, real, side))
		}
	}
	s.waitBreakoutRooms(0, "two participants in the breakout room", func(r map[string][]string) bool {
		return len(r[side]) == 2 && len(r[main]) == 1
	})
	inside := []int{1, 2}
	ids := s.waitJoined(inside)
	s.waitPeers(inside, ids)
	s.waitMedia(inside)
	s.waitMeetdLog("a conference in the breakout room", "focus joined the room", "room="+side)
	for _, p := range inside {
		var info struct {
			Is   bool   `json:"is"`
			Main string `json:"main"`
		}
		err := poll(mediaLimit, func() (bool, error) {
			err := s.eval(p, `(() => { const br = meetdTest.conference().getBreakoutRooms();
				return { is: br.isBreakoutRoom(), main: br.getMainRoomJid() || "" }; })()`, &info)
			return err == nil && info.Is && info.Main == main, err
		})
		if err != nil {
			t.Errorf("page %d does not know it is in a breakout room of %s: %+v %v", p, main, info, err)
		}
	}
	follow(inside)

	s.mustEval(0, fmt.Sprintf(`(() => { const br = meetdTest.conference().getBreakoutRooms();
		for (const p of Object.values(br._rooms[%q].participants)) { br.sendParticipantToRoom(p.jid, %q); } return true; })()`,
		strings.SplitN(side, "@", 2)[0], main))
	s.waitBreakoutRooms(0, "everyone back in the main room", func(r map[string][]string) bool {
		return len(r[main]) == 3 && len(r[side]) == 0
	})
	ids = s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	s.mustEval(0, fmt.Sprintf(`(meetdTest.conference().getBreakoutRooms().removeBreakoutRoom(%q), true)`, side))
	s.waitBreakoutRooms(0, "only the main room", func(r map[string][]string) bool { return len(r) == 1 })
}
