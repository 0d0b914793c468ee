package conf

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// maxDomainLen leaves room for the longest derived name,
// "internal.auth.<domain>", within DNS's 253 characters.
const maxDomainLen = 253 - len("internal.auth.")

// Validate checks every key and returns all problems joined, each a
// *KeyError wrapping ErrBadValue; nil when the configuration is usable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &KeyError{Key: key,
			Err: fmt.Errorf("%w: %s", ErrBadValue, fmt.Sprintf(format, args...))})
	}
	if msg := checkDomain(c.Domain); msg != "" {
		bad("domain", "%q %s", c.Domain, msg)
	}
	if strings.TrimSpace(c.StateDir) == "" {
		bad("state_dir", "must not be empty")
	}
	c.HTTP.validate(bad)
	c.Media.validate(c.Domain, bad)
	c.Media.validateCodecs(bad) // codecs.go (not in the bridge host's config)
	c.Log.validate(bad)
	c.Web.validate(bad)
	c.ACME.validate(c, bad)
	c.Ops.validate(bad)
	c.Recording.validate(bad)
	c.TURN.validate(bad)
	c.XMPP.validate(c.Addresses(), bad)
	c.Auth.validate(c.Addresses(), bad)
	c.Appointments.validate(bad)
	c.Bridges.validate(c, bad)
	return errors.Join(errs...)
}

type badFunc func(key, format string, args ...any)

func (h HTTP) validate(bad badFunc) {
	BridgeHTTP{Listen: h.Listen, PublicURL: h.PublicURL, TLSCert: h.TLSCert, TLSKey: h.TLSKey}.validate(bad)
	if h.ConnectionsPerIP < 0 {
		bad("http.connections_per_ip", "must not be negative (0 turns the cap off)")
	}
}

func (m Media) validate(domain string, bad badFunc) {
	if msg := checkListen(m.Listen); msg != "" {
		bad("media.listen", "%q %s", m.Listen, msg)
	}
	if msg := checkListen(m.TCPListen); m.TCPListen != "" && msg != "" {
		bad("media.tcp_listen", "%q %s", m.TCPListen, msg)
	}
	if len(m.Advertise) == 0 {
		bad("media.advertise", "must list the IP addresses clients reach the media port at (only domain %q defaults to 127.0.0.1)", localDomain)
	}
	for i, ip := range m.Advertise {
		key := fmt.Sprintf("media.advertise[%d]", i)
		switch a, p, hasPort := strings.Cut(ip, "#"); {
		case hasPort && net.ParseIP(a) != nil:
			bad(key, "%q: no #port (docker's JVB_ADVERTISE_IPS form); meetd advertises every address with the port of media.listen: write %q and forward that UDP port, not %s", ip, a, p)
		case net.ParseIP(ip) == nil:
			bad(key, "%q is not an IP address", ip)
		}
	}
}

func (l Log) validate(bad badFunc) {
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q must be one of debug, info, warn, error", l.Level)
	}
	switch l.Format {
	case "text", "json":
	default:
		bad("log.format", "%q must be text or json", l.Format)
	}
}

// checkDomain returns "" for a lowercase DNS name, else what is wrong.
func checkDomain(d string) string {
	if d == "" {
		return "must not be empty"
	}
	if len(d) > maxDomainLen {
		return fmt.Sprintf("is longer than %d characters", maxDomainLen)
	}
	for _, label := range strings.Split(d, ".") {
		if msg := checkLabel(label); msg != "" {
			return msg
		}
	}
	return ""
}

func checkLabel(l string) string {
	if l == "" || len(l) > 63 {
		return "must be dot-separated labels of 1 to 63 characters"
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return "labels must not start or end with '-'"
	}
	for _, r := range l {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-'
		if !ok {
			return "must be a lowercase host name (a-z, 0-9, '-', '.')"
		}
	}
	return ""
}

// checkListen returns "" for host:port with an empty host, an IP or
// "localhost" and a port 0..65535, else what is wrong.
func checkListen(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "must be host:port, e.g. \":8443\" or \"127.0.0.1:0\""
	}
	if host != "" && host != localDomain && net.ParseIP(host) == nil {
		return "host must be empty, an IP address or localhost"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "port must be a number from 0 to 65535"
	}
	return ""
}

// parsePublicURL accepts an absolute https URL with a host and no path,
// query or fragment, and returns it without a trailing slash.
func parsePublicURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, "is not a URL"
	case u.Scheme != "https":
		return nil, "must start with https://"
	case u.Hostname() == "" || u.User != nil:
		return nil, "must name a host (and no user)"
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return nil, "must not have a path, query or fragment"
	}
	u.Path = ""
	return u, ""
}
