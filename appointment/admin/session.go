package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Session limits.
const (
	sessionIdle = 8 * time.Hour
	maxSessions = 10000
	// CookieName has the __Host- prefix: the browser keeps it only when
	// set Secure, for this host, on path /.
	CookieName = "__Host-meetd-admin"
)

// session is one browser's state: the CSRF token its forms carry, and the
// user once logged in ("" before).
type session struct {
	user string
	csrf string
	seen time.Time
}

// sessions keeps the sessions in memory (a restart logs everyone out).
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the request's live session, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[c.Value]
	if ss == nil || s.now().Sub(ss.seen) > sessionIdle {
		delete(s.m, c.Value)
		return nil
	}
	ss.seen = s.now()
	return ss
}

// start makes a new session for user (a fresh id: a login never keeps the
// id from before it) and sets its cookie.
func (s *sessions) start(w http.ResponseWriter, user string) *session {
	id := randomToken()
	ss := &session{user: user, csrf: randomToken(), seen: s.now()}
	s.mu.Lock()
	s.expire()
	s.m[id] = ss
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionIdle / time.Second)})
	return ss
}

// end forgets the request's session and clears its cookie.
func (s *sessions) end(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		s.mu.Lock()
		delete(s.m, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// expire drops idle sessions, and the oldest when there are too many
// (login forms fetched in bulk). Called with mu held.
func (s *sessions) expire() {
	now := s.now()
	var oldest string
	for id, ss := range s.m {
		if now.Sub(ss.seen) > sessionIdle {
			delete(s.m, id)
		} else if oldest == "" || ss.seen.Before(s.m[oldest].seen) {
			oldest = id
		}
	}
	if len(s.m) >= maxSessions {
		delete(s.m, oldest)
	}
}

// validCSRF reports whether the form's token is the session's.
func (ss *session) validCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return ss != nil && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}
