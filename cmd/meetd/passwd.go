package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strings"

	"meetd/xmpp"
)

// runPasswd implements `meetd passwd [-iterations n] user@host`: it reads
// the password from the first line of stdin and prints the [[auth.account]]
// entry with the salted hash (the password itself is not stored).
func runPasswd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	const usageLine = "meetd passwd [-iterations n] [-moderator] user@host  < password"
	fs := flag.NewFlagSet("meetd passwd", flag.ContinueOnError)
	iter := fs.Int("iterations", xmpp.DefaultHashIterations, "PBKDF2 `iterations` (at least 4096)")
	mod := fs.Bool("moderator", false, "make the account an owner of the rooms it joins")
	if code, ok := parseCommandFlags(fs, args, usageLine, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 || !strings.Contains(fs.Arg(0), "@") {
		return badUsage(stderr, usageLine)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	pw := strings.TrimRight(line, "\r\n")
	if (err != nil && err != io.EOF) || pw == "" {
		fmt.Fprintln(stderr, "meetd passwd: give the password on stdin")
		return exitUsage
	}
	h, err := xmpp.HashPassword(pw, *iter)
	if err != nil {
		fmt.Fprintf(stderr, "meetd passwd: %v\n", err)
		return exitUsage // the one error: -iterations out of range
	}
	fmt.Fprintf(stdout, "[[auth.account]]\njid = %q\npassword_hash = %q\n", fs.Arg(0), h)
	if *mod {
		fmt.Fprintln(stdout, "moderator = true")
	}
	return exitOK
}
