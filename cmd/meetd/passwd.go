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
	fs := flag.NewFlagSet("meetd passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	iter := fs.Int("iterations", xmpp.DefaultHashIterations, "PBKDF2 `iterations` (at least 4096)")
	mod := fs.Bool("moderator", false, "make the account an owner of the rooms it joins")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: meetd passwd [-iterations n] [-moderator] user@host  < password")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || !strings.Contains(fs.Arg(0), "@") {
		fs.Usage()
		return 2
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	pw := strings.TrimRight(line, "\r\n")
	if (err != nil && err != io.EOF) || pw == "" {
		fmt.Fprintln(stderr, "meetd passwd: give the password on stdin")
		return 2
	}
	h, err := xmpp.HashPassword(pw, *iter)
	if err != nil {
		fmt.Fprintf(stderr, "meetd passwd: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "[[auth.account]]\njid = %q\npassword_hash = %q\n", fs.Arg(0), h)
	if *mod {
		fmt.Fprintln(stdout, "moderator = true")
	}
	return 0
}
