package muc

import (
	"time"

	"golang.org/x/time/rate"
)

// Per-address limits (reliability A3, knock floods): wrong room passwords
// and lobby knocks. Both tables are bounded; when one is full, idle entries
// are dropped, and if none is idle a new address is refused.
const (
	guessEvery    = 3 * time.Second
	guessBurst    = 5
	knockEvery    = 2 * time.Second
	knockBurst    = 10
	maxGuardKeys  = 8192
	textGuessRate = "Too many wrong passwords, try again later"
)

// guard holds the per-address limiters. It is used under Service.mu.
type guard struct {
	guesses map[string]*rate.Limiter
	knocks  map[string]*rate.Limiter
}

func newGuard() *guard {
	return &guard{guesses: map[string]*rate.Limiter{}, knocks: map[string]*rate.Limiter{}}
}

// mayGuess reports whether src may try a room password now.
func (g *guard) mayGuess(src string, now time.Time) bool {
	l := limiterFor(g.guesses, src, rate.Every(guessEvery), guessBurst, now)
	return l != nil && l.TokensAt(now) >= 1
}

// guessed counts a wrong password from src.
func (g *guard) guessed(src string, now time.Time) {
	if l := limiterFor(g.guesses, src, rate.Every(guessEvery), guessBurst, now); l != nil {
		l.AllowN(now, 1)
	}
}

// allowKnock counts a knock from src and reports whether it is allowed.
func (g *guard) allowKnock(src string, now time.Time) bool {
	l := limiterFor(g.knocks, src, rate.Every(knockEvery), knockBurst, now)
	return l != nil && l.AllowN(now, 1)
}

// limiterFor returns key's limiter, creating it; nil when the table is full
// of addresses that are not idle.
func limiterFor(m map[string]*rate.Limiter, key string, every rate.Limit, burst int, now time.Time) *rate.Limiter {
	if l := m[key]; l != nil {
		return l
	}
	if len(m) >= maxGuardKeys {
		for k, l := range m {
			if l.TokensAt(now) >= float64(burst) {
				delete(m, k)
			}
		}
		if len(m) >= maxGuardKeys {
			return nil
		}
	}
	l := rate.NewLimiter(every, burst)
	m[key] = l
	return l
}
