package appointment

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	c := newClock(t0)
	st := openStore(t, t.TempDir(), c)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	g := &Gate{Store: st, Links: testLinks(), Location: berlin, Now: c.Now}
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "the web app") }))
	a := addAppt(t, st, &Appointment{Start: t0.Add(2 * time.Hour), Duration: 50 * time.Minute, Language: "de"}) // 12:00 Berlin
	other := addAppt(t, st, &Appointment{Start: t0.Add(2 * time.Hour), Duration: 50 * time.Minute, Language: "en"})
	link, _ := g.Links.Client(a)
	otherLink, _ := g.Links.Client(other)
	host, _ := g.Links.Host(a)
	get := func(u string) string {
		t.Helper()
		p, _ := url.Parse(u)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p.RequestURI(), nil))
		return rec.Body.String()
	}
	otherQuery := "?" + strings.SplitN(otherLink, "?", 2)[1]
	tests := []struct {
		name string
		at   time.Duration
		url  string
		want string
	}{
		{"early", 0, link, "Ihr Termin beginnt am 08.12.2026 um 12:00 Uhr (Europe/Berlin). Dieser Link öffnet den Raum ab 11:45 Uhr"},
		{"host early", 0, host, "Ihr Termin beginnt"},
		{"host an hour before", time.Hour, host, "the web app"},
		{"in the window", 2*time.Hour - 15*time.Minute, link, "the web app"},
		{"during", 2*time.Hour + 10*time.Minute, link, "the web app"},
		{"after the grace", 2*time.Hour + 81*time.Minute, link, "Dieser Link ist abgelaufen"},
		{"no link", 2 * time.Hour, "https://meet.example.org/" + a.Room, "Privater Raum"},
		{"another room's token", 2 * time.Hour, "https://meet.example.org/" + a.Room + otherQuery, "Privater Raum"},
		{"unknown room", 2 * time.Hour, "https://meet.example.org/" + newRoom() + "?jwt=x", "Privater Raum"},
		{"ordinary room", 0, "https://meet.example.org/someroom", "the web app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Set(t0.Add(tt.at))
			if body := get(tt.url); !strings.Contains(body, tt.want) {
				t.Errorf("got %q, want %q", body, tt.want)
			}
		})
	}
	c.Set(t0.Add(2 * time.Hour))
	if err := st.Cancel(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if body := get(link); !strings.Contains(body, "abgesagt") {
		t.Errorf("cancelled: %q", body)
	}
}
