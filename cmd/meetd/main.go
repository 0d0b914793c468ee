// Command meetd runs the whole Jitsi Meet back end in one process: the XMPP
// server, the focus and the video bridge behind one HTTPS listener and one
// UDP media port.
//
// Usage:
//
//	meetd                     run on the built-in defaults (domain localhost)
//	meetd -config meetd.toml  run with a configuration file
//	meetd check -config FILE  validate a configuration file and the files it names
//	meetd import-env FILE     print the TOML for a docker-jitsi-meet .env file
//	meetd passwd user@host    print a hashed [[auth.account]] entry for the password on stdin
//	meetd version             print the version, commit and Go version
//	meetd help [COMMAND]      list the commands (also meetd -h)
//
// Exit status: 0 on success or help, 1 on failure, 2 on bad usage.
//
// SIGHUP reloads the configuration file (logins, limits, certificate files,
// web settings; the log names what needs a restart); an invalid file keeps
// the running configuration. SIGINT or SIGTERM stops it gracefully: new conferences are refused, the
// running ones go on for up to [ops] shutdown_timeout, then meetd ends them
// with a reason the clients show. A second signal ends them at once; a
// third kills the process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs meetd or one of its commands and returns the process exit
// code: 0 after a clean stop or help, 1 on a failure (a configuration meetd
// cannot use included), 2 on bad usage.
func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c, ok := findCommand(args[0])
		if !ok {
			return unknownCommand(args[0], stderr)
		}
		return c.run(args[1:], stdout, stderr)
	}
	opts, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n(meetd -h lists the commands and options)\n", err)
		return exitUsage
	}
	cfg, err := loadConfig(opts.configPath)
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return exitFailure
	}
	log := newLogger(stderr, cfg.Log)
	ctx, hurry, stop := watchSignals()
	defer stop()
	var reload reloadRequests
	if opts.configPath != "" {
		var stopReload func()
		reload, stopReload = watchReload(opts.configPath)
		defer stopReload()
	} else {
		signal.Ignore(syscall.SIGHUP) // nothing to reload; SIGHUP must not end meetd
	}
	if err := serveUntil(ctx, hurry, reload, cfg, log, stdout); err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// watchSignals returns a context that the first SIGINT or SIGTERM cancels
// and a channel that the second closes; after that the signals' default
// action (exit) is restored. stop releases the signals.
func watchSignals() (ctx context.Context, hurry <-chan struct{}, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(context.Background())
	second := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for n := 0; n < 2; n++ {
			select {
			case sig := <-sigs:
				if n == 0 {
					cancel(fmt.Errorf("signal %v", sig))
				} else {
					close(second)
				}
			case <-done:
				return
			}
		}
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	return ctx, second, func() { close(done); signal.Stop(sigs); cancel(nil) }
}
