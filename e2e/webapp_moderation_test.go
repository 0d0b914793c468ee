package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// webAppNoLobby keeps the lobby off for new rooms, so participants of the moderation tests walk in.
var webAppNoLobby = []string{"[rooms]", "lobby = false"}

// TestWebAppRemoteMute mutes through the web app's participants pane: the moderator hovers a
// participant and presses its "Mute" button: that participant's audio stops at both receivers
// (bytesReceived of its audio stops growing) and its muted icon shows in the others' filmstrip and
// participants pane; it unmutes itself with the toolbar button and is heard again. Then "Mute all" and
// the dialog's OK: both other participants' audio stops at every receiver and their muted icons show.
func TestWebAppRemoteMute(t *testing.T) {
	w := startWebUI(t, webAppNoLobby...)
	names := []string{"Host Hanna", "Muted Max", "Listener Lou"}
	ids := w.joinAll("WebAppMute", names)
	host, maxID, lou := ids[0], ids[1], ids[2]
	w.waitAudio(2, maxID, true)
	w.waitAudio(0, maxID, true)

	w.openParticipantsPane(0)
	w.hover(0, "#participant-item-"+maxID)
	w.click(0, fmt.Sprintf(`button[data-testid="mute-audio-%s"]`, maxID))
	w.waitAudio(2, maxID, false)
	w.waitAudio(0, maxID, false)
	w.waitMutedIcon(2, maxID)
	w.waitPaneMutedIcon(0, maxID)
	w.waitJS(1, webUITimeout, "own microphone muted", "APP.conference.isLocalAudioMuted()")

	w.toolbarButton(1, "Unmute microphone")
	w.waitAudio(2, maxID, true)
	w.waitAudio(0, maxID, true)

	w.click(0, `[aria-label="Mute all"]`)
	w.click(0, "#modal-dialog-ok-button")
	for _, rx := range []struct {
		page int
		from string
	}{{0, maxID}, {0, lou}, {1, lou}, {2, maxID}} {
		w.waitAudio(rx.page, rx.from, false)
		w.waitMutedIcon(rx.page, rx.from)
	}
	w.waitAudio(1, host, true) // the moderator is not muted by "Mute all"
	checkWebAppLogs(t, w.logs, 3)
}

// TestWebAppAskToUnmute runs AV moderation ("ask to unmute") through the web app: the moderator starts
// audio moderation from the participants pane's "More moderation options" menu; the participant is
// muted and its audio stops at the moderator; pressing its unmute button does not unmute it (the app tells
// it moderation is in effect) and nothing is heard; it raises its hand, the moderator sees the raised-hand
// notification and presses "Ask to unmute" in the participant's menu; the participant gets the host's request, unmutes with
// the toolbar button and is heard again.
func TestWebAppAskToUnmute(t *testing.T) {
	w := startWebUI(t, webAppNoLobby...)
	ids := w.joinAll("WebAppAskToUnmute", []string{"Host Hanna", "Quiet Quinn"})
	quinn := ids[1]
	w.waitAudio(0, quinn, true)

	w.openParticipantsPane(0)
	w.click(0, "#participants-pane-context-menu")
	w.click(0, "#participants-pane-context-menu-start-audio-moderation")
	w.closeParticipantsPane(0) // and its menu, which stays open
	w.waitJS(1, webUITimeout, "muted by AV moderation", "APP.conference.isLocalAudioMuted()")
	w.waitAudio(0, quinn, false)
	w.waitMutedIcon(0, quinn)

	w.toolbarButton(1, "Unmute microphone")
	w.waitVisible(1, webUITimeout, `[data-testid="notify.moderationInEffectTitle"]`)
	time.Sleep(3 * time.Second) // an unmute would take effect by now
	w.waitJS(1, webUITimeout, "still muted", "APP.conference.isLocalAudioMuted()")
	if grown := w.audioGrowth(0, quinn, 5*time.Second); grown != 0 {
		t.Errorf("page 0: %d audio bytes from the participant while AV moderation blocks it", grown)
	}

	w.toolbarButton(1, "Raise your hand")
	w.waitVisible(0, webUITimeout, `[data-testid="notify.raisedHand"]`)
	w.openParticipantsPane(0)
	w.hover(0, "#participant-item-"+quinn)
	// Its camera is on, so the item's quick button is "Stop video"; "Ask to unmute" is in its menu.
	w.click(0, fmt.Sprintf(`[data-testid="participant-more-options-%s"]`, quinn))
	w.click(0, fmt.Sprintf(`[data-testid="unmute-audio-%s"]`, quinn))
	w.waitVisible(1, webUITimeout, `[data-testid="notify.hostAskedUnmute"]`)
	w.toolbarButton(1, "Unmute microphone")
	w.waitJS(1, webUITimeout, "unmuted once allowed", "!APP.conference.isLocalAudioMuted()")
	w.waitAudio(0, quinn, true)
	checkWebAppLogs(t, w.logs, 2)
}

