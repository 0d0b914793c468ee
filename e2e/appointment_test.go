package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/emersion/go-smtp"
)

// The practice's case end to end (docs/appointments.md): a session booked in the calendar feed becomes an
// appointment, the client's mail arrives through a real SMTP server (emersion/go-smtp in the test), the
// host opens the host link and is moderator, the client opens the mailed link, knocks, is admitted by the
// host and both get each other's media. Tokens for another appointment, an expired one and none are refused.

// mailbox is an SMTP server on loopback that keeps what it receives (security "none" is allowed for a
// mail server on this machine).
type mailbox struct {
	port int
	mu   sync.Mutex
	got  []receivedMail
}

type receivedMail struct {
	to      []string
	subject string
	body    string
}

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.port = ln.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return mb
}

func (mb *mailbox) mails() []receivedMail {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]receivedMail(nil), mb.got...)
}

type mailSession struct {
	mb *mailbox
	to []string
}

func (m *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (m *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	m.to = append(m.to, to)
	return nil
}
func (m *mailSession) Reset()        { m.to = nil }
func (m *mailSession) Logout() error { return nil }
func (m *mailSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	m.mb.mu.Lock()
	m.mb.got = append(m.mb.got, receivedMail{to: m.to, subject: msg.Header.Get("Subject"), body: string(b)})
	m.mb.mu.Unlock()
	return nil
}

// writeFeed writes the booking calendar with the calendar library: one session per client, starting
// after the given offsets from now.
func writeFeed(t *testing.T, path string, sessions map[string]time.Duration) {
	t.Helper()
	cal := ics.NewCalendar()
	for client, in := range sessions {
		ev := cal.AddEvent(client + "-session@praxis")
		ev.SetDtStampTime(time.Now())
		ev.SetStartAt(time.Now().Add(in).Truncate(time.Minute))
		ev.SetProperty(ics.ComponentPropertyDuration, "PT50M")
		ev.SetSummary("Session")
		ev.SetOrganizer("mailto:praxis@example.org")
		ev.AddAttendee("mailto:" + client)
	}
	if err := os.WriteFile(path, []byte(cal.Serialize()), 0o600); err != nil {
		t.Fatal(err)
	}
}

var mailLinkRE = regexp.MustCompile(`https://\S+\?jwt=\S+`)

// waitMails waits until every address in to got exactly one mail and returns each one's link.
func (mb *mailbox) waitMails(t *testing.T, to ...string) map[string]string {
	t.Helper()
	links := map[string]string{}
	err := poll(joinLimit, func() (bool, error) {
		for _, m := range mb.mails() {
			if len(m.to) == 1 {
				links[m.to[0]] = mailLinkRE.FindString(m.body)
			}
		}
		return len(links) >= len(to), nil
	})
	if err != nil {
		t.Fatalf("mails: got %d of %d: %v", len(links), len(to), err)
	}
	for _, addr := range to {
		if links[addr] == "" {
			t.Fatalf("no mail with a link to %s: %+v", addr, mb.mails())
		}
	}
	return links
}

// appointmentCLI runs `meetd appointment ARGS -config <the running meetd's config>`.
func appointmentCLI(t *testing.T, m *meetd, args ...string) string {
	t.Helper()
	cfg := m.cmd.Args[len(m.cmd.Args)-1]
	full := append([]string{"appointment", args[0], "-config", cfg}, args[1:]...)
	out, err := exec.Command(m.cmd.Path, full...).CombinedOutput()
	if err != nil {
		t.Fatalf("meetd %v: %v\n%s", full, err, out)
	}
	return string(out)
}

// linkParts returns the room and the token of an appointment link.
func linkParts(t *testing.T, link string) (room, token string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return strings.TrimPrefix(u.Path, "/"), u.Query().Get("jwt")
}

// hostLink returns the host link of the appointment whose client is addr (meetd appointment list/links).
func hostLink(t *testing.T, m *meetd, addr string) string {
	t.Helper()
	for _, line := range strings.Split(appointmentCLI(t, m, "list"), "\n") {
		if strings.Contains(line, addr) {
			id := strings.Fields(line)[0]
			out := appointmentCLI(t, m, "links", id)
			_, rest, _ := strings.Cut(out, "host link:")
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("no appointment for %s", addr)
	return ""
}

// waitRefused waits until page reports an error (containing want, if set) without having joined.
func (s *session) waitRefused(page int, want string) string {
	s.t.Helper()
	var got string
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(page)
		if err != nil {
			return false, err
		}
		if st.Stage == "joined" {
			return false, fmt.Errorf("page %d joined", page)
		}
		for _, e := range st.Errors {
			if strings.Contains(e, want) {
				got = e
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		s.t.Fatalf("page %d was not refused (%q): %v\n%s", page, want, err, s.describe(page))
	}
	return got
}

// joinRefused makes page join room and waits until meetd logs a refusal with reason for that room; the
// page must not join (the 2021 library shows no error for a refused conference request: it throws in
// its handler).
func (s *session) joinRefused(page int, room, reason string) {
	s.t.Helper()
	count := func() int {
		n := 0
		for _, l := range s.logs.all("meetd") {
			if strings.Contains(l, reason) && strings.Contains(l, room) {
				n++
			}
		}
		return n
	}
	before := count()
	s.join(page, room)
	if err := poll(joinLimit, func() (bool, error) { return count() > before, nil }); err != nil {
		s.t.Fatalf("page %d: meetd did not log %q: %v\n%s", page, reason, err, s.describe(page))
	}
	time.Sleep(2 * time.Second)
	if st, err := s.status(page); err != nil || st.Stage == "joined" {
		s.t.Fatalf("page %d joined after the refusal (%v)", page, err)
	}
	s.t.Logf("page %d refused: %s", page, reason)
}

func appointmentConfig(feed string, mailPort int, extra ...string) []string {
	lines := []string{"[rooms]", "lobby = true", "[appointments]", "enabled = true", `time_zone = "Europe/Berlin"`, `language = "en"`}
	if feed != "" {
		lines = append(lines, fmt.Sprintf("calendar = %q", feed), `calendar_poll = "1m"`)
	}
	lines = append(lines, extra...)
	if mailPort != 0 {
		lines = append(lines, "[appointments.smtp]", `host = "127.0.0.1"`, fmt.Sprintf("port = %d", mailPort),
			`security = "none"`, `from = "praxis@example.org"`)
	}
	return lines
}

// TestAppointmentPractice: calendar → mail → host and client in the call, through the lobby.
func TestAppointmentPractice(t *testing.T) {
	mb := startMailbox(t)
	feed := filepath.Join(t.TempDir(), "praxis.ics")
	// 10 and 12 minutes ahead: the reminder (30 min before) is due at once and the client link (from
	// 15 min before) works already.
	writeFeed(t, feed, map[string]time.Duration{"client@example.org": 10 * time.Minute, "other@example.org": 12 * time.Minute})
	s := newSessionConfig(t, appointmentConfig(feed, mb.port)...)
	links := mb.waitMails(t, "client@example.org", "other@example.org")
	for _, m := range mb.mails() {
		if !strings.HasPrefix(m.subject, "Your video session on ") {
			t.Errorf("subject %q", m.subject)
		}
	}
	room, clientToken := linkParts(t, links["client@example.org"])
	_, otherToken := linkParts(t, links["other@example.org"])
	hostRoom, hostToken := linkParts(t, hostLink(t, s.meetd, "client@example.org"))
	if hostRoom != room {
		t.Fatalf("host link room %s, client link room %s", hostRoom, room)
	}
	expiredOut := appointmentCLI(t, s.meetd, "add", "--at", time.Now().Add(-3*time.Hour).Format(time.RFC3339), "--duration", "50m")
	_, rest, _ := strings.Cut(expiredOut, "client link:")
	_, expiredToken := linkParts(t, strings.Fields(rest)[0])

	s.tokens = map[int]string{0: hostToken, 1: clientToken, 2: otherToken, 4: expiredToken}
	s.join(0, room)
	ids := s.waitJoined([]int{0})
	if st, err := s.status(0); err != nil || !st.Moderator {
		t.Fatalf("the host link did not make its holder moderator: %+v %v", st, err)
	}
	s.knock(1, room, "Client")
	id := s.waitKnock(0, "Client")
	if err := s.eval(0, fmt.Sprintf("(meetdTest.conference().lobbyApproveAccess(%q), true)", id), nil); err != nil {
		t.Fatalf("approve: %v", err)
	}
	s.waitJoinedAfterLobby(1, ids)
	s.waitPeers([]int{0, 1}, ids)
	s.waitMedia([]int{0, 1})
	if st, _ := s.status(1); st.Moderator {
		t.Error("the client link made its holder moderator")
	}

	s.joinRefused(2, room, "conference request refused: no token for this room")
	s.joinRefused(3, room, "conference request refused: no token for this room")
	s.join(4, room)
	if e := s.waitRefused(4, "passwordRequired"); !strings.Contains(e, "token expired") {
		t.Errorf("expired token refused without the reason: %s", e)
	}
	if n := len(mb.mails()); n != 2 {
		t.Errorf("%d mails, want one per appointment", n)
	}
	log := strings.Join(s.logs.all("meetd"), "\n")
	for name, secret := range map[string]string{"client token": clientToken, "host token": hostToken, "other token": otherToken} {
		if bytes.Contains([]byte(log), []byte(secret)) {
			t.Errorf("the %s is in meetd's log", name)
		}
	}
}

// TestAppointmentDirectEntry: with direct_entry the client's link enters without knocking once the host
// is there; before the host, the client waits.
func TestAppointmentDirectEntry(t *testing.T) {
	s := newSessionConfig(t, appointmentConfig("", 0, "direct_entry = true")...)
	out := appointmentCLI(t, s.meetd, "add", "--at", time.Now().Add(5*time.Minute).Format(time.RFC3339), "--duration", "50m")
	_, hostPart, _ := strings.Cut(out, "host link:")
	_, clientPart, _ := strings.Cut(out, "client link:")
	room, hostToken := linkParts(t, strings.Fields(hostPart)[0])
	_, clientToken := linkParts(t, strings.Fields(clientPart)[0])
	s.tokens = map[int]string{0: hostToken, 1: clientToken}
	s.joinRefused(1, room, "conference request refused: the guest waits for a host")
	if err := s.vanish(1); err != nil {
		t.Fatal(err)
	}
	s.join(0, room)
	s.waitJoined([]int{0})
	s.tokens[2] = clientToken
	s.join(2, room) // the client again, now that the host is there: no lobby
	ids := s.waitJoined([]int{0, 2})
	s.waitPeers([]int{0, 2}, ids)
	s.waitMedia([]int{0, 2})
}
