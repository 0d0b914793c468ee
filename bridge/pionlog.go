package bridge

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLoggerFactory routes pion's logs into slog at debug level (warnings
// and errors at info): pion is chatty about conditions a peer can provoke.
type pionLoggerFactory struct{ log *slog.Logger }

func (f *pionLoggerFactory) NewLogger(scope string) logging.LeveledLogger {
	return &pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l *pionLogger) emit(level slog.Level, msg string) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, msg)
	}
}

func (l *pionLogger) Trace(msg string)                  {}
func (l *pionLogger) Tracef(format string, args ...any) {}
func (l *pionLogger) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l *pionLogger) Debugf(format string, args ...any) {
	l.emit(slog.LevelDebug, fmt.Sprintf(format, args...))
}
func (l *pionLogger) Info(msg string) { l.emit(slog.LevelDebug, msg) }
func (l *pionLogger) Infof(format string, args ...any) {
	l.emit(slog.LevelDebug, fmt.Sprintf(format, args...))
}
func (l *pionLogger) Warn(msg string) { l.emit(slog.LevelDebug, msg) }
func (l *pionLogger) Warnf(format string, args ...any) {
	l.emit(slog.LevelDebug, fmt.Sprintf(format, args...))
}
func (l *pionLogger) Error(msg string) { l.emit(slog.LevelInfo, msg) }
func (l *pionLogger) Errorf(format string, args ...any) {
	l.emit(slog.LevelInfo, fmt.Sprintf(format, args...))
}
