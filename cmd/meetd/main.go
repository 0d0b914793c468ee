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
//
// SIGINT or SIGTERM stops it gracefully; a second signal stops it at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs meetd and returns the process exit code: 0 after a clean
// stop, 1 on a runtime failure, 2 on bad usage or configuration.
func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "check":
			return runCheck(args[1:], stdout, stderr)
		case "import-env":
			return runImportEnv(args[1:], stdout, stderr)
		}
	}
	if len(args) > 0 && args[0] == "passwd" {
		return runPasswd(args[1:], os.Stdin, stdout, stderr)
	}
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return 2
	}
	cfg, err := loadConfig(opts.configPath)
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.Log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal kills the process the default way
	}()
	if err := serve(ctx, cfg, log, stdout); err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return 1
	}
	return 0
}
