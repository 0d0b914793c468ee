package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"

	"meetd/conf"
)

// options are the command-line flags.
type options struct {
	configPath string // empty: built-in defaults
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("meetd", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // realMain prints the problem and the help
	fs.StringVar(&o.configPath, "config", "", "TOML configuration `file` (default: built-in defaults, see meetd.example.toml)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return o, nil
}

// loadConfig returns the built-in defaults for an empty path, else the
// validated file.
func loadConfig(path string) (*conf.Config, error) {
	if path == "" {
		return conf.Default(), nil
	}
	return conf.Load(path)
}

// newLogger builds the process logger from the [log] section.
func newLogger(w io.Writer, l conf.Log) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
