package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/pion/logging"
)

// pionLoggerFactory routes pion's logs into slog: everything at debug level
// except pion errors, which are logged at info. pion is chatty about
// conditions any peer can provoke, so nothing of it is a warning here.
//
// pion writes ICE credentials into some debug lines (the remote ufrag and
// password when an agent starts, the local ufrag when the UDP mux
// registers a connection); the text arguments of such lines are replaced
// by "[redacted]" before they reach the log (sensitiveFormat).
//
// unknownSource, when set, is called for STUN datagrams from an unknown
// address that the UDP mux drops without calling OnUnhandledPacket
// (undecodable, or without USERNAME): pion only logs those.
type pionLoggerFactory struct {
	log           *slog.Logger
	unknownSource func()
}

func (f *pionLoggerFactory) NewLogger(scope string) logging.LeveledLogger {
	l := &pionLogger{log: f.log.With("pion", scope)}
	if scope == "udpmux" {
		l.dropped = f.unknownSource
	}
	return l
}

type pionLogger struct {
	log     *slog.Logger
	dropped func()
}

// redacted stands in for a text argument of a line that may hold a secret.
const redacted = "[redacted]"

// sensitiveFormat reports whether a pion log format may carry ICE
// credentials or other secrets in its text arguments.
func sensitiveFormat(format string) bool {
	f := strings.ToLower(format)
	for _, w := range []string{"pwd", "password", "ufrag", "username", "key", "secret", "token", "registered "} {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// redactArgs replaces the text-like arguments (strings, byte slices,
// Stringers, errors) by redacted; numbers and booleans stay.
func redactArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a.(type) {
		case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			out[i] = a
		default:
			out[i] = redacted
		}
	}
	return out
}

func (l *pionLogger) emit(level slog.Level, msg string) {
	if sensitiveFormat(msg) && strings.ContainsAny(msg, ":=") {
		msg = redacted // a preformatted line naming a credential
	}
	l.log.Log(context.Background(), level, msg)
}

func (l *pionLogger) emitf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		if sensitiveFormat(format) {
			args = redactArgs(args)
		}
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

// unknownSTUN reports the UDP mux's lines about STUN datagrams it drops
// from unknown addresses.
func unknownSTUN(format string) bool {
	return strings.HasPrefix(format, "Failed to handle decode ICE from") ||
		strings.HasPrefix(format, "No Username attribute in STUN message from")
}

func (l *pionLogger) Trace(string)                      {}
func (l *pionLogger) Tracef(string, ...any)             {}
func (l *pionLogger) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l *pionLogger) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args...) }
func (l *pionLogger) Info(msg string)                   { l.emit(slog.LevelDebug, msg) }
func (l *pionLogger) Infof(format string, args ...any)  { l.emitf(slog.LevelDebug, format, args...) }
func (l *pionLogger) Warn(msg string)                   { l.emit(slog.LevelDebug, msg) }
func (l *pionLogger) Error(msg string)                  { l.emit(slog.LevelInfo, msg) }
func (l *pionLogger) Errorf(format string, args ...any) { l.emitf(slog.LevelInfo, format, args...) }

func (l *pionLogger) Warnf(format string, args ...any) {
	if l.dropped != nil && unknownSTUN(format) {
		l.dropped()
	}
	l.emitf(slog.LevelDebug, format, args...)
}

// unknownSourceLog counts a datagram from an address no endpoint uses and
// logs the 1st, 2nd, 4th, 8th… of them.
type unknownSourceLog struct {
	log *slog.Logger
	n   *atomic.Uint64
}

func (u unknownSourceLog) drop(from string) {
	if n := u.n.Add(1); n&(n-1) == 0 {
		u.log.Info("bridge: datagrams from unknown sources dropped", "last_from", from, "total", n)
	}
}
