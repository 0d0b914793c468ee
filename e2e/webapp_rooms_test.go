package e2e

// Room features in the complete Jitsi Meet web app (issue 10): breakout rooms, polls, speaker stats and
// "End meeting for all", driven through the app's own buttons (selectors from the jitsi-meet sources and
// its tests/pageobjects). Each test skips without MEETD_E2E_WEBAPP_DIR (see webapp_ui_test.go).

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// enterRooms joins one page per name into room (page i is names[i]; page 0 first, so it is moderator)
// and waits until every page decodes video and hears audio from every other; it returns the endpoint ids.
func (w *webUI) enterRooms(room string, names []string) []string {
	w.t.Helper()
	ids := make([]string, len(names))
	for i, name := range names {
		w.join(i, room, name)
		w.waitJoined(i)
		ids[i] = w.endpoint(i)
	}
	if !w.isModerator(0) {
		w.t.Fatal("page 0: the first participant is not moderator")
	}
	w.waitAllMedia(ids, len(names))
	return ids
}

// waitAllMedia waits until each of the first n pages receives video and audio from each other one.
func (w *webUI) waitAllMedia(ids []string, n int) {
	w.t.Helper()
	for i := range n {
		for j := range n {
			if i != j {
				w.waitGotMedia(i, ids[j])
			}
		}
	}
}

// waitGotMedia waits until page has decoded more than 30 video frames from endpoint and received its
// audio, and then until both still grow (the call goes on, not just its start).
func (w *webUI) waitGotMedia(page int, endpoint string) {
	w.t.Helper()
	r := w.waitMediaFrom(page, endpoint)
	var n remoteMedia
	err := poll(60*time.Second, func() (bool, error) {
		n = w.mediaFrom(page, endpoint)
		return n.Frames > r.Frames && n.AudioBytes > r.AudioBytes, nil
	})
	if err != nil {
		w.t.Fatalf("page %d: video and audio from %s stopped growing: %v (%+v, then %+v)", page, endpoint, err, r, n)
	}
}

// menuButton clicks the toolbar button whose aria-label starts with label, in the toolbar or else in its
// "More actions" menu. The pages keep the toolbar shown (roomURL), so nothing is hovered
// first: with three participants a thumbnail's video lies over the large video and takes the mouse.
func (w *webUI) menuButton(page int, label string) {
	w.t.Helper()
	sel := fmt.Sprintf(`[aria-label^=%q]`, label)
	var direct bool
	if err := w.eval(page, visibleJS(sel), &direct); err != nil {
		w.t.Fatalf("page %d: toolbar: %v", page, err)
	}
	if !direct {
		w.click(page, `[aria-label="More actions"]`)
		w.waitVisible(page, webUITimeout, `[aria-label="More actions menu"]`)
	}
	w.click(page, sel)
}

// roomJID returns the MUC room page's conference is in ("" when it is in none).
func (w *webUI) roomJID(page int) string {
	w.t.Helper()
	var jid string
	js := `(() => { const c = window.APP && APP.conference && APP.conference._room; ` +
		`return c && c.isJoined() ? c.room.roomjid : ''; })()`
	if err := w.eval(page, js, &jid); err != nil {
		w.t.Fatalf("page %d: room: %v", page, err)
	}
	return jid
}

// waitRoomJID waits until page's conference is in a room whose JID satisfies ok.
func (w *webUI) waitRoomJID(page int, what string, ok func(string) bool) string {
	w.t.Helper()
	var jid string
	err := poll(90*time.Second, func() (bool, error) {
		js := `(() => { const c = window.APP && APP.conference && APP.conference._room; ` +
			`return c && c.isJoined() ? c.room.roomjid : ''; })()`
		err := w.eval(page, js, &jid)
		if err != nil && strings.Contains(err.Error(), "navigat") {
			return false, nil
		}
		return ok(jid), err
	})
	if err != nil {
		w.t.Fatalf("page %d: not %s (room %q): %v", page, what, jid, err)
	}
	return jid
}

