package e2e

// Recording from the complete Jitsi Meet web app (issue 13): the moderator's record button and dialog, the
// participants' consent dialog, the stop, the private link in the moderator's chat. It skips without
// MEETD_E2E_WEBAPP_DIR (see webapp_ui_test.go).

import (
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// recordingStatusJS is the status the web app shows for its file recording: the highest of its recording
// sessions ("on", "pending", "off" or ""), what its recording label and record button follow.
const recordingStatusJS = `(() => {
	const s = APP.store.getState()['features/recording'].sessionDatas || [];
	const file = s.filter(x => x.mode === 'file').map(x => x.status);
	return file.includes('on') ? 'on' : file.includes('pending') ? 'pending' : file.length ? file[0] || 'off' : '';
})()`

// waitRecordingShown waits until page's web app shows its file recording as want ("on" or "off").
func (w *webUI) waitRecordingShown(page int, want string) {
	w.t.Helper()
	var got string
	err := poll(90*time.Second, func() (bool, error) {
		err := w.eval(page, recordingStatusJS, &got)
		return got == want || want == "off" && got == "", err
	})
	if err != nil {
		w.t.Fatalf("page %d: the web app shows the recording %q, want %q (%v)", page, got, want, err)
	}
}

// recordingDialog opens the moderator's recording dialog ("Record", in the toolbar's overflow menu) and
// returns the label of its confirm button: "Start recording", or "Stop recording" while one runs. (With
// recording the only service, the dialog has no switches: its button says what it will do.)
func (w *webUI) recordingDialog(page int) string {
	w.t.Helper()
	w.menuButton(page, "Record") // "Record & Transcribe" where transcription is on
	w.waitVisible(page, webUITimeout, "#modal-dialog-ok-button")
	var label string
	if err := w.eval(page, "document.querySelector('#modal-dialog-ok-button').getAttribute('aria-label')", &label); err != nil {
		w.t.Fatalf("page %d: recording dialog: %v", page, err)
	}
	return label
}

// stopRecordingInDialog opens the recording dialog while a recording runs: it shows the recording switch
// on; switch it off and apply.
func (w *webUI) stopRecordingInDialog(page int) {
	w.t.Helper()
	if got := w.recordingDialog(page); got != "Apply changes" && got != "Stop recording" {
		w.t.Fatalf("page %d: the running recording's dialog offers %q", page, got)
	}
	const sw = "#recording-switch-audio-video"
	w.waitJS(page, webUITimeout, "the recording switch on", fmt.Sprintf("!!(document.querySelector(%q) || {}).checked", sw))
	if err := w.eval(page, fmt.Sprintf("(document.querySelector(%q).click(), true)", sw), nil); err != nil {
		w.t.Fatalf("page %d: recording switch: %v", page, err)
	}
	w.waitJS(page, webUITimeout, "the recording switch off", fmt.Sprintf("!document.querySelector(%q).checked", sw))
	w.click(page, "#modal-dialog-ok-button")
}

// chatLink waits for a chat message on page that holds a recording link, and returns the link.
func (w *webUI) chatLink(page int) string {
	w.t.Helper()
	var link string
	err := poll(5*time.Minute, func() (bool, error) {
		var msgs []string
		err := w.eval(page, `(APP.store.getState()['features/chat'].messages || []).map(m => String(m.message))`, &msgs)
		for _, m := range msgs {
			if l := linkRE.FindString(m); l != "" {
				link = l
			}
		}
		return link != "", err
	})
	if err != nil {
		w.t.Fatalf("page %d: no chat message with the recording link: %v", page, err)
	}
	return link
}

// TestWebAppRecording: three people in the web app, recording on with [recording] require_all = false. The
// moderator (Mona) opens "Record" from the toolbar: the dialog offers "Start recording", which she
// presses. Bert and Cleo get the web app's consent dialog, Mona (who started it) does not; Bert
// answers "I understand, please unmute me", Cleo "I understand, keep me muted for now" and stays muted.
// Every page shows the recording on. After 20 s Mona opens the same dialog, switches recording off and applies it: every page
// shows it off (the recorder occupant left). The link arrives in Mona's chat; the file is H.264 + AAC of
// the recorded length with two lit tiles (Mona and Bert; Cleo, who did not consent, is absent) and sound.
func TestWebAppRecording(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is missing: scripts/test.sh installs Debian's ffmpeg and fonts-dejavu-core")
	}
	w := startWebUI(t, "[recording]", `enabled = "on"`, "require_all = false")
	w.enterRooms("webapprecording", []string{"Mona", "Bert", "Cleo"})

	if got := w.recordingDialog(0); got != "Start recording" {
		t.Fatalf("the moderator's recording dialog offers %q, want Start recording", got)
	}
	w.click(0, "#modal-dialog-ok-button")
	started := time.Now()
	const unmuteMe, keepMuted = `[aria-label="I understand, please unmute me"]`, `[aria-label="I understand, keep me muted for now"]`
	for _, p := range []int{1, 2} {
		w.waitVisible(p, 90*time.Second, unmuteMe)
	}
	w.click(1, unmuteMe)
	w.click(2, keepMuted)
	for p := range 3 {
		w.waitRecordingShown(p, "on")
	}
	var asked bool
	if err := w.eval(0, visibleJS(unmuteMe), &asked); err != nil || asked {
		t.Errorf("the moderator who started the recording was asked for consent (%v, %v)", asked, err)
	}
	var cleoMuted bool
	if err := w.eval(2, "APP.conference.isLocalAudioMuted()", &cleoMuted); err != nil || !cleoMuted {
		t.Errorf("Cleo chose to stay muted, but her microphone is muted=%v (%v)", cleoMuted, err)
	}
	time.Sleep(time.Until(started.Add(recordedFor)))

	w.stopRecordingInDialog(0)
	stopped := time.Since(started)
	for p := range 3 {
		w.waitRecordingShown(p, "off")
	}
	s := &session{t: t}
	s.checkTwoTiles(s.downloadRecording(w.chatLink(0)), stopped, "Cleo, who did not consent,")
	checkWebAppLogs(t, w.logs, 3)
}
