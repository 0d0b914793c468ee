package e2e

// Helpers for tests that drive the UI of the complete Jitsi Meet web app (the TestRealWebApp setup): they
// click the app's buttons and read what it shows through the data-testid, id and aria-label selectors of the
// jitsi-meet sources. Every such test skips without MEETD_E2E_WEBAPP_DIR.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// webUITimeout bounds one UI step (a click waits this long for its element to be clickable); the machine
// running the tests may be loaded, so it is generous.
const webUITimeout = 60 * time.Second

// webUI is meetd serving the web app, and a browser driver whose pages open it.
type webUI struct {
	t    *testing.T
	d    *driver
	m    *meetd
	logs *logBook
}

// webAppDir returns MEETD_E2E_WEBAPP_DIR, and skips the test when it is not set.
func webAppDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(webAppEnv)
	if dir == "" {
		t.Skipf("%s is not set: set it to the absolute path of a built Jitsi Meet web app "+
			"(e.g. /usr/share/jitsi-meet from Jitsi's jitsi-meet-web package) to run this test", webAppEnv)
	}
	if !filepath.IsAbs(dir) {
		t.Fatalf("%s=%q: want an absolute path", webAppEnv, dir)
	}
	return dir
}

// startWebUI starts meetd serving the web app (extra config lines are appended after its [web] section,
// so they start with a section header) and the browser driver. The logs are dumped when the test fails.
func startWebUI(t *testing.T, extra ...string) *webUI {
	t.Helper()
	dir := webAppDir(t)
	tl := requireBrowser(t)
	logs := newLogBook()
	conf := append([]string{"[web]", fmt.Sprintf("app_dir = %q", dir)}, extra...)
	w := &webUI{t: t, logs: logs, m: startMeetd(t, logs, conf...)}
	w.d = startDriver(t, tl, logs)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("MEETD_E2E_DUMP") != "" {
			dumpLogs(t, logs)
		}
	})
	return w
}

// ctx returns a context for one UI step.
func (w *webUI) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), webUITimeout+30*time.Second)
}

// roomURL is the address of room with the app's URL-fragment settings (config.* and userInfo.* keys, as
// Jitsi's own UI tests set them): the display name, when not empty, and the given key=JSON-value pairs.
// The toolbar is kept visible (it otherwise slides out of the viewport when the mouse rests).
func (w *webUI) roomURL(room, name string, hash ...string) string {
	hash = append([]string{"config.toolbarConfig.alwaysVisible=true"}, hash...)
	if name != "" {
		b, _ := json.Marshal(name) //nolint:errcheck // a string always marshals
		hash = append(hash, "userInfo.displayName="+strings.ReplaceAll(url.QueryEscape(string(b)), "+", "%20"))
	}
	return w.m.url + "/" + room + "#" + strings.Join(hash, "&")
}

// open loads the room on page (a new browser context) with the URL-fragment settings of roomURL; the
// page's requests are watched (see checkWebAppLogs).
func (w *webUI) open(page int, room, name string, hash ...string) {
	w.t.Helper()
	ctx, cancel := w.ctx()
	defer cancel()
	if err := w.d.openWatched(ctx, page, w.roomURL(room, name, hash...)); err != nil {
		w.t.Fatalf("page %d: open %s: %v", page, room, err)
	}
}

// join opens the room on page and passes the prejoin screen with its join button.
func (w *webUI) join(page int, room, name string, hash ...string) {
	w.t.Helper()
	w.open(page, room, name, hash...)
	w.click(page, `[data-testid="prejoin.joinMeeting"]`)
}

// call sends one driver operation with a selector for page and fails the test on error.
func (w *webUI) call(op string, page int, selector string, more map[string]any) {
	w.t.Helper()
	ctx, cancel := w.ctx()
	defer cancel()
	req := map[string]any{"op": op, "page": page, "selector": selector, "timeout": webUITimeout.Milliseconds()}
	for k, v := range more {
		req[k] = v
	}
	if _, err := w.d.call(ctx, req); err != nil {
		w.t.Fatalf("page %d: %s %s: %v", page, op, selector, err)
	}
}

// click clicks (a real mouse click) the first element matching a Playwright selector once it is clickable.
func (w *webUI) click(page int, selector string) {
	w.t.Helper()
	w.call("click", page, selector, nil)
}

// hover moves the mouse over the first element matching selector (menus that appear on hover).
func (w *webUI) hover(page int, selector string) {
	w.t.Helper()
	w.call("hover", page, selector, nil)
}

