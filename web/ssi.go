package web

import (
	"bytes"
	"html"
	"net/url"
)

// The subset of nginx server-side includes the Jitsi Meet web app uses:
//
//	<!--#include virtual="/config.js" -->
//	<!--# echo var="subdir" default="" -->
//
// Other commands are dropped. A directive without "-->" is copied as text.
const (
	ssiOpen  = "<!--#"
	ssiClose = "-->"
	// ssiMaxDepth bounds nested includes (an included fragment may include).
	ssiMaxDepth = 4
	// ssiMaxParams bounds the parameters read from one directive.
	ssiMaxParams = 8
)

// ssiEnv is what directives read: variables for echo and the include
// resolver, which returns a fragment and whether it should be expanded too.
type ssiEnv struct {
	vars    map[string]string
	include func(path string) (body []byte, expand bool)
}

// expandSSI writes src to dst with every directive replaced by its output.
func expandSSI(dst *bytes.Buffer, src []byte, env ssiEnv, depth int) {
	for {
		i := bytes.Index(src, []byte(ssiOpen))
		if i < 0 {
			dst.Write(src)
			return
		}
		dst.Write(src[:i])
		rest := src[i+len(ssiOpen):]
		j := bytes.Index(rest, []byte(ssiClose))
		if j < 0 {
			dst.Write(src[i:])
			return
		}
		cmd, params := parseDirective(rest[:j])
		env.run(dst, cmd, params, depth)
		src = rest[j+len(ssiClose):]
	}
}

func (env ssiEnv) run(dst *bytes.Buffer, cmd string, params map[string]string, depth int) {
	switch cmd {
	case "echo":
		dst.WriteString(env.echo(params))
	case "include":
		path := params["virtual"]
		if path == "" {
			path = params["file"]
		}
		if path == "" || env.include == nil || depth >= ssiMaxDepth {
			return
		}
		body, expand := env.include(path)
		if expand {
			expandSSI(dst, body, env, depth+1)
		} else {
			dst.Write(body)
		}
	}
}

// echo returns a variable as nginx does: entity-encoded unless encoding says
// otherwise, the default (or "(none)") when the variable is not set.
func (env ssiEnv) echo(params map[string]string) string {
	v, ok := env.vars[params["var"]]
	if !ok {
		d, has := params["default"]
		if !has {
			d = "(none)"
		}
		v = d
	}
	switch params["encoding"] {
	case "none":
		return v
	case "url":
		return url.PathEscape(v)
	}
	return html.EscapeString(v)
}

// parseDirective reads ` command name="value" name='value' ` (the text
// between "<!--#" and "-->").
func parseDirective(b []byte) (string, map[string]string) {
	b = bytes.TrimLeft(b, " \t\r\n")
	n := bytes.IndexAny(b, " \t\r\n")
	if n < 0 {
		n = len(b)
	}
	cmd := string(b[:n])
	b = b[n:]
	params := map[string]string{}
	for len(params) < ssiMaxParams {
		name, value, rest, ok := nextParam(b)
		if !ok {
			break
		}
		params[name] = value
		b = rest
	}
	return cmd, params
}

// nextParam reads one name="value" (or single-quoted) pair.
func nextParam(b []byte) (name, value string, rest []byte, ok bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	eq := bytes.IndexByte(b, '=')
	if eq <= 0 || eq+1 >= len(b) {
		return "", "", nil, false
	}
	q := b[eq+1]
	if q != '"' && q != '\'' {
		return "", "", nil, false
	}
	end := bytes.IndexByte(b[eq+2:], q)
	if end < 0 {
		return "", "", nil, false
	}
	name = string(bytes.TrimSpace(b[:eq]))
	value = string(b[eq+2 : eq+2+end])
	return name, value, b[eq+2+end+1:], true
}
