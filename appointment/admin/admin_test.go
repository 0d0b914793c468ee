package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"meetd/appointment"
)

// adminServer serves the page over HTTPS with a store in a temp dir.
func adminServer(t *testing.T) (*httptest.Server, *appointment.Store) {
	t.Helper()
	st, err := appointment.Open(context.Background(), t.TempDir(), appointment.StoreOptions{RemindBefore: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var srv *httptest.Server
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Config.Handler.ServeHTTP(w, r) })
	srv = httptest.NewUnstartedServer(h)
	pub, _ := url.Parse("https://meet.example.org")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	srv.Config.Handler = New(Config{Store: st, Location: berlin, Language: "de", Origin: "https://meet.example.org",
		Links: appointment.Links{Base: pub, AppID: "x", Secret: []byte("0123456789abcdef0123"), ClientEarly: 15 * time.Minute, HostEarly: time.Hour, Grace: 30 * time.Minute},
		Check: func(u, p string) bool { return u == "host@localhost" && p == "pw" }})
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, st
}

func browser(t *testing.T, srv *httptest.Server) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *srv.Client()
	c.Jar = jar
	return &c
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf token in %s", page)
	}
	return m[1]
}

func TestAdminLoginCSRFAndCreate(t *testing.T) {
	srv, st := adminServer(t)
	c := browser(t, srv)
	code, page := get(t, c, srv.URL+Prefix)
	if code != 200 || !strings.Contains(page, "log in") {
		t.Fatalf("GET: %d %s", code, page)
	}
	u, _ := url.Parse(srv.URL)
	cookies := c.Jar.Cookies(u)
	if len(cookies) != 1 || cookies[0].Name != CookieName {
		t.Fatalf("cookies %v", cookies)
	}
	// The Set-Cookie attributes.
	raw := setCookie(t, srv)
	for _, attr := range []string{"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(raw, attr) {
			t.Errorf("Set-Cookie %q lacks %s", raw, attr)
		}
	}
	tok := csrf(t, page)
	// Wrong password, missing CSRF, foreign origin: refused.
	if code, _ := post(t, c, srv.URL+Prefix+"/login", url.Values{"csrf": {tok}, "user": {"host@localhost"}, "password": {"nope"}}); code != 403 {
		t.Errorf("wrong password: %d", code)
	}
	if code, _ := post(t, c, srv.URL+Prefix+"/login", url.Values{"user": {"host@localhost"}, "password": {"pw"}}); code != 403 {
		t.Errorf("login without CSRF token: %d", code)
	}
	// Not logged in: creating is refused and stores nothing.
	form := url.Values{"csrf": {tok}, "date": {"2026-12-08"}, "time": {"10:00"}, "duration": {"50"}, "emails": {"client@example.org"}, "language": {"en"}}
	if code, _ := post(t, c, srv.URL+Prefix+"/new", form); code != 403 {
		t.Errorf("create before login: %d", code)
	}
	code, page = post(t, c, srv.URL+Prefix+"/login", url.Values{"csrf": {tok}, "user": {"host@localhost"}, "password": {"pw"}})
	if code != 200 || !strings.Contains(page, "Logged in as host@localhost") {
		t.Fatalf("login: %d %s", code, page)
	}
	tok2 := csrf(t, page)
	if tok2 == tok {
		t.Error("the CSRF token survived the login")
	}
	if code, _ := post(t, c, srv.URL+Prefix+"/new", form); code != 403 { // the old token
		t.Errorf("create with the pre-login token: %d", code)
	}
	form.Set("csrf", tok2)
	form.Set("date", "2026-13-40")
	if code, page := post(t, c, srv.URL+Prefix+"/new", form); code != 400 || !strings.Contains(page, "date and time must look like") {
		t.Errorf("bad date: %d", code)
	}
	form.Set("date", "2026-12-08")
	code, page = post(t, c, srv.URL+Prefix+"/new", form)
	if code != 200 || !strings.Contains(page, `id="client-link"`) || !strings.Contains(page, "?jwt=") {
		t.Fatalf("create: %d %s", code, page)
	}
	all, _ := st.List(context.Background(), time.Time{})
	if len(all) != 1 || all[0].Start.UTC() != time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC) || all[0].Language != "en" || all[0].Source != appointment.SourceAdmin {
		t.Fatalf("stored %+v", all)
	}
	// Cancel with a foreign Origin is refused; with ours it works.
	req, _ := http.NewRequest("POST", srv.URL+Prefix+"/a/1/cancel", strings.NewReader(url.Values{"csrf": {tok2}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("cross-origin cancel: %v %v", resp.StatusCode, err)
	}
	if code, _ := post(t, c, srv.URL+Prefix+"/a/1/cancel", url.Values{"csrf": {tok2}}); code != 200 {
		t.Errorf("cancel: %d", code)
	}
	if a, _ := st.Get(context.Background(), 1); a.Status != appointment.StatusCancelled {
		t.Errorf("status %s", a.Status)
	}
	// Another browser without a session sees no links.
	if code, page := get(t, browser(t, srv), srv.URL+Prefix+"/a/1"); code != 200 || strings.Contains(page, "jwt") {
		t.Errorf("details without login: %d", code)
	}
}

func setCookie(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + Prefix)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Set-Cookie")
}

type refusingSender struct{}

func (refusingSender) Send(context.Context, appointment.Message) error {
	return errors.New("451 4.3.0 try again later")
}

// TestAdminShowsMailProblems: a recording link the mail server refused is
// listed with the server's answer (and no link).
func TestAdminShowsMailProblems(t *testing.T) {
	srv, st := adminServer(t)
	ctx := context.Background()
	a := &appointment.Appointment{Start: time.Now().Add(-2 * time.Hour), Duration: time.Hour,
		Emails: []string{"client@example.org"}, Recording: true}
	if err := st.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	ts, err := appointment.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	out := &appointment.Outbox{Store: st, Sender: refusingSender{}, Templates: ts}
	if err := out.DeliverRecording(ctx, a.Room, "https://meet.example.org/recordings/secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := out.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	c := browser(t, srv)
	_, page := get(t, c, srv.URL+Prefix)
	_, page = post(t, c, srv.URL+Prefix+"/login", url.Values{"csrf": {csrf(t, page)}, "user": {"host@localhost"}, "password": {"pw"}})
	if !strings.Contains(page, `id="mail-problems"`) || !strings.Contains(page, "451 4.3.0 try again later") ||
		!strings.Contains(page, "recording") || strings.Contains(page, "secret") {
		t.Errorf("the list does not show the refused recording mail as it should:\n%s", page)
	}
}
