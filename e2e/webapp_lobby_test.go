package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// webAppLobbyRoom is the room of TestWebAppLobby.
const webAppLobbyRoom = "WebAppLobby"

// Selectors of the web app's lobby UI (jitsi-meet's react/features/lobby and security dialog).
const (
	lobbySwitch       = "#lobby-section-switch"
	lobbySwitchLabel  = `label[for="lobby-section-switch"]`
	lobbyScreen       = ".lobby-screen"
	lobbyKnocking     = ".lobby-screen .joining-message"
	lobbyKnockNotice  = `[data-testid="notify.participantWantsToJoin"]`
	lobbyAdmitButton  = `[data-testid="participantsPane.actions.admit"]`
	lobbyRejectButton = `[data-testid="participantsPane.actions.reject"]`
	lobbyRejected     = `[data-testid="lobby.joinRejectedMessage"]`
	prejoinNameField  = "#premeeting-name-input"
	securityDialog    = ".security-dialog"
	dialogClose       = "#modal-header-close-button"
)

// TestWebAppLobby runs the lobby through the web app's UI, lobby on by default: the moderator's security
// dialog shows the lobby switch on; a participant types its name on the prejoin screen and joins: it
// waits on the knocking screen; the moderator gets the knocking notification with that name and admits: the admitted participant
// enters and video and audio flow both ways. Another knocks and is rejected: the rejected message, never in
// the room. The moderator switches the lobby off in the security dialog: the next participant walks in;
// switches it on and sets a password: the next one gets the lobby screen and enters with the password
// instead of waiting.
func TestWebAppLobby(t *testing.T) {
	w := startWebUI(t, "[rooms]", "lobby = true") // meetd's default; the e2e config turns it off
	w.join(0, webAppLobbyRoom, "Host Hanna")
	w.waitJoined(0)
	if !w.isModerator(0) {
		t.Fatal("page 0: the first participant is not moderator")
	}
	w.openSecurityDialog(0)
	w.waitJS(0, webUITimeout, "lobby switch on (lobby on by default)",
		"!!document.querySelector('"+lobbySwitch+"').checked")
	w.click(0, dialogClose)

	w.knock(1, "Knocker Kim")
	w.answerKnock(0, "Knocker Kim", lobbyAdmitButton)
	w.waitJoined(1)
	host, kim := w.endpoint(0), w.endpoint(1)
	w.waitMediaFrom(1, host)
	w.waitMediaFrom(0, kim)
	checkRemoteName(t, w, 0, kim, "Knocker Kim")
	w.closePage(1)

	w.knock(2, "Rejected Rita")
	w.answerKnock(0, "Rejected Rita", lobbyRejectButton)
	w.waitVisible(2, webUITimeout, lobbyRejected)
	w.checkNotJoined(2)
	w.closePage(2)

	w.switchLobby(0, false)
	w.join(1, webAppLobbyRoom, "Walk-in Will")
	w.waitJoined(1)
	w.closePage(1)

	w.switchLobby(0, true)
	w.setRoomPassword(0, "open-sesame")
	w.open(2, webAppLobbyRoom, "Password Pat")
	w.click(2, `[data-testid="prejoin.joinMeeting"]`)
	w.waitVisible(2, webUITimeout, lobbyScreen)
	w.click(2, `[data-testid="lobby.enterPasswordButton"]`)
	w.fill(2, `[data-testid="lobby.password"]`, "open-sesame")
	w.click(2, `[data-testid="lobby.passwordJoinButton"]`)
	w.waitJoined(2)
	w.waitMediaFrom(2, host)
	checkWebAppLogs(t, w.logs, 3)
}

// openSecurityDialog opens the security dialog from the toolbar.
func (w *webUI) openSecurityDialog(page int) {
	w.t.Helper()
	w.toolbarButton(page, "Security options")
	w.waitVisible(page, webUITimeout, securityDialog)
}

// switchLobby turns the lobby on or off with the security dialog's switch, as a moderator does.
func (w *webUI) switchLobby(page int, on bool) {
	w.t.Helper()
	w.openSecurityDialog(page)
	want := "!document.querySelector('" + lobbySwitch + "').checked"
	if on {
		want = "!" + want
	}
	var already bool
	if err := w.eval(page, want, &already); err != nil {
		w.t.Fatalf("page %d: lobby switch: %v", page, err)
	}
	if already {
		w.t.Fatalf("page %d: the lobby switch is already on=%v", page, on)
	}
	w.click(page, lobbySwitchLabel)
	w.waitJS(page, webUITimeout, "lobby switch", want)
	w.waitJS(page, webUITimeout, "lobby state in the app",
		"APP.store.getState()['features/lobby'].lobbyEnabled === "+map[bool]string{true: "true", false: "false"}[on])
	w.click(page, dialogClose)
}

