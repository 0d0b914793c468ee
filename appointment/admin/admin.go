// Package admin is the practice's appointment page on the HTTPS front
// (/_meetd/admin): log in with a configured host account, list, create and
// cancel appointments, see their links and whether the reminder went out.
// Plain HTML forms, no JavaScript. Every form carries a per-session CSRF
// token; the session cookie is Secure, HttpOnly, SameSite=Strict and
// __Host- prefixed. See docs/appointments.md.
package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"meetd/appointment"
)

// Prefix is where the page lives.
const Prefix = "/_meetd/admin"

// Config is what the page needs.
type Config struct {
	Store *appointment.Store
	Links appointment.Links
	// Location is the practice's zone: the form's times and the list's.
	Location *time.Location
	// Check verifies a login (the account's JID and password).
	Check func(user, password string) bool
	// Language and Host are the defaults of new appointments.
	Language, Host string
	// Origin is the public origin (https://host[:port]); a form posted
	// from another origin is refused.
	Origin string
	// Created is called after an appointment was made (wakes the outbox).
	Created func()
	Now     func() time.Time
	Log     *slog.Logger
}

// Handler serves the page.
type Handler struct {
	cfg      Config
	sessions *sessions
	logins   *rate.Limiter // failed and successful logins alike
	mux      *http.ServeMux
}

// New returns the page's handler, to be mounted at Prefix and Prefix+"/".
func New(cfg Config) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	h := &Handler{cfg: cfg, sessions: newSessions(cfg.Now), logins: rate.NewLimiter(rate.Limit(2), 10),
		mux: http.NewServeMux()}
	h.mux.HandleFunc("GET "+Prefix, h.list)
	h.mux.HandleFunc("GET "+Prefix+"/{$}", h.list)
	h.mux.HandleFunc("POST "+Prefix+"/login", h.login)
	h.mux.HandleFunc("POST "+Prefix+"/logout", h.post(h.logout))
	h.mux.HandleFunc("POST "+Prefix+"/new", h.post(h.create))
	h.mux.HandleFunc("GET "+Prefix+"/a/{id}", h.details)
	h.mux.HandleFunc("POST "+Prefix+"/a/{id}/cancel", h.post(h.cancel))
	return h
}

// ServeHTTP sets the page's headers and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: under no-referrer browsers send
	// "Origin: null" with the forms, and the origin check refuses them.
	// The referrer never leaves the site either way.
	hd.Set("Referrer-Policy", "same-origin")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	h.mux.ServeHTTP(w, r)
}

// post wraps a form handler: same origin, a logged-in session and its
// CSRF token, or 403.
func (h *Handler) post(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss := h.sessions.get(r)
		why := h.refusal(r, ss)
		if why == "" && ss.user == "" {
			why = "not logged in"
		}
		if why != "" {
			h.cfg.Log.Info("appointment admin: form refused", "why", why)
			h.forbidden(w, "The form was refused ("+why+"). Please reload the page, log in and try again.")
			return
		}
		next(w, r, ss)
	}
}

// refusal says why a form is refused before its content is looked at
// ("" when it is not).
func (h *Handler) refusal(r *http.Request, ss *session) string {
	switch {
	case !h.sameOrigin(r):
		return "posted from another origin"
	case ss == nil:
		return "no session cookie"
	case !ss.validCSRF(r):
		return "no or a wrong CSRF token"
	}
	return ""
}

// sameOrigin checks Origin (or, without it, Referer) against the public
// origin; requests that carry neither pass (the CSRF token still applies).
func (h *Handler) sameOrigin(r *http.Request) bool {
	if h.cfg.Origin == "" {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		return o == h.cfg.Origin
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		return ref == h.cfg.Origin || strings.HasPrefix(ref, h.cfg.Origin+"/")
	}
	return true
}