// joinAll joins one page per name (page i is names[i], page 0 first so it is moderator) and waits until
// each page decodes video from the others; it returns their endpoint ids.
func (w *webUI) joinAll(room string, names []string) []string {
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
	for i := range names {
		for j := range names {
			if i != j {
				w.waitMediaFrom(i, ids[j])
			}
		}
	}
	return ids
}

// openParticipantsPane opens the participants pane from the toolbar.
func (w *webUI) openParticipantsPane(page int) {
	w.t.Helper()
	w.toolbarButton(page, "Open participants pane")
	w.waitVisible(page, webUITimeout, "#participants-pane")
}

// closeParticipantsPane closes the participants pane (and any menu open in it).
func (w *webUI) closeParticipantsPane(page int) {
	w.t.Helper()
	w.click(page, `[aria-label="Close participants pane"]`)
	w.waitGone(page, webUITimeout, "#participants-pane")
}

// reopenParticipantsPane closes and opens the participants pane: a menu left open in it is gone.
func (w *webUI) reopenParticipantsPane(page int) {
	w.t.Helper()
	w.closeParticipantsPane(page)
	w.openParticipantsPane(page)
}

// waitMutedIcon waits until page's filmstrip shows the muted-microphone icon on endpoint's thumbnail.
func (w *webUI) waitMutedIcon(page int, endpoint string) {
	w.t.Helper()
	w.waitVisible(page, webUITimeout, fmt.Sprintf(`#participant_%s [id*="audioMuted"] svg#mic-disabled`, endpoint))
}

// waitPaneMutedIcon waits until page's participants pane has endpoint's muted-microphone indicator (the
// pane hides the indicators of the item under the mouse, so this checks the element, not its visibility).
func (w *webUI) waitPaneMutedIcon(page int, endpoint string) {
	w.t.Helper()
	sel := fmt.Sprintf(`#participant-item-%s .indicators #audioMuted`, endpoint)
	w.waitJS(page, webUITimeout, "pane shows "+sel, fmt.Sprintf("!!document.querySelector(%q)", sel))
}

// TestWebAppKickAndGrantModerator runs the participant menu's "Grant moderator" and "Kick out" through the
// web app: the moderator opens a participant's menu in the participants pane, grants it moderator and
// confirms: it becomes moderator; it opens another's menu, kicks it and confirms: the kicked page shows the
// leave dialog naming the moderator who kicked it, and the others no longer have it in the meeting.
func TestWebAppKickAndGrantModerator(t *testing.T) {
	w := startWebUI(t, webAppNoLobby...)
	ids := w.joinAll("WebAppKick", []string{"Host Hanna", "Deputy Dana", "Kicked Kai"})
	dana, kai := ids[1], ids[2]
	if w.isModerator(1) || w.isModerator(2) {
		t.Fatal("a later participant is moderator before being granted")
	}
	w.openParticipantsPane(0)
	w.participantMenu(0, dana, ".grantmoderatorlink")
	w.click(0, dialogOK)
	w.waitJS(1, webUITimeout, "moderator once granted", "APP.conference._room.isModerator()")
	w.reopenParticipantsPane(0) // closes the participant's menu, which stays open

	w.participantMenu(0, kai, ".kicklink")
	w.click(0, dialogOK)
	w.waitVisible(2, webUITimeout, `[data-testid="dialog.leaveReason"]`)
	if got := w.text(2, `[data-testid="dialog.leaveReason"]`); !strings.Contains(got, "Host Hanna kicked you out") {
		t.Errorf("page 2: leave dialog %q does not name the moderator who kicked", got)
	}
	for _, page := range []int{0, 1} {
		w.waitJS(page, webUITimeout, "the kicked participant gone",
			fmt.Sprintf("!APP.conference._room.getParticipantById(%q)", kai))
	}
	checkWebAppLogs(t, w.logs, 3)
}

// participantMenu opens the menu of participant endpoint in page's participants pane (hover, then its
// "More" button) and clicks the menu item matching item.
func (w *webUI) participantMenu(page int, endpoint, item string) {
	w.t.Helper()
	w.hover(page, "#participant-item-"+endpoint)
	w.click(page, fmt.Sprintf(`[data-testid="participant-more-options-%s"]`, endpoint))
	w.click(page, item)
}
