package conf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebConfigValidation(t *testing.T) {
	tests := []struct {
		name, doc, want string // want "" = accepted
	}{
		{"common keys", "[web.config]\nrequireDisplayName = true\ndefaultLanguage = \"fr\"\ntoolbarButtons = [\"hangup\"]\n" +
			"[web.config.prejoinConfig]\nenabled = false\n[web.config.recordings]\nrequireConsent = true", ""},
		{"unknown config.js key passes", "[web.config]\nsomeNewWebAppSetting = {a = [1, 2.5, \"x\"]}", ""},
		{"server-owned key", "[web.config]\nwebsocket = \"wss://elsewhere/xmpp-websocket\"", "web.config.websocket: bad value: is set by meetd"},
		{"server-owned nested key", "[web.config.flags]\nssrcRewritingEnabled = true", "web.config.flags.ssrcRewritingEnabled: bad value: is set by meetd"},
		{"other flags pass", "[web.config.flags]\nsomeOtherFlag = true", ""},
		{"hosts table", "[web.config.hosts]\nanonymousdomain = \"guest.localhost\"", "web.config.hosts: bad value: is set by meetd"},
		{"wrong type of a known key", "[web.config]\nrequireDisplayName = \"yes\"", `web.config.requireDisplayName: bad value: expected true or false, got the string "yes"`},
		{"list of non-strings", "[web.config]\ntoolbarButtons = [1]", "expected a list of strings"},
		{"case typo", "[web.config]\nrequireDisplayname = true", "did you mean requireDisplayName?"},
		{"snake case", "[web.config]\nrequire_display_name = true", "did you mean requireDisplayName?"},
		{"nested typo", "[web.config.recordings]\nrequire_consent = true", "did you mean recordings.requireConsent?"},
		{"not a property name", "[web.config]\n\"a-b\" = 1", `"a-b" is not a config.js property name`},
		{"proto", "[web.config]\n__proto__ = {polluted = true}", `"__proto__" is not a config.js property name`},
		{"date", "[web.config]\nwhen = 2026-01-01", "dates and times have no config.js form"},
		{"nan", "[web.config]\nx = nan", "nan and inf have no config.js form"},
		{"not a table", "[web]\nconfig = 1", "web.config: expected a table, got the number 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Parse = %v, want accepted", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Parse = %v, want %q", err, tt.want)
			case tt.want != "" && !errors.Is(err, ErrBadValue) && !errors.Is(err, ErrWrongType):
				t.Errorf("Parse = %v: want ErrBadValue or ErrWrongType", err)
			}
		})
	}
}

func TestPrivacyWarnings(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"defaults", "", nil},
		{"unrelated keys", "[web.config]\nrequireDisplayName = true", nil},
		{"same as the defaults", "[web.config]\ndisableThirdPartyRequests = true\n[web.config.p2p]\nenabled = false", nil},
		{"p2p on", "[web.config.p2p]\nenabled = true", []string{"web.config.p2p.enabled = true"}},
		{"everything off", "[web.config]\ndisableThirdPartyRequests = false\n[web.config.analytics]\ndisabled = false\n" +
			"[web.config.gravatar]\ndisabled = false\n[web.config.p2p]\nstunServers = [{urls = \"stun:stun.example.com:3478\"}]",
			[]string{"web.config.disableThirdPartyRequests = false", "web.config.analytics.disabled = false",
				"web.config.gravatar.disabled = false", "web.config.p2p.stunServers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			got := c.Web.PrivacyWarnings()
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", got, len(tt.want))
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.Join(got, "\n"), w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
		})
	}
}

// TestExampleWebConfig: the commented [web.config] example in meetd.example.toml parses once uncommented
// and sets what it says.
func TestExampleWebConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "meetd.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var block []string
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case l == "# [web.config]":
			in = true
		case in && !strings.HasPrefix(l, "# "):
			in = false
		}
		if in {
			block = append(block, strings.TrimPrefix(l, "# "))
		}
	}
	if len(block) < 5 {
		t.Fatalf("no [web.config] example found in meetd.example.toml (%d lines)", len(block))
	}
	c, err := Parse([]byte(strings.Join(block, "\n")))
	if err != nil {
		t.Fatalf("the example does not parse: %v\n%s", err, strings.Join(block, "\n"))
	}
	if v, _ := lookupPath(c.Web.Config, "recordings.requireConsent"); v != true {
		t.Errorf("recordings.requireConsent = %v", v)
	}
	if v, _ := lookupPath(c.Web.Config, "prejoinConfig.enabled"); v != true {
		t.Errorf("prejoinConfig.enabled = %v", v)
	}
	if len(c.Web.PrivacyWarnings()) != 0 {
		t.Errorf("the example turns a privacy default off: %q", c.Web.PrivacyWarnings())
	}
}
