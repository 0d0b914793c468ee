package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
)

// letsEncryptStaging is Let's Encrypt's test CA (LETSENCRYPT_USE_STAGING).
const letsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"

// parseEnv reads a docker-jitsi-meet .env file: KEY=VALUE lines, optional
// "export ", # comments, values optionally in single or double quotes.
// Later assignments win.
func parseEnv(r io.Reader) (map[string]string, error) {
	env := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%w: line %d is not KEY=VALUE", ErrEnvFile, n)
		}
		env[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	return env, sc.Err()
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	if i := strings.Index(v, " #"); i >= 0 {
		return strings.TrimSpace(v[:i])
	}
	return v
}

// tomlDoc collects the keys of the generated file by table.
type tomlDoc struct {
	top    []string
	tables map[string][]string
	order  []string
	notes  []string
	warns  []string // also in notes; meetd import-env prints them on stderr
	// refusals say why the file cannot be imported as it stands; with any,
	// meetd import-env prints no TOML.
	refusals []string
}

// set sets key in table ("" = the top level), replacing an earlier value.
func (d *tomlDoc) set(table, key, value string) {
	line := key + " = " + value
	if table == "" {
		d.top = setLine(d.top, key, line)
		return
	}
	if d.tables == nil {
		d.tables = map[string][]string{}
	}
	if _, ok := d.tables[table]; !ok {
		d.order = append(d.order, table)
	}
	d.tables[table] = setLine(d.tables[table], key, line)
}

func setLine(lines []string, key, line string) []string {
	for i, l := range lines {
		if strings.HasPrefix(l, key+" = ") {
			lines[i] = line
			return lines
		}
	}
	return append(lines, line)
}

func (d *tomlDoc) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// warn records a note that needs the admin's action.
func (d *tomlDoc) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	d.warns = append(d.warns, w)
	d.notes = append(d.notes, "WARNING: "+w)
}

func (d *tomlDoc) write(w io.Writer, source string) {
	fmt.Fprintf(w, "# meetd configuration imported from %s by `meetd import-env`.\n", source)
	fmt.Fprintf(w, "# Check it with `meetd check -config FILE`; meetd.example.toml explains every key.\n")
	for _, n := range d.notes {
		fmt.Fprintf(w, "# %s\n", commentSafe(n))
	}
	for _, l := range d.top {
		fmt.Fprintln(w, l)
	}
	for _, t := range d.order {
		fmt.Fprintf(w, "\n[%s]\n", t)
		for _, l := range d.tables[t] {
			fmt.Fprintln(w, l)
		}
	}
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// importEnv turns docker-jitsi-meet settings into meetd's TOML keys (only
// those with a meetd equivalent; the others are listed as not imported).
func importEnv(env map[string]string) *tomlDoc {
	d := &tomlDoc{}
	used := map[string]bool{}
	get := func(k string) string { used[k] = true; return env[k] }
	importPublic(d, get)
	importMedia(d, get)
	importACME(d, get)
	importAuth(d, get)
	var rest []string
	for k := range env {
		if !used[k] && env[k] != "" {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	if len(rest) > 0 {
		d.note("Not imported (no meetd equivalent, or set by hand): %s", strings.Join(rest, ", "))
	}
	return d
}

func importPublic(d *tomlDoc, get func(string) string) {
	domain := get("LETSENCRYPT_DOMAIN")
	if u, err := url.Parse(get("PUBLIC_URL")); err == nil && u.Scheme == "https" && u.Hostname() != "" {
		if domain == "" && net.ParseIP(u.Hostname()) == nil {
			domain = u.Hostname()
		}
		d.set("http", "public_url", tomlString(u.Scheme+"://"+u.Host))
	}
	if domain != "" {
		d.top = append(d.top, "domain = "+tomlString(strings.ToLower(domain)))
	}
	if p := get("HTTPS_PORT"); p != "" {
		d.set("http", "listen", tomlString(":"+p))
	}
	get("XMPP_DOMAIN") // docker's internal name (meet.jitsi); meetd uses the public domain
}

// defaultMediaPort is media.listen's default port (and JVB_PORT's).
const defaultMediaPort = "10000"

// importMedia takes JVB_PORT and the advertised addresses. Docker's
// "ip#port" form advertises another port than the bridge listens on (a NAT
// mapping it); meetd advertises every address with the port it listens on,
// so a different port is dropped with a warning saying what to forward.
func importMedia(d *tomlDoc, get func(string) string) {
	port := get("JVB_PORT")
	if port != "" {
		d.set("media", "listen", tomlString(":"+port))
	} else {
		port = defaultMediaPort
	}
	var ips []string
	for _, key := range []string{"JVB_ADVERTISE_IPS", "DOCKER_HOST_ADDRESS"} {
		for _, item := range strings.Split(get(key), ",") {
			ip, p, hasPort := strings.Cut(strings.TrimSpace(item), "#")
			if ip == "" || slices.Contains(ips, ip) {
				continue
			}
			if hasPort && p != port {
				d.warn("%s %s: meetd cannot advertise port %s; it advertises %s with its media port %s. "+
					"Forward UDP %s (not %s) on %s to this host, or set JVB_PORT=%s and import again.",
					key, item, p, ip, port, port, p, ip, p)
			}
			ips = append(ips, ip)
		}
	}
	if len(ips) > 0 {
		d.set("media", "advertise", tomlList(ips))
	}
}

func importACME(d *tomlDoc, get func(string) string) {
	on := get("ENABLE_LETSENCRYPT")
	if on != "1" && on != "true" {
		get("LETSENCRYPT_EMAIL")
		get("LETSENCRYPT_USE_STAGING")
		get("HTTP_PORT")
		return
	}
	d.set("acme", "enabled", "true")
	if e := get("LETSENCRYPT_EMAIL"); e != "" {
		d.set("acme", "email", tomlString(e))
	}
	if s := get("LETSENCRYPT_USE_STAGING"); s == "1" || s == "true" {
		d.set("acme", "directory", tomlString(letsEncryptStaging))
	}
	if p := get("HTTP_PORT"); p != "" {
		d.set("acme", "http_listen", tomlString(":"+p))
	}
}

// commentSafe makes text from the .env file fit a TOML comment: valid UTF-8
// without control characters (a newline would end the comment).
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}