// fill types text into the input matching selector.
func (w *webUI) fill(page int, selector, text string) {
	w.t.Helper()
	w.call("fill", page, selector, map[string]any{"text": text})
}

// eval evaluates a JavaScript expression on page and decodes its value into out.
func (w *webUI) eval(page int, js string, out any) error {
	ctx, cancel := w.ctx()
	defer cancel()
	return w.d.eval(ctx, page, js, out)
}

// waitJS waits until the JavaScript expression js is true on page (polled every second up to limit);
// what names the condition in the failure.
func (w *webUI) waitJS(page int, limit time.Duration, what, js string) {
	w.t.Helper()
	var ok bool
	err := poll(limit, func() (bool, error) {
		err := w.eval(page, js, &ok)
		if err != nil && strings.Contains(err.Error(), "navigat") {
			return false, nil // the page is loading another document; try again
		}
		return ok, err
	})
	if err != nil {
		w.t.Fatalf("page %d: %s: not within %s (%v)", page, what, limit, err)
	}
}

// visibleJS is a JavaScript expression: the first element matching the CSS selector sel is in the
// document and rendered.
func visibleJS(sel string) string {
	b, _ := json.Marshal(sel) //nolint:errcheck // a string always marshals
	return fmt.Sprintf(`(() => { const e = document.querySelector(%s); `+
		`return !!(e && (e.offsetWidth || e.offsetHeight || e.getClientRects().length)); })()`, b)
}

// waitVisible waits until an element matching the CSS selector sel is shown on page.
func (w *webUI) waitVisible(page int, limit time.Duration, sel string) {
	w.t.Helper()
	w.waitJS(page, limit, "show "+sel, visibleJS(sel))
}

// waitGone waits until no element matching the CSS selector sel is shown on page.
func (w *webUI) waitGone(page int, limit time.Duration, sel string) {
	w.t.Helper()
	w.waitJS(page, limit, "no more "+sel, "!"+visibleJS(sel))
}

