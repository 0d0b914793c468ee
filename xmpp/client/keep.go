package client

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Backoff bounds the delay between reconnection attempts: it starts at
// Min, doubles per failed attempt up to Max, and each wait is drawn
// uniformly from [d/2, d] so that many clients do not retry in step.
type Backoff struct {
	Min time.Duration // default 1 s
	Max time.Duration // default 60 s
	// Stable is how long a connection must last for the delay to fall back
	// to Min (default 30 s).
	Stable time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = time.Second
	}
	if b.Max < b.Min {
		b.Max = max(b.Min, 60*time.Second)
	}
	if b.Stable <= 0 {
		b.Stable = 30 * time.Second
	}
	return b
}

// next returns the wait for delay d and the delay after it.
func (b Backoff) next(d time.Duration) (wait, after time.Duration) {
	wait = d/2 + rand.N(d/2+1)
	return wait, min(2*d, b.Max)
}

// Keep dials cfg and calls onConnected with every new connection, until
// ctx ends (then it returns ctx.Err()) or the login fails for a reason a
// retry cannot fix (ErrAuth, ErrConfig, ErrNoMechanism, ErrNoTLS: returned).
// onConnected may serve the connection until it ends (as bridge.Run does)
// or return at once after setup (e.g. a MUC join): Keep then waits for the
// connection to drop. Either way the connection is closed and, after a
// backoff, dialled again. A connection lost or refused (network, server
// restart) is retried with b.
func Keep(ctx context.Context, cfg Config, b Backoff, onConnected func(ctx context.Context, c *Conn) error) error {
	dial := func(ctx context.Context) (*Conn, error) { return Dial(ctx, cfg) }
	return keep(ctx, dial, cfg.withDefaults().Logger.With("jid", cfg.JID), b, onConnected)
}

// KeepComponent is Keep for an external component: a refused handshake
// (wrong secret, unknown domain) ends it with ErrAuth.
func KeepComponent(ctx context.Context, cc ComponentConfig, b Backoff, onConnected func(ctx context.Context, c *Conn) error) error {
	dial := func(ctx context.Context) (*Conn, error) { return DialComponent(ctx, cc) }
	return keep(ctx, dial, cc.asConfig().Logger.With("component", cc.Domain), b, onConnected)
}

func keep(ctx context.Context, dial func(context.Context) (*Conn, error), log *slog.Logger,
	b Backoff, onConnected func(ctx context.Context, c *Conn) error) error {
	b = b.withDefaults()
	delay := b.Min
	for {
		c, err := dial(ctx)
		if ctx.Err() != nil {
			if c != nil {
				_ = c.Close()
			}
			return ctx.Err()
		}
		if err != nil && permanent(err) {
			log.Error("xmpp client login failed, not retrying", "err", err)
			return err
		}
		if err == nil {
			start := time.Now()
			err = serve(ctx, c, onConnected)
			if time.Since(start) >= b.Stable {
				delay = b.Min
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait, after := b.next(delay)
		delay = after
		log.Warn("xmpp client reconnecting", "err", err, "in", wait)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// serve runs onConnected with a ctx that ends with the connection, waits
// for the connection to end and always closes c.
func serve(ctx context.Context, c *Conn, onConnected func(context.Context, *Conn) error) error {
	defer c.Close()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watched := make(chan struct{})
	go func() { // the callback's ctx ends with the connection
		defer close(watched)
		select {
		case <-c.Done():
			cancel()
		case <-cctx.Done():
		}
	}()
	defer func() { cancel(); <-watched }()
	if err := onConnected(cctx, c); err != nil && c.Err() == nil {
		return err
	}
	select {
	case <-c.Done():
		return c.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func permanent(err error) bool {
	return errors.Is(err, ErrAuth) || errors.Is(err, ErrConfig) ||
		errors.Is(err, ErrNoMechanism) || errors.Is(err, ErrNoTLS)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
