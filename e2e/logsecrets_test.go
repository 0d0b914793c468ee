package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLogSecrets is issue 11 defect 6: a call at log level debug with a JWT
// login, a room password, a chat message and media over both ICE agents;
// then every meetd log line is scanned for the secrets of that call: the
// ICE passwords of both sides, the bridge channel's pwd, the tokens, the
// JWT secret, the room password, the chat text, and SDP of any kind. (SRTP
// keys never leave the DTLS stacks; SDP would carry any keys there are.)
func TestLogSecrets(t *testing.T) {
	const room, password, chat = "logsecrets", "pw-Log-7f3kQ2", "chat-text-Jq4Zx9 hello"
	s := newSessionConfig(t, "[auth]", "allow_anonymous = false", `jwt_app_id = "meetd-e2e"`,
		`jwt_secret = "`+tokenSecret+`"`)
	s.tokens = map[int]string{0: e2eToken(t, room, true, time.Hour), 1: e2eToken(t, room, false, time.Hour)}
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, room)
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	var ok bool
	if err := s.eval(0, `meetdTest.conference().lock("`+password+`").then(() => true)`, &ok); err != nil || !ok {
		t.Fatalf("lock: %v", err)
	}
	if err := s.eval(1, `(window.chatSeen = [], meetdTest.conference().on("conference.messageReceived",
		(id, text) => window.chatSeen.push(text)), true)`, &ok); err != nil {
		t.Fatalf("chat listener: %v", err)
	}
	if err := s.eval(0, `(meetdTest.conference().sendTextMessage("`+chat+`"), true)`, &ok); err != nil {
		t.Fatalf("chat: %v", err)
	}
	err := poll(joinLimit, func() (bool, error) {
		var seen []string
		err := s.eval(1, `window.chatSeen`, &seen)
		return contains(seen, chat), err
	})
	if err != nil {
		t.Fatalf("page 1 did not get the chat message: %v", err)
	}
	secrets := map[string]string{"room password": password, "chat text": chat, "JWT secret": tokenSecret,
		"token 0": s.tokens[0], "token 1": s.tokens[1]}
	for _, p := range pages {
		for what, v := range s.iceSecrets(p) {
			secrets[what] = v
		}
	}
	if len(secrets) < 5+2*2 {
		t.Fatalf("found only %d secrets to look for (the ICE passwords of both pages missing?): %v", len(secrets), keys(secrets))
	}
	time.Sleep(2 * time.Second) // let the last lines of the call reach the log
	sdp := regexp.MustCompile(`a=ice-pwd|a=fingerprint:|a=candidate:|m=(audio|video|application) |v=0\\r\\n`)
	lines := s.logs.all("meetd")
	debug, pion := 0, 0
	for _, line := range lines {
		if strings.Contains(line, "level=DEBUG") {
			debug++
		}
		if strings.Contains(line, "pion=") {
			pion++
		}
		for what, v := range secrets {
			if strings.Contains(line, v) {
				t.Errorf("meetd logged the %s: %s", what, line)
			}
		}
		if sdp.MatchString(line) {
			t.Errorf("meetd logged SDP: %s", line)
		}
	}
	if debug < 50 {
		t.Fatalf("only %d debug lines of %d: was the call logged at debug level?", debug, len(lines))
	}
	if pion == 0 {
		t.Fatalf("no line of pion's logs among %d: are they not routed to the log?", len(lines))
	}
	t.Logf("scanned %d meetd log lines (%d at debug, %d from pion) for %d secrets", len(lines), debug, pion, len(secrets))
	if testing.Verbose() {
		t.Logf("pion lines:\n%s", strings.Join(grep(lines, "pion="), "\n"))
	}
}

// iceSecrets returns the ICE passwords in page p's local and remote
// descriptions of the bridge connection and the bridge channel's pwd.
func (s *session) iceSecrets(p int) map[string]string {
	s.t.Helper()
	var got struct {
		Local, Remote, Channel string
	}
	const js = `(() => {
		const room = meetdTest.conference();
		const pc = room.jvbJingleSession.peerconnection.peerconnection;
		let channel = '';
		try { channel = room.rtc._channel._channel.url || ''; } catch (e) {}
		return { local: pc.localDescription.sdp, remote: pc.remoteDescription.sdp, channel };
	})()`
	if err := s.eval(p, js, &got); err != nil {
		s.t.Fatalf("page %d descriptions: %v", p, err)
	}
	out := map[string]string{}
	pwd := regexp.MustCompile(`a=ice-pwd:(\S+)`)
	for side, sdp := range map[string]string{"local": got.Local, "remote": got.Remote} {
		if m := pwd.FindStringSubmatch(sdp); m != nil {
			out["page "+string(rune('0'+p))+" "+side+" ICE password"] = m[1]
		}
	}
	if i := strings.Index(got.Channel, "pwd="); i >= 0 {
		out["page "+string(rune('0'+p))+" bridge channel pwd"] = got.Channel[i+4:]
	}
	return out
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func grep(lines []string, part string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, part) {
			out = append(out, l)
		}
	}
	return out
}
