package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"meetd/xmpp"
)

// TestAppointmentAdminPage drives the appointments' admin page in Chromium: without a login it shows the
// login form only; the host logs in with the form, creates an appointment and sees its host and client
// links; a form without the CSRF token or with a wrong one is refused; the session cookie is invisible
// to scripts (HttpOnly); another browser without the cookie sees no links.
func TestAppointmentAdminPage(t *testing.T) {
	hash, err := xmpp.HashPassword("host-password", 4096)
	if err != nil {
		t.Fatal(err)
	}
	extra := append(appointmentConfig("", 0), "[[auth.account]]", `jid = "host@localhost"`,
		fmt.Sprintf("password_hash = %q", hash), "moderator = true")
	s := newSessionConfig(t, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	admin := s.meetd.url + "/_meetd/admin"
	if err := s.driver.open(ctx, 0, admin); err != nil {
		t.Fatal(err)
	}
	s.seen = append(s.seen, 0)
	if text := s.pageText(0); !strings.Contains(text, "log in") || strings.Contains(text, "New appointment") {
		t.Fatalf("before login the page shows: %s", text)
	}
	s.submit(0, `form[action="/_meetd/admin/login"]`, map[string]string{"user": "host@localhost", "password": "wrong"})
	s.waitText(0, "Wrong name or password")
	s.submit(0, `form[action="/_meetd/admin/login"]`, map[string]string{"user": "host@localhost", "password": "host-password"})
	s.waitText(0, "Logged in as host@localhost")
	var cookie string
	if err := s.eval(0, "document.cookie", &cookie); err != nil || cookie != "" {
		t.Errorf("document.cookie = %q (%v): the session cookie must be HttpOnly", cookie, err)
	}
	start := time.Now().Add(24 * time.Hour)
	s.submit(0, `form[action="/_meetd/admin/new"]`, map[string]string{"date": start.Format("2006-01-02"),
		"time": "10:00", "duration": "50", "emails": "client@example.org", "title": "Erstgespräch"})
	s.waitText(0, "The client's link")
	var links []string
	if err := s.eval(0, `[document.getElementById('host-link').textContent, document.getElementById('client-link').textContent]`, &links); err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if !strings.HasPrefix(l, s.meetd.url+"/s-") || !strings.Contains(l, "?jwt=") {
			t.Errorf("link %q", l)
		}
	}
	if links[0] == links[1] {
		t.Error("host and client links are the same")
	}
	// Forged forms (the page's CSP allows no fetch, so a form like another site's): no token, a wrong one.
	for name, csrf := range map[string]string{"no token": "", "wrong token": "forged"} {
		s.forge(0, csrf)
		s.waitText(0, "no or a wrong CSRF token")
		t.Logf("form with %s refused", name)
		if err := s.eval(0, "(setTimeout(() => { location.href = '/_meetd/admin'; }, 0), true)", nil); err != nil {
			t.Fatal(err)
		}
		s.waitText(0, "New appointment")
	}
	if err := s.driver.open(ctx, 1, admin+"/a/1"); err != nil {
		t.Fatal(err)
	}
	s.seen = append(s.seen, 1)
	if text := s.pageText(1); !strings.Contains(text, "log in") || strings.Contains(text, "jwt") {
		t.Errorf("another browser sees: %s", text)
	}
	out := appointmentCLI(t, s.meetd, "list")
	if strings.Count(out, "Erstgespräch") != 1 || strings.Contains(out, "Forged") {
		t.Errorf("meetd appointment list after the forged posts:\n%s", out)
	}
}

// forge posts a create form built in the page, with csrf as its token ("" = none).
func (s *session) forge(page int, csrf string) {
	s.t.Helper()
	expr := fmt.Sprintf(`(() => {
		const f = document.createElement('form');
		f.method = 'post'; f.action = '/_meetd/admin/new';
		const add = (k, v) => { const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); };
		add('date', '2026-12-09'); add('time', '10:00'); add('duration', '50'); add('title', 'Forged');
		if (%q) { add('csrf', %q); }
		document.body.appendChild(f);
		setTimeout(() => f.submit(), 0);
		return true;
	})()`, csrf, csrf)
	if err := s.eval(page, expr, nil); err != nil {
		s.t.Fatalf("page %d forge: %v", page, err)
	}
}

func (s *session) pageText(page int) string {
	s.t.Helper()
	var text string
	if err := s.eval(page, "document.body.innerText", &text); err != nil {
		s.t.Fatalf("page %d text: %v", page, err)
	}
	return text
}

// submit fills the fields of the form (a CSS selector) and submits it after the evaluation returns.
func (s *session) submit(page int, form string, fields map[string]string) {
	s.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "(() => { const f = document.querySelector(%q);", form)
	for k, v := range fields {
		fmt.Fprintf(&b, "f.elements[%q].value = %q;", k, v)
	}
	b.WriteString("setTimeout(() => f.submit(), 0); return true; })()")
	if err := s.eval(page, b.String(), nil); err != nil {
		s.t.Fatalf("page %d submit %s: %v", page, form, err)
	}
}

// waitText waits until the page's text contains want (the page may be navigating meanwhile).
func (s *session) waitText(page int, want string) {
	s.t.Helper()
	var text string
	err := poll(joinLimit, func() (bool, error) {
		if s.eval(page, "document.body ? document.body.innerText : ''", &text) != nil {
			return false, nil // navigating
		}
		return strings.Contains(text, want), nil
	})
	if err != nil {
		s.t.Fatalf("page %d never showed %q; it shows: %s", page, want, text)
	}
}
