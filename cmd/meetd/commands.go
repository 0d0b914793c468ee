package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes of every meetd command.
const (
	exitOK      = 0 // done, or help was asked for
	exitFailure = 1 // the command ran and failed (or found problems)
	exitUsage   = 2 // bad arguments
)

// command is one `meetd NAME ...` subcommand.
type command struct {
	name    string
	summary string // one line for `meetd help`
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands in the order `meetd help` shows them. A
// new subcommand adds one line here and its run function in its own file;
// its run function answers -h with its usage on stdout and exitOK.
func commands() []command {
	return []command{
		{"check", "validate a configuration file and the files it names, listing every problem", runCheck},
		{"import-env", "print a meetd.toml for a docker-jitsi-meet .env file", runImportEnv},
		{"passwd", "print an [[auth.account]] entry for the password given on stdin", func(args []string, stdout, stderr io.Writer) int {
			return runPasswd(args, os.Stdin, stdout, stderr)
		}},
		{"appointment", "add, list or cancel a practice's appointments and print their links", runAppointment},
		{"recordings", "list the finished recordings (no links: their keys are not stored)", runRecordings},
		{"bridge", "run only a videobridge that joins a remote XMPP server's brewery (bridge.example.toml)", runBridge},
		{"focus", "run only the focus, as a component of another XMPP server such as Prosody (focus.example.toml)", runFocus},
		{"version", "print meetd's version, commit and Go version", runVersion},
		{"help", "print this help, or a command's (meetd help check)", runHelp},
	}
}

// findCommand returns the subcommand called name.
func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage writes the overview `meetd help` and `meetd -h` print.
func usage(w io.Writer) {
	fmt.Fprint(w, `meetd runs the Jitsi Meet server side in one process.

usage:
  meetd [-config FILE]      run meetd (without -config: the built-in defaults)
  meetd COMMAND [ARGS]      run one of the commands below

commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
options of meetd itself:
  -config FILE   the TOML configuration (meetd.example.toml lists every key)
  -h, -help      print this help

Exit status: 0 on success or help, 1 on failure, 2 on bad usage.
`)
}

// runHelp is `meetd help [COMMAND]`.
func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || isHelpFlag(args[0]):
		usage(stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintln(stderr, "usage: meetd help [COMMAND]")
		return exitUsage
	}
	c, ok := findCommand(args[0])
	if !ok {
		return unknownCommand(args[0], stderr)
	}
	if c.name == "help" || c.name == "version" {
		fmt.Fprintf(stdout, "meetd %s: %s\n", c.name, c.summary)
		return exitOK
	}
	return c.run([]string{"-h"}, stdout, stderr)
}

func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "meetd: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func isHelpFlag(arg string) bool {
	switch strings.TrimLeft(arg, "-") {
	case "h", "help":
		return strings.HasPrefix(arg, "-")
	}
	return false
}

// parseCommandFlags parses a command's flags the same way for every
// command: -h prints the usage line and the flags on stdout (exit 0), a bad
// flag prints the problem and the usage on stderr (exit 2). ok is true when
// the command should go on.
func parseCommandFlags(fs *flag.FlagSet, args []string, usageLine string, stdout, stderr io.Writer) (code int, ok bool) {
	out := stderr
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelpFlag(a) {
			out = stdout
		}
	}
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: "+usageLine)
		fs.PrintDefaults()
	}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		return exitUsage, false
	}
	return exitOK, true
}

// badUsage prints a command's usage line on stderr and returns exitUsage.
func badUsage(stderr io.Writer, usageLine string) int {
	fmt.Fprintln(stderr, "usage: "+usageLine)
	return exitUsage
}
