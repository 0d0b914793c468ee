package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"meetd/conf"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig(t *testing.T) *conf.Config {
	t.Helper()
	c := conf.Default()
	c.StateDir = t.TempDir()
	return c
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newTestServer(t *testing.T, cfg *conf.Config, opts Options) *Server {
	t.Helper()
	if opts.PublicURL == nil {
		opts.PublicURL = mustURL(t, "https://localhost:8443")
	}
	opts.Logger = quietLogger()
	s, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// parseConfigJS extracts and decodes the object literal of "var config = {…};".
func parseConfigJS(t *testing.T, body []byte) map[string]any {
	t.Helper()
	const prefix = "var config = "
	i := bytes.Index(body, []byte(prefix))
	j := bytes.LastIndex(body, []byte(";"))
	if i < 0 || j < i {
		t.Fatalf("config.js has no %q…; statement:\n%s", prefix, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body[i+len(prefix):j], &m); err != nil {
		t.Fatalf("config.js object is not JSON: %v\n%s", err, body)
	}
	return m
}

// lookup follows a dotted path through nested JSON objects.
func lookup(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[p]
	}
	return v
}