// showParticipants opens the participants pane unless it is open.
func (w *webUI) showParticipants(page int) {
	w.t.Helper()
	var open bool
	if err := w.eval(page, visibleJS("#participants-pane"), &open); err != nil {
		w.t.Fatalf("page %d: participants pane: %v", page, err)
	}
	if !open {
		w.menuButton(page, "Open participants pane")
		w.waitVisible(page, webUITimeout, "#participants-pane")
	}
}

// breakoutRoomsShown returns the breakout rooms page's participants pane lists: each room's title as
// shown ("Breakout room #1 (2)") by its id (the web app's room id; its JID is in the app's state).
func (w *webUI) breakoutRoomsShown(page int) map[string]string {
	w.t.Helper()
	var rooms map[string]string
	js := `(() => { const r = {}; document.querySelectorAll('.breakout-room-container').forEach(e => {
		const s = e.querySelector('span'); r[e.getAttribute('data-testid')] = s ? s.textContent : ''; }); return r; })()`
	if err := w.eval(page, js, &rooms); err != nil {
		w.t.Fatalf("page %d: breakout rooms: %v", page, err)
	}
	return rooms
}

// waitBreakoutRoomsShown waits until the rooms page's pane lists satisfy ok.
func (w *webUI) waitBreakoutRoomsShown(page int, what string, ok func(map[string]string) bool) map[string]string {
	w.t.Helper()
	var rooms map[string]string
	err := poll(60*time.Second, func() (bool, error) {
		rooms = w.breakoutRoomsShown(page)
		return ok(rooms), nil
	})
	if err != nil {
		w.t.Fatalf("page %d: the participants pane never showed %s (last %v)", page, what, rooms)
	}
	return rooms
}

// sendToRoom moves the participant endpoint to the room named roomName with page's participant context
// menu ("Send participant to:"). On a loaded machine the menu sometimes shows no room within 60 s (it
// closed again); it is opened up to three times.
func (w *webUI) sendToRoom(page int, endpoint, roomName string) {
	w.t.Helper()
	w.showParticipants(page)
	item := fmt.Sprintf(`[aria-label=%q]`, roomName)
	for try := 1; ; try++ {
		w.hover(page, "#participant-item-"+endpoint)
		w.click(page, fmt.Sprintf(`[data-testid="participant-more-options-%s"]`, endpoint))
		err := w.tryClick(page, item, 20*time.Second)
		if err == nil {
			return
		}
		if try == 3 {
			w.t.Fatalf("page %d: no %s in %s's menu after %d tries: %v", page, roomName, endpoint, try, err)
		}
		w.t.Logf("page %d: %s's menu without %s (try %d, loaded machine): %v", page, endpoint, roomName, try, err)
	}
}

// tryClick clicks the first element matching selector once it is clickable, within limit.
func (w *webUI) tryClick(page int, selector string, limit time.Duration) error {
	ctx, cancel := w.ctx()
	defer cancel()
	_, err := w.d.call(ctx, map[string]any{"op": "click", "page": page, "selector": selector, "timeout": limit.Milliseconds()})
	return err
}

// moveTo sends page p's participant (endpoint) to the room named roomName from the moderator's page mod,
// and waits until page p is in roomJID. On a machine so loaded that a page's JavaScript starves, a move
// was once not carried out within 90 s; the menu is then used once more (logged), and meetd's breakout
// log lines are printed if that fails too.
func (w *webUI) moveTo(mod, p int, endpoint, roomName, roomJID string) {
	w.t.Helper()
	in := func(j string) bool { return j == roomJID }
	w.sendToRoom(mod, endpoint, roomName)
	if w.pollRoomJID(p, 90*time.Second, in) {
		return
	}
	w.t.Logf("page %d: not in %s 90 s after the move; sending it again. meetd:\n%s", p, roomJID, w.breakoutLog())
	w.sendToRoom(mod, endpoint, roomName)
	if !w.pollRoomJID(p, 90*time.Second, in) {
		w.t.Fatalf("page %d: never moved to %s (now in %q); meetd:\n%s", p, roomJID, w.roomJID(p), w.breakoutLog())
	}
}

