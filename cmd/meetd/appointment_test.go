package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"meetd/appointment"
	"meetd/conf"
	"meetd/xmpp"
)

// apptConfig writes a config with appointments on and returns its path.
func apptConfig(t *testing.T) (path, stateDir string) {
	t.Helper()
	dir := t.TempDir()
	stateDir = filepath.Join(dir, "state")
	path = filepath.Join(dir, "meetd.toml")
	cfg := "state_dir = " + quote(stateDir) + "\n[http]\npublic_url = \"https://meet.example.org\"\n" +
		"[appointments]\nenabled = true\ntime_zone = \"Europe/Berlin\"\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, stateDir
}

func quote(s string) string { return "'" + s + "'" }

func runAppt(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = realMain(append([]string{"appointment"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAppointmentCLI(t *testing.T) {
	cfg, state := apptConfig(t)
	code, out, errs := runAppt(t, "add", "-config", cfg, "--at", "2026-12-08T10:00", "--duration", "50m",
		"--email", "client@example.org", "--title", "Erstgespräch")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "appointment 1: 2026-12-08 10:00 CET, 50m0s") {
		t.Errorf("add printed %q", out)
	}
	client := linkAfter(t, out, "client link:")
	host := linkAfter(t, out, "host link:")
	key, err := appointment.LoadKey(state)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC) // 10:00 in Berlin
	cc := tokenClaims(t, client, key)
	if !appointment.IsRoom(cc["room"].(string)) || cc["iss"] != appointment.KeyAppID || cc["moderator"] != nil {
		t.Errorf("client claims %v", cc)
	}
	if nbf := int64(cc["nbf"].(float64)); nbf != start.Add(-15*time.Minute).Unix() {
		t.Errorf("client nbf %v, want start-15m", time.Unix(nbf, 0).UTC())
	}
	if exp := int64(cc["exp"].(float64)); exp != start.Add(80*time.Minute).Unix() {
		t.Errorf("client exp %v, want end+30m", time.Unix(exp, 0).UTC())
	}
	if hc := tokenClaims(t, host, key); hc["moderator"] != true || hc["room"] != cc["room"] {
		t.Errorf("host claims %v", hc)
	}
	code, out, _ = runAppt(t, "list", "-config", cfg, "--all")
	if code != 0 || !strings.Contains(out, "Erstgespräch") || !strings.Contains(out, "pending") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	if code, out, _ = runAppt(t, "links", "-config", cfg, "1"); code != 0 || linkAfter(t, out, "client link:") == "" {
		t.Errorf("links: exit %d %q", code, out)
	}
	if code, _, errs = runAppt(t, "cancel", "-config", cfg, "1"); code != 0 {
		t.Fatalf("cancel: exit %d %s", code, errs)
	}
	if code, _, errs = runAppt(t, "links", "-config", cfg, "1"); code != 1 || !strings.Contains(errs, "cancelled") {
		t.Errorf("links of a cancelled appointment: exit %d %q", code, errs)
	}
}

func TestAppointmentCLIBadInput(t *testing.T) {
	cfg, _ := apptConfig(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no date", []string{"add", "-config", cfg, "--email", "a@example.org"}, "--at is required"},
		{"bad month", []string{"add", "-config", cfg, "--at", "2026-13-08T10:00"}, "is not a date and time"},
		{"words", []string{"add", "-config", cfg, "--at", "tomorrow"}, "is not a date and time"},
		{"bad duration", []string{"add", "-config", cfg, "--at", "2026-12-08T10:00", "--duration", "0s"}, "duration"},
		{"bad email", []string{"add", "-config", cfg, "--at", "2026-12-08T10:00", "--email", "nobody"}, "not an e-mail address"},
		{"bad language", []string{"add", "-config", cfg, "--at", "2026-12-08T10:00", "--lang", "fr"}, "language"},
		{"cancel no id", []string{"cancel", "-config", cfg}, "argument"},
		{"cancel bad id", []string{"cancel", "-config", cfg, "x"}, "not an appointment id"},
		{"unknown command", []string{"frobnicate"}, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runAppt(t, tt.args...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
	if code, out, _ := runAppt(t, "list", "-config", cfg, "--all"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("bad input stored something: %q", out)
	}
	if code, _, errs := runAppt(t, "cancel", "-config", cfg, "42"); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("cancel 42: exit %d %q", code, errs)
	}
}

var linkRE = regexp.MustCompile(`https://\S+`)

func linkAfter(t *testing.T, out, label string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, label)
	if !ok {
		t.Fatalf("no %q in %q", label, out)
	}
	return linkRE.FindString(rest)
}

func tokenClaims(t *testing.T, link string, key []byte) jwt.MapClaims {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Host != "meet.example.org" {
		t.Fatalf("link %q: %v", link, err)
	}
	c := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithoutClaimsValidation()).ParseWithClaims(u.Query().Get("jwt"), c,
		func(*jwt.Token) (any, error) { return key, nil })
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if "/"+c["room"].(string) != u.Path {
		t.Errorf("link path %q, room %v", u.Path, c["room"])
	}
	return c
}

func TestAdminLoginAccounts(t *testing.T) {
	hash, err := xmpp.HashPassword("pw", 4096)
	if err != nil {
		t.Fatal(err)
	}
	cfg := conf.Default()
	cfg.Auth.Accounts = []conf.Account{
		{JID: "host@localhost", PasswordHash: hash, Moderator: true},
		{JID: "guest@localhost", PasswordHash: hash},
		{JID: "svc@auth.localhost", PasswordHash: hash, Moderator: true},
	}
	check := adminLogin(cfg)
	for _, tt := range []struct {
		user, pw string
		want     bool
	}{
		{"host@localhost", "pw", true}, {"Host@localhost", "pw", true}, {"host@localhost", "x", false},
		{"guest@localhost", "pw", false}, {"svc@auth.localhost", "pw", false}, {"nobody@localhost", "pw", false},
	} {
		if got := check(tt.user, tt.pw); got != tt.want {
			t.Errorf("%s/%s: %v", tt.user, tt.pw, got)
		}
	}
}

func TestTokenIssuer(t *testing.T) {
	for _, tt := range []struct {
		a    conf.Auth
		want string
	}{
		{conf.Auth{JWTAppID: "app"}, "app"},
		{conf.Auth{JWTAcceptedIssuers: []string{"*", "iss"}}, "iss"},
		{conf.Auth{JWTAcceptedIssuers: []string{"*"}}, appointment.KeyAppID},
	} {
		if got := tokenIssuer(tt.a); got != tt.want {
			t.Errorf("tokenIssuer(%+v) = %q, want %q", tt.a, got, tt.want)
		}
	}
}