func (h *Handler) forbidden(w http.ResponseWriter, msg string) {
	w.WriteHeader(http.StatusForbidden)
	h.render(w, "message", pageData{Message: msg})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ss := h.sessions.get(r)
	if ss == nil || ss.user == "" {
		h.loginPage(w, r, ss, "")
		return
	}
	h.listPage(w, r, ss, "", nil)
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request, ss *session, problem string, form *newForm) {
	as, err := h.cfg.Store.List(r.Context(), h.cfg.Now().Add(-24*time.Hour))
	if err != nil {
		h.fail(w, err)
		return
	}
	if form == nil {
		form = &newForm{Duration: "50", Language: h.cfg.Language}
	}
	if problem != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	fails, err := h.cfg.Store.Failures(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, "list", pageData{User: ss.user, CSRF: ss.csrf, Rows: h.rows(as), Problem: problem, Form: form, Failures: fails,
		Zone: appointment.ZoneName(h.cfg.Location, h.cfg.Now())})
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, ss *session, problem string) {
	if ss == nil {
		ss = h.sessions.start(w, "")
	}
	if problem != "" {
		w.WriteHeader(http.StatusForbidden)
	}
	h.render(w, "login", pageData{CSRF: ss.csrf, Problem: problem})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	ss := h.sessions.get(r)
	if why := h.refusal(r, ss); why != "" {
		h.cfg.Log.Info("appointment admin: login form refused", "why", why)
		h.forbidden(w, "The login form has expired. Please reload the page and try again.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if h.logins.Wait(ctx) != nil {
		h.forbidden(w, "Too many logins. Please try again in a minute.")
		return
	}
	user := strings.TrimSpace(r.PostFormValue("user"))
	if !h.cfg.Check(user, r.PostFormValue("password")) {
		h.cfg.Log.Warn("appointment admin: login failed")
		h.loginPage(w, r, ss, "Wrong name or password.")
		return
	}
	h.sessions.end(w, r)
	h.sessions.start(w, user)
	h.cfg.Log.Info("appointment admin: login")
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	h.sessions.end(w, r)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (h *Handler) appointment(w http.ResponseWriter, r *http.Request) (*appointment.Appointment, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		var a *appointment.Appointment
		if a, err = h.cfg.Store.Get(r.Context(), id); err == nil {
			return a, true
		}
	}
	if err != nil && !errors.Is(err, appointment.ErrNotFound) && !errors.Is(err, strconv.ErrSyntax) && !errors.Is(err, strconv.ErrRange) {
		h.fail(w, err)
		return nil, false
	}
	w.WriteHeader(http.StatusNotFound)
	h.render(w, "message", pageData{Message: "There is no such appointment."})
	return nil, false
}

func (h *Handler) details(w http.ResponseWriter, r *http.Request) {
	ss := h.sessions.get(r)
	if ss == nil || ss.user == "" {
		h.loginPage(w, r, ss, "")
		return
	}
	a, ok := h.appointment(w, r)
	if !ok {
		return
	}
	d := pageData{User: ss.user, CSRF: ss.csrf, Row: h.row(a)}
	if a.Status == appointment.StatusScheduled {
		var err error
		if d.HostLink, err = h.cfg.Links.Host(a); err == nil {
			d.ClientLink, err = h.cfg.Links.Client(a)
		}
		if err != nil {
			h.fail(w, err)
			return
		}
		from, until := h.cfg.Links.Window(a)
		d.Window = from.In(h.cfg.Location).Format(timeLayout) + " – " + until.In(h.cfg.Location).Format(timeLayout)
	}
	h.render(w, "details", d)
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, _ *session) {
	a, ok := h.appointment(w, r)
	if !ok {
		return
	}
	if err := h.cfg.Store.Cancel(r.Context(), a.ID); err != nil {
		h.fail(w, err)
		return
	}
	h.cfg.Log.Info("appointment admin: cancelled", "appointment", a.ID)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	h.cfg.Log.Error("appointment admin", "err", err)
	w.WriteHeader(http.StatusInternalServerError)
	h.render(w, "message", pageData{Message: "Something went wrong; the server log says what."})
}
