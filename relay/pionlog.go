package relay

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs sends pion/turn's logs to slog at debug level: everything it
// reports (failed authentication, bad packets) is provoked by peers and is
// counted in Stats instead. Trace output, which names user names, is dropped.
type pionLogs struct{ log *slog.Logger }

func (f *pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLog{log: f.log.With("pion", scope)}
}

type pionLog struct{ log *slog.Logger }

func (l pionLog) out(format string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(fmt.Sprintf(format, args...))
	}
}

func (pionLog) Trace(string)                     {}
func (pionLog) Tracef(string, ...any)            {}
func (l pionLog) Debug(msg string)               { l.out("%s", msg) }
func (l pionLog) Debugf(format string, a ...any) { l.out(format, a...) }
func (l pionLog) Info(msg string)                { l.out("%s", msg) }
func (l pionLog) Infof(format string, a ...any)  { l.out(format, a...) }
func (l pionLog) Warn(msg string)                { l.out("%s", msg) }
func (l pionLog) Warnf(format string, a ...any)  { l.out(format, a...) }
func (l pionLog) Error(msg string)               { l.out("%s", msg) }
func (l pionLog) Errorf(format string, a ...any) { l.out(format, a...) }
