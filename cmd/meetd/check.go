package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"meetd/conf"
	"meetd/web"
)

// runCheck is `meetd check -config FILE`: it validates the file and the
// files it names, prints every problem and returns the exit code (0 when
// usable, 1 with problems, 2 on bad usage).
func runCheck(args []string, stdout, stderr io.Writer) int {
	const usageLine = "meetd check -config FILE"
	fs := flag.NewFlagSet("meetd check", flag.ContinueOnError)
	path := fs.String("config", "", "TOML configuration `file` to check")
	if code, ok := parseCommandFlags(fs, args, usageLine, stdout, stderr); !ok {
		return code
	}
	if *path == "" || fs.NArg() > 0 {
		return badUsage(stderr, usageLine)
	}
	problems, warnings := checkFile(*path)
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	if len(problems) == 0 {
		if cfg, err := conf.Load(*path); err == nil {
			for _, l := range checkPaths(cfg) { // relay.go
				fmt.Fprintf(stdout, "media path: %s\n", l)
			}
		}
	}
	for _, p := range problems {
		fmt.Fprintf(stdout, "problem: %s\n", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "%s: %d problem(s); meetd would not start\n", *path, len(problems))
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return exitOK
}

// checkFile returns the problems that stop meetd and the warnings it would
// log.
func checkFile(path string) (problems, warnings []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}, nil
	}
	cfg, err := conf.Check(data)
	if err != nil {
		problems = splitErrors(err.Error())
	}
	if cfg == nil { // not TOML: nothing more to check
		return problems, nil
	}
	host := cfg.Domain
	if cfg.HTTP.PublicURL != "" {
		if u, err := url.Parse(cfg.HTTP.PublicURL); err == nil {
			host = u.Hostname()
		}
	}
	for _, p := range web.CheckFiles(cfg, host, time.Now()) {
		if strings.Contains(p, "expires soon") {
			warnings = append(warnings, p)
		} else {
			problems = append(problems, p)
		}
	}
	if _, err := relayTLSConfig("bridges.relay_ca_file", cfg.Bridges.RelayCAFile); err != nil {
		problems = append(problems, err.Error())
	}
	warnings = append(warnings, mediaWarnings(cfg.Domain, cfg.Media.Advertise)...)
	warnings = append(warnings, acmeWarnings(cfg)...)
	if problem, warning := recordingCheck(cfg); problem != "" { // recordings.go
		problems = append(problems, problem)
	} else if warning != "" {
		warnings = append(warnings, warning)
	}
	warnings = append(warnings, cfg.Web.PrivacyWarnings()...)
	if cfg.HTTP.TLSCert == "" && !cfg.ACME.Enabled && cfg.Domain != "localhost" {
		warnings = append(warnings, "no certificate configured: meetd will serve a self-signed one, which the Jitsi Meet mobile apps refuse; set [acme] enabled = true or http.tls_cert/http.tls_key")
	}
	return problems, warnings
}

// splitErrors lists the problems of a joined error, one per line.
func splitErrors(msg string) []string {
	var out []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// runImportEnv is `meetd import-env FILE`: it prints the TOML for a
// docker-jitsi-meet .env file on stdout and the problems meetd would have
// with it on stderr.
func runImportEnv(args []string, stdout, stderr io.Writer) int {
	const usageLine = "meetd import-env FILE > meetd.toml"
	if len(args) == 1 && isHelpFlag(args[0]) {
		fmt.Fprintln(stdout, "usage: "+usageLine)
		return exitOK
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return badUsage(stderr, usageLine)
	}
	f, err := os.Open(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return exitFailure
	}
	defer f.Close()
	env, err := parseEnv(f)
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %s: %v\n", args[0], err)
		return exitFailure
	}
	var b strings.Builder
	doc := importEnv(env)
	if len(doc.refusals) > 0 {
		for _, r := range doc.refusals {
			fmt.Fprintf(stderr, "meetd import-env: cannot import: %s\n", r)
		}
		fmt.Fprintln(stderr, "meetd import-env: nothing written (meetd does not guess who may join: fix the settings above, or write [auth] by hand)")
		return exitFailure
	}
	doc.write(&b, args[0])
	_, _ = io.WriteString(stdout, b.String())
	for _, w := range doc.warns {
		fmt.Fprintf(stderr, "meetd import-env: warning: %s\n", w)
	}
	if _, err := conf.Parse([]byte(b.String())); err != nil {
		fmt.Fprintf(stderr, "meetd: the imported configuration needs editing:\n%s\n", err)
		return exitFailure
	}
	return exitOK
}

// acmeWarnings: the CA validates on ports 443 (TLS-ALPN-01) and 80
// (HTTP-01); with neither listener there, only port forwarding helps.
func acmeWarnings(cfg *conf.Config) []string {
	if !cfg.ACME.Enabled {
		return nil
	}
	_, https, _ := net.SplitHostPort(cfg.HTTP.Listen)
	_, plain, _ := net.SplitHostPort(cfg.ACME.HTTPListen)
	if https == "443" || plain == "80" {
		return nil
	}
	return []string{fmt.Sprintf("acme: the CA checks port 443 (TLS-ALPN-01) or 80 (HTTP-01), but http.listen is %q and acme.http_listen %q; "+
		"this works only if those ports are forwarded to meetd", cfg.HTTP.Listen, cfg.ACME.HTTPListen)}
}
