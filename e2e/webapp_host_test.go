package e2e

import (
	"fmt"
	"testing"
	"time"

	"meetd/xmpp"
)

// Selectors of the web app's "waiting for the host" and login dialogs (react/features/authentication).
const (
	dialogOK          = "#modal-dialog-ok-button"
	loginUsername     = "#login-dialog-username"
	loginPassword     = "#login-dialog-password"
	waitingForHostMsg = "Waiting for a moderator"
)

// TestWebAppGuestWaitsForHost runs [auth] guests_wait_for_host through the web app: a guest who comes first
// gets the "waiting for the host" dialog and is not in the meeting; the host opens the room, gets the same
// dialog, presses "I am the host", logs in with the login dialog's user name and password and starts the
// meeting as moderator; the guest joins by itself, not as moderator, and media flows both ways.
func TestWebAppGuestWaitsForHost(t *testing.T) {
	hash, err := xmpp.HashPassword("host password", 4096)
	if err != nil {
		t.Fatal(err)
	}
	w := startWebUI(t, "[rooms]", "lobby = false", "[auth]", "guests_wait_for_host = true",
		"[[auth.account]]", `jid = "host@localhost"`, fmt.Sprintf("password_hash = %q", hash))
	const room = "WebAppWaitForHost"
	w.join(0, room, "Guest Gina")
	w.waitDialogTitle(0, waitingForHostMsg)
	w.checkNotJoined(0)

	w.join(1, room, "Host Hanna")
	w.waitDialogTitle(1, waitingForHostMsg)
	w.click(1, dialogOK) // "I am the host"
	w.fill(1, loginUsername, "host")
	w.fill(1, loginPassword, "host password")
	w.click(1, dialogOK)
	w.waitJoined(1)
	if !w.isModerator(1) {
		t.Error("page 1: the logged-in host is not moderator")
	}
	w.waitJoined(0)
	if w.isModerator(0) {
		t.Error("page 0: the guest is moderator")
	}
	w.waitGone(0, webUITimeout, "#dialog-title")
	host, guest := w.endpoint(1), w.endpoint(0)
	w.waitMediaFrom(0, host)
	w.waitMediaFrom(1, guest)
	checkWebAppLogs(t, w.logs, 2)
}

// waitDialogTitle waits until page shows a dialog whose title contains title.
func (w *webUI) waitDialogTitle(page int, title string) {
	w.t.Helper()
	w.waitJS(page, 90*time.Second, "dialog "+title,
		fmt.Sprintf("(document.querySelector('#dialog-title') || {textContent: ''}).textContent.includes(%q)", title))
}