// pollRoomJID reports whether page's conference gets into a room satisfying ok within limit.
func (w *webUI) pollRoomJID(page int, limit time.Duration, ok func(string) bool) bool {
	w.t.Helper()
	js := `(() => { const c = window.APP && APP.conference && APP.conference._room; ` +
		`return c && c.isJoined() ? c.room.roomjid : ''; })()`
	return poll(limit, func() (bool, error) {
		var jid string
		if err := w.eval(page, js, &jid); err != nil && !strings.Contains(err.Error(), "navigat") {
			return false, err
		}
		return ok(jid), nil
	}) == nil
}

// breakoutLog returns meetd's log lines about breakout rooms.
func (w *webUI) breakoutLog() string {
	var out []string
	for _, l := range w.logs.all("meetd") {
		if strings.Contains(l, "breakout") && !strings.Contains(l, "bandwidth estimate") && !strings.Contains(l, "part=bridge") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestWebAppBreakoutRooms: in the web app, the moderator adds a breakout room in the participants pane and
// sends the two other participants there with each one's context menu ("Send participant to:"); both
// pages move into the breakout room's MUC (breakout.localhost), exchange video and audio there (both
// keep growing); the moderator's pane lists them in the room ("(2)"). The moderator closes
// the room: both come back to the main room and exchange media with the moderator again.
func TestWebAppBreakoutRooms(t *testing.T) {
	w := startWebUI(t)
	const room = "webappbreakout"
	ids := w.enterRooms(room, []string{"Mona", "Bert", "Cleo"})
	main := w.roomJID(0)

	w.showParticipants(0)
	w.click(0, `[aria-label="Add breakout room"]`)
	rooms := w.waitBreakoutRoomsShown(0, "one breakout room", func(r map[string]string) bool { return len(r) == 1 })
	var roomID, title, breakoutJID string
	for id, name := range rooms {
		roomID, title = id, name
	}
	js := fmt.Sprintf("(APP.store.getState()['features/breakout-rooms'].rooms[%q] || {}).jid || ''", roomID)
	if err := w.eval(0, js, &breakoutJID); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(breakoutJID, "@breakout.localhost") || !strings.HasPrefix(title, "Breakout room #1") {
		t.Fatalf("the new breakout room: %q %q, want Breakout room #1 in breakout.localhost", breakoutJID, title)
	}
	for _, p := range []int{1, 2} {
		w.moveTo(0, p, ids[p], "Breakout room #1", breakoutJID)
	}
	bIDs := []string{"", w.endpoint(1), w.endpoint(2)}
	w.waitGotMedia(1, bIDs[2])
	w.waitGotMedia(2, bIDs[1])
	w.waitBreakoutRoomsShown(0, "both participants in the breakout room",
		func(r map[string]string) bool { return strings.Contains(r[roomID], "(2)") })
	if w.roomJID(0) != main {
		t.Fatalf("the moderator left the main room: %q", w.roomJID(0))
	}
	t.Logf("pages 1 and 2 talk in %s; the moderator's pane shows %q", breakoutJID, w.breakoutRoomsShown(0)[roomID])

	// Close the room from its context menu: everyone in it returns to the main room.
	w.hover(0, fmt.Sprintf(`.breakout-room-container[data-testid=%q]`, roomID))
	w.click(0, fmt.Sprintf(`.breakout-room-container[data-testid=%q] button[title="More"]`, roomID))
	w.click(0, fmt.Sprintf(`[id=%q]`, "close-room-"+roomID))
	for _, p := range []int{1, 2} {
		w.waitRoomJID(p, "back in the main room", func(j string) bool { return j == main })
	}
	back := []string{ids[0], w.endpoint(1), w.endpoint(2)}
	w.waitAllMedia(back, 3)
	w.waitBreakoutRoomsShown(0, "the breakout room empty or gone", func(r map[string]string) bool {
		return len(r) == 0 || strings.Contains(r[roomID], "(0)")
	})
	checkWebAppLogs(t, w.logs, 3)
}

// openPolls opens the chat panel's Polls tab.
func (w *webUI) openPolls(page int) {
	w.t.Helper()
	var open bool
	if err := w.eval(page, visibleJS("#polls-tab"), &open); err != nil {
		w.t.Fatalf("page %d: chat: %v", page, err)
	}
	if !open {
		w.menuButton(page, "Open chat")
		w.waitVisible(page, webUITimeout, "#polls-tab")
	}
	w.click(page, "#polls-tab")
	w.waitVisible(page, webUITimeout, "#polls-tab-panel")
}

// createPoll creates and sends a poll from page's Polls tab.
func (w *webUI) createPoll(page int, question string, answers ...string) {
	w.t.Helper()
	w.openPolls(page)
	w.click(page, `[aria-label="Create a poll"]`)
	w.fill(page, "#polls-create-input", question)
	for i, a := range answers {
		if i >= 2 {
			w.click(page, `[aria-label="Add option"]`)
		}
		w.fill(page, fmt.Sprintf("#polls-answer-input-%d", i), a)
	}
	w.click(page, `#polls-tab-panel [aria-label="Save"]`)
	w.click(page, `#polls-tab-panel [aria-label="Send poll"]`)
}

// answerPoll ticks answer index of the poll shown in page's Polls tab and submits it.
func (w *webUI) answerPoll(page, index int) {
	w.t.Helper()
	w.openPolls(page)
	sel := fmt.Sprintf(`[id^="poll-answer-checkbox-"][id$="-%d"]`, index)
	w.waitJS(page, webUITimeout, "the poll's answers", fmt.Sprintf("!!document.querySelector(%q)", sel))
	if err := w.eval(page, fmt.Sprintf("(document.querySelector(%q).click(), true)", sel), nil); err != nil {
		w.t.Fatalf("page %d: tick answer %d: %v", page, index, err)
	}
	w.click(page, `#polls-tab-panel [aria-label="Submit"]`)
}

var voteCountRE = regexp.MustCompile(`^\s*(\d+)\s*\((\d+)%\)`)

// pollVotes returns the vote counts page's Polls tab shows for the answers of its (only) poll, or nil when
// it shows no results.
func (w *webUI) pollVotes(page int) []int {
	w.t.Helper()
	var texts []string
	js := `Array.from(document.querySelectorAll('[id^="poll-result-"]')).map(e => e.textContent)`
	if err := w.eval(page, js, &texts); err != nil {
		w.t.Fatalf("page %d: poll results: %v", page, err)
	}
	var votes []int
	for _, s := range texts {
		m := voteCountRE.FindStringSubmatch(s)
		if m == nil {
			return nil
		}
		n, _ := strconv.Atoi(m[1]) //nolint:errcheck // \d+
		votes = append(votes, n)
	}
	return votes
}

// waitPollResults shows the results of the poll in page's Polls tab (pressing "Skip" on its answer form
// when it shows that: a participant who has not voted, the poll's creator too, sees the form first) and
// waits until they are want; it returns nil then, else the last counts seen.
func (w *webUI) waitPollResults(page int, want []int) []int {
	w.t.Helper()
	w.openPolls(page)
	var skip bool
	if err := w.eval(page, visibleJS(`#polls-tab-panel [aria-label="Skip"]`), &skip); err != nil {
		w.t.Fatalf("page %d: poll: %v", page, err)
	}
	if skip {
		w.click(page, `#polls-tab-panel [aria-label="Skip"]`)
	}
	var votes []int
	err := poll(webUITimeout, func() (bool, error) {
		votes = w.pollVotes(page)
		return slices.Equal(votes, want), nil
	})
	if err != nil {
		return append([]int{}, votes...)
	}
	return nil
}

// speakerTimes opens page's speaker stats dialog ("Participants stats") and returns the speaking time in
// seconds it shows per display name.
func (w *webUI) speakerTimes(page int) map[string]int {
	w.t.Helper()
	var rows [][2]string
	js := `Array.from(document.querySelectorAll('[aria-label="Speaker Time"]')).map(t => {
		const row = t.parentElement; const n = row && row.querySelector('.display-name');
		return [n ? n.textContent : '', t.textContent]; })`
	if err := w.eval(page, js, &rows); err != nil {
		w.t.Fatalf("page %d: speaker stats: %v", page, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[strings.TrimSpace(strings.TrimSuffix(r[0], " (me)"))] = elapsedSeconds(r[1])
	}
	return out
}

var elapsedPartRE = regexp.MustCompile(`(\d+)\s*([hms])`)

// elapsedSeconds reads the web app's speaking time ("1h 2m 3s", "45s", "0s").
func elapsedSeconds(s string) int {
	n := 0
	for _, m := range elapsedPartRE.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.Atoi(m[1]) //nolint:errcheck // \d+
		n += v * map[string]int{"h": 3600, "m": 60, "s": 1}[m[2]]
	}
	return n
}

// TestWebAppPollsStatsEndForAll: two participants talk in the web app for a while; the moderator creates a
// poll in the chat's Polls tab and the other participant answers it. A late joiner opens the Polls tab: it
// sees the earlier poll, and after "Skip" its result (1 vote for the answer given); it opens the speaker
// stats dialog and sees the earlier participants' speaking time (counted before it joined). Then the
// moderator chooses "End meeting for all" in the hang-up menu (the others' hang-up button has no such
// menu): every page leaves the conference, and the room is gone from meetd.
func TestWebAppPollsStatsEndForAll(t *testing.T) {
	w := startWebUI(t)
	const room = "webapppolls"
	w.enterRooms(room, []string{"Mona", "Bert"})
	talk := time.Now()

	w.createPoll(0, "Lunch at noon?", "Yes", "No")
	w.answerPoll(1, 0)
	if votes := w.waitPollResults(0, []int{1, 0}); votes != nil {
		t.Fatalf("the moderator's poll results %v, want [1 0]", votes)
	}
	if spoken := time.Since(talk); spoken < 15*time.Second {
		time.Sleep(15*time.Second - spoken) // enough speaking time to be counted
	}

	w.join(2, room, "Late")
	w.waitJoined(2)
	w.openPolls(2)
	w.waitJS(2, webUITimeout, "the late joiner sees the earlier poll",
		`document.querySelector('#polls-tab-panel').textContent.includes('Lunch at noon?')`)
	if votes := w.waitPollResults(2, []int{1, 0}); votes != nil {
		t.Fatalf("late joiner's poll results %v, want [1 0]", votes)
	}
	votes := w.pollVotes(2)
	t.Logf("late joiner: poll results %v", votes)

	w.menuButton(2, "Toggle participants statistics")
	var times map[string]int
	err := poll(webUITimeout, func() (bool, error) {
		times = w.speakerTimes(2)
		return len(times) == 3 && times["Mona"]+times["Bert"] >= 5, nil
	})
	if err != nil {
		t.Fatalf("late joiner's speaker stats %v: want Mona, Bert and Late with the earlier speaking time (%v)", times, err)
	}
	t.Logf("late joiner's speaker stats: %v", times)

	// Only a moderator's hang-up button opens the menu with "End meeting for all".
	var menus [2]bool
	for p := range 2 {
		if err := w.eval(p, "!!document.querySelector('.hangup-menu-button')", &menus[p]); err != nil {
			t.Fatal(err)
		}
	}
	if !menus[0] || menus[1] {
		t.Fatalf("hang-up menu (with End meeting for all) on the moderator's page %v, on the other's %v: want only the moderator's",
			menus[0], menus[1])
	}
	w.click(0, `[aria-label="Leave the meeting"]`)
	w.click(0, `[aria-label="End meeting for all"]`)
	for p := range 3 {
		w.waitJS(p, 60*time.Second, "leave the ended conference",
			`!(window.APP && APP.conference && APP.conference._room && APP.conference._room.isJoined())`)
	}
	ctx, cancel := w.ctx()
	defer cancel()
	if _, err := w.m.waitLog(ctx, "room destroyed", "room="+room+"@conference.localhost"); err != nil {
		t.Error(err)
	}
	checkWebAppLogs(t, w.logs, 3)
}