// text returns the text content of the first element matching the CSS selector sel ("" if none).
func (w *webUI) text(page int, sel string) string {
	w.t.Helper()
	b, _ := json.Marshal(sel) //nolint:errcheck // a string always marshals
	var s string
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.textContent : ''; })()`, b)
	if err := w.eval(page, js, &s); err != nil {
		w.t.Fatalf("page %d: text of %s: %v", page, sel, err)
	}
	return s
}

// waitJoined waits until page is in the conference (its MUC joined).
func (w *webUI) waitJoined(page int) {
	w.t.Helper()
	w.waitJS(page, 90*time.Second, "join the conference",
		"!!(window.APP && APP.conference && APP.conference._room && APP.conference._room.isJoined())")
}

// endpoint returns page's own participant id (its endpoint id, the MUC resource).
func (w *webUI) endpoint(page int) string {
	w.t.Helper()
	var id string
	if err := w.eval(page, "APP.conference.getMyUserId()", &id); err != nil || id == "" {
		w.t.Fatalf("page %d: own participant id %q: %v", page, id, err)
	}
	return id
}

// isModerator reports whether page's local participant is moderator.
func (w *webUI) isModerator(page int) bool {
	w.t.Helper()
	var mod bool
	if err := w.eval(page, "APP.conference._room.isModerator()", &mod); err != nil {
		w.t.Fatalf("page %d: moderator? %v", page, err)
	}
	return mod
}

// toolbarButton clicks the toolbar button whose aria-label starts with label (e.g. "Security options",
// "Open participants pane"), opening the "More actions" menu first when the button is in there.
func (w *webUI) toolbarButton(page int, label string) {
	w.t.Helper()
	sel := fmt.Sprintf(`[aria-label^=%q]`, label)
	var direct bool
	if err := w.eval(page, visibleJS(sel), &direct); err != nil {
		w.t.Fatalf("page %d: toolbar: %v", page, err)
	}
	if !direct {
		w.hover(page, "#largeVideoContainer") // wakes the toolbar
		w.click(page, `[aria-label="More actions"]`)
		w.waitVisible(page, webUITimeout, `[aria-label="More actions menu"]`)
	}
	w.click(page, sel)
}

// remoteMedia is what page receives from one remote participant: audio bytes and decoded video frames of
// its tracks' SSRCs, from the active peer connection's inbound-rtp stats.
type remoteMedia struct {
	AudioBytes int64 `json:"audioBytes"`
	Frames     int64 `json:"frames"`
	Tracks     int   `json:"tracks"`
}

// mediaFromJS reads remoteMedia of endpoint %s on a page.
const mediaFromJS = `(async () => {
	const r = {audioBytes: 0, frames: 0, tracks: 0};
	const room = window.APP && APP.conference && APP.conference._room;
	const p = room && room.getParticipantById(%q);
	const pc = room && room.getActivePeerConnection();
	if (!p || !pc || !pc.peerconnection) return r;
	const kinds = {};
	for (const t of p.getTracks()) {
		const ssrc = t.getSsrc ? t.getSsrc() : t.getSSRC && t.getSSRC(); // current and older library
		if (ssrc) { kinds[ssrc] = t.getType(); r.tracks++; }
	}
	(await pc.peerconnection.getStats()).forEach(s => {
		if (s.type !== 'inbound-rtp' || !kinds[s.ssrc]) return;
		if (s.kind === 'audio') r.audioBytes += s.bytesReceived || 0;
		if (s.kind === 'video') r.frames += s.framesDecoded || 0;
	});
	return r;
})()`

// mediaFrom returns what page has received so far from the participant with id endpoint.
func (w *webUI) mediaFrom(page int, endpoint string) remoteMedia {
	w.t.Helper()
	var r remoteMedia
	if err := w.eval(page, fmt.Sprintf(mediaFromJS, endpoint), &r); err != nil {
		w.t.Fatalf("page %d: media from %s: %v", page, endpoint, err)
	}
	return r
}

// waitMediaFrom waits until page decodes video (more than 30 frames) and receives audio from endpoint.
func (w *webUI) waitMediaFrom(page int, endpoint string) remoteMedia {
	w.t.Helper()
	var r remoteMedia
	err := poll(90*time.Second, func() (bool, error) {
		r = w.mediaFrom(page, endpoint)
		return r.Frames > 30 && r.AudioBytes > 2000, nil
	})
	if err != nil {
		w.t.Fatalf("page %d: no video and audio from %s: %v (last %+v)", page, endpoint, err, r)
	}
	return r
}

// audioGrowth returns by how many bytes page's audio from endpoint grows over window.
func (w *webUI) audioGrowth(page int, endpoint string, window time.Duration) int64 {
	w.t.Helper()
	before := w.mediaFrom(page, endpoint).AudioBytes
	time.Sleep(window)
	return w.mediaFrom(page, endpoint).AudioBytes - before
}

// waitAudio waits until page's audio from endpoint flows (flowing) or stops (!flowing): the bytes received
// over a 3 s window grow by more than 1000, or by none.
func (w *webUI) waitAudio(page int, endpoint string, flowing bool) {
	w.t.Helper()
	var grown int64
	err := poll(60*time.Second, func() (bool, error) {
		grown = w.audioGrowth(page, endpoint, 3*time.Second)
		return (flowing && grown > 1000) || (!flowing && grown == 0), nil
	})
	if err != nil {
		w.t.Fatalf("page %d: audio from %s flowing=%v not reached: last 3 s grew %d bytes (%v)",
			page, endpoint, flowing, grown, err)
	}
}

// closePage closes a page (the participant leaves by closing its tab).
func (w *webUI) closePage(page int) {
	w.t.Helper()
	ctx, cancel := w.ctx()
	defer cancel()
	if err := w.d.closePage(ctx, page); err != nil {
		w.t.Fatalf("close page %d: %v", page, err)
	}
}

// checkNotJoined fails when page is in the conference.
func (w *webUI) checkNotJoined(page int) {
	w.t.Helper()
	var joined bool
	js := "!!(window.APP && APP.conference && APP.conference._room && APP.conference._room.isJoined())"
	if err := w.eval(page, js, &joined); err != nil || joined {
		w.t.Errorf("page %d: in the conference although it should not be (%v)", page, err)
	}
}

// remoteName returns the display name page shows for the participant endpoint ("" if unknown).
func (w *webUI) remoteName(page int, endpoint string) string {
	w.t.Helper()
	var got string
	js := fmt.Sprintf("(() => { const p = APP.conference._room.getParticipantById(%q); "+
		"return p ? p.getDisplayName() || '' : ''; })()", endpoint)
	if err := w.eval(page, js, &got); err != nil {
		w.t.Fatalf("page %d: name of %s: %v", page, endpoint, err)
	}
	return got
}