// setRoomPassword sets the room password in the security dialog.
func (w *webUI) setRoomPassword(page int, password string) {
	w.t.Helper()
	w.openSecurityDialog(page)
	w.click(page, ".add-password")
	w.fill(page, "#info-password-input", password)
	w.click(page, `.password-actions button:has-text("Add")`)
	w.waitVisible(page, webUITimeout, ".info-password-local")
	w.click(page, dialogClose)
}

// knock opens the room on page with no name set, types name on the prejoin screen and presses its join
// button: with the lobby on, the web app goes straight to the knocking screen ("Asking to join meeting…").
func (w *webUI) knock(page int, name string) {
	w.t.Helper()
	w.open(page, webAppLobbyRoom, "")
	w.fill(page, prejoinNameField, name)
	w.click(page, `[data-testid="prejoin.joinMeeting"]`)
	w.waitVisible(page, webUITimeout, lobbyKnocking)
	w.waitJS(page, webUITimeout, "knocking with the typed name",
		"APP.store.getState()['features/lobby'].knocking === true && "+
			"APP.store.getState()['features/base/settings'].displayName === '"+name+"'")
	w.checkNotJoined(page)
}

// answerKnock waits for the knocking notification naming name on the moderator's page and presses the
// button (admit or reject).
func (w *webUI) answerKnock(page int, name, button string) {
	w.t.Helper()
	w.waitVisible(page, 90*time.Second, lobbyKnockNotice)
	w.waitJS(page, webUITimeout, "knocking notification names "+name,
		"(document.querySelector('"+lobbyKnockNotice+"') || {}).textContent.includes('"+name+"')")
	w.click(page, button)
	w.waitGone(page, webUITimeout, lobbyKnockNotice)
}

// checkRemoteName checks that page shows the participant endpoint with name.
func checkRemoteName(t *testing.T, w *webUI, page int, endpoint, name string) {
	t.Helper()
	var got string
	err := poll(30*time.Second, func() (bool, error) {
		got = w.remoteName(page, endpoint)
		return strings.TrimSpace(got) == name, nil
	})
	if err != nil {
		t.Errorf("page %d: participant %s is named %q, want %q (%v)", page, endpoint, got, name, err)
	}
}

// TestWebAppLobbyChat runs lobby chat through the web app: a participant knocks; the moderator opens the
// knocking participant's menu in the participants pane, picks "Chat" and sends a message; the knocking
// screen shows the lobby chat with the message; the knocker answers and the moderator's chat
// shows the answer; then the moderator admits it from the pane.
func TestWebAppLobbyChat(t *testing.T) {
	w := startWebUI(t, "[rooms]", "lobby = true")
	w.join(0, webAppLobbyRoom, "Host Hanna")
	w.waitJoined(0)
	w.knock(1, "Chatty Chris")
	w.waitVisible(0, 90*time.Second, lobbyKnockNotice)
	w.openParticipantsPane(0)
	var knocker string
	w.waitJS(0, webUITimeout, "knocking participant listed", "APP.store.getState()['features/lobby'].knockingParticipants.length === 1")
	if err := w.eval(0, "APP.store.getState()['features/lobby'].knockingParticipants[0].id", &knocker); err != nil {
		t.Fatal(err)
	}
	w.hover(0, "#participant-item-"+knocker)
	w.click(0, `[aria-label="More moderation options Chatty Chris"]`)
	w.click(0, `[data-testid="lobby-chat-`+knocker+`"]`)
	w.sendChat(0, "Hello from the host, one moment please")

	// A wide window shows the lobby chat beside the knocking screen; a narrow one has an "Open chat" button.
	var narrow bool
	if err := w.eval(1, visibleJS(`[data-testid="toolbar.openChat"]`), &narrow); err != nil {
		t.Fatal(err)
	}
	if narrow {
		w.click(1, `[data-testid="toolbar.openChat"]`)
	}
	w.waitText(1, "Hello from the host, one moment please")
	w.sendChat(1, "Thanks, I am Chris from the 3 pm slot")
	w.waitText(0, "Thanks, I am Chris from the 3 pm slot")

	w.click(0, `[aria-label="Close chat"]`) // the chat panel pushes the participants pane out of the window
	w.hover(0, "#participant-item-"+knocker)
	w.click(0, `[data-testid="admit-`+knocker+`"]`)
	w.waitJoined(1)
	checkWebAppLogs(t, w.logs, 2)
}

// sendChat types text into page's chat input and presses its send button.
func (w *webUI) sendChat(page int, text string) {
	w.t.Helper()
	w.fill(page, "#chat-input-messagebox", text)
	w.click(page, `[aria-label="Send"]`)
}

// waitText waits until page's document shows text somewhere.
func (w *webUI) waitText(page int, text string) {
	w.t.Helper()
	w.waitJS(page, webUITimeout, "shows "+text, fmt.Sprintf("document.body.innerText.includes(%q)", text))
}
