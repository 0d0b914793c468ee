package appointment

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Gate stands in front of the web app for appointment rooms: a link opened
// too early gets a page that says in plain words when the session starts;
// an expired link, a cancelled appointment or the room without a link get
// a page saying so. Everything else goes to the web app, and the XMPP
// server checks the token again when the client connects.
type Gate struct {
	Store    *Store
	Links    Links
	Location *time.Location
	Now      func() time.Time
	Log      *slog.Logger
}

// Wrap returns next behind the gate.
func (g *Gate) Wrap(next http.Handler) http.Handler {
	if g.Log == nil {
		g.Log = slog.New(slog.DiscardHandler)
	}
	if g.Now == nil {
		g.Now = time.Now
	}
	if g.Location == nil {
		g.Location = time.Local
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room := strings.TrimPrefix(r.URL.Path, "/")
		if r.Method != http.MethodGet || !IsRoom(room) {
			next.ServeHTTP(w, r)
			return
		}
		if msg, ok := g.message(r, room); ok {
			g.page(w, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// gateMessage is what the page says.
type gateMessage struct {
	Lang, Title, Text string
}

// message decides whether the request gets a page instead of the app.
func (g *Gate) message(r *http.Request, room string) (gateMessage, bool) {
	tok := r.URL.Query().Get("jwt")
	if tok == "" {
		return texts("", "nolink", ""), true
	}
	a, err := g.Store.ByRoom(r.Context(), room)
	if errors.Is(err, ErrNotFound) {
		return texts("", "nolink", ""), true
	}
	if err != nil {
		g.Log.Error("appointment: room page", "err", err)
		return gateMessage{}, false
	}
	if a.Status == StatusCancelled {
		return texts(a.Language, "cancelled", ""), true
	}
	nbf, exp, ok := g.window(tok, room)
	if !ok {
		return texts(a.Language, "nolink", ""), true
	}
	now := g.Now()
	switch {
	case now.Before(nbf):
		return texts(a.Language, "early", g.when(a, nbf)), true
	case now.After(exp):
		return texts(a.Language, "expired", ""), true
	}
	return gateMessage{}, false
}

// window verifies the token's signature and room and returns its validity.
func (g *Gate) window(tok, room string) (nbf, exp time.Time, ok bool) {
	var c claims
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	_, err := p.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return g.Links.Secret, nil })
	if err != nil || c.Room != room || c.NotBefore == nil || c.ExpiresAt == nil {
		return time.Time{}, time.Time{}, false
	}
	return c.NotBefore.Time, c.ExpiresAt.Time, true
}

// when says when the session starts and the link opens, in a's language.
func (g *Gate) when(a *Appointment, opens time.Time) string {
	start, open := a.Start.In(g.Location), opens.In(g.Location)
	if a.Language == "de" {
		return "Ihr Termin beginnt am " + start.Format("02.01.2006") + " um " + start.Format("15:04") +
			" Uhr (" + ZoneName(g.Location, start) + "). Dieser Link öffnet den Raum ab " + open.Format("15:04") + " Uhr; bitte kommen Sie dann wieder."
	}
	return "Your session starts on " + start.Format("Monday, 2 January 2006") + " at " + start.Format("15:04") +
		" (" + ZoneName(g.Location, start) + "). This link opens the room from " + open.Format("15:04") + "; please come back then."
}

// texts returns the page for kind in lang ("" = both languages).
func texts(lang, kind, detail string) gateMessage {
	de := map[string][2]string{
		"early":     {"Noch etwas zu früh", detail},
		"expired":   {"Dieser Link ist abgelaufen", "Der Termin ist vorbei. Wenn Sie einen neuen Termin haben, nutzen Sie bitte den Link aus der E-Mail dazu."},
		"cancelled": {"Dieser Termin wurde abgesagt", "Dieser Link gilt nicht mehr."},
		"nolink":    {"Privater Raum", "Dieser Raum ist nur mit dem persönlichen Link aus Ihrer E-Mail zugänglich."},
	}
	en := map[string][2]string{
		"early":     {"A little early", detail},
		"expired":   {"This link has expired", "The session is over. If you have a new appointment, please use the link from its e-mail."},
		"cancelled": {"This appointment was cancelled", "This link is no longer valid."},
		"nolink":    {"Private room", "This room can only be entered with the personal link from your e-mail."},
	}
	switch lang {
	case "de":
		return gateMessage{Lang: "de", Title: de[kind][0], Text: de[kind][1]}
	case "en":
		return gateMessage{Lang: "en", Title: en[kind][0], Text: en[kind][1]}
	}
	return gateMessage{Lang: "de", Title: de[kind][0] + " · " + en[kind][0], Text: de[kind][1] + " — " + en[kind][1]}
}

var gatePage = template.Must(template.New("gate").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}</style></head>
<body><h1>{{.Title}}</h1><p id="gate-text">{{.Text}}</p></body></html>
`))

func (g *Gate) page(w http.ResponseWriter, m gateMessage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = gatePage.Execute(w, m)
}
