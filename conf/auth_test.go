package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestAuthAndLimits(t *testing.T) {
	const hash = "pbkdf2:4096:c2FsdHNhbHQ=:AAAA:BBBB"
	tests := []struct {
		name, toml, badKey string
	}{
		{"defaults", ``, ""},
		{"accounts and jwt", `[auth]
allow_anonymous = false
jwt_app_id = "app"
jwt_secret = "0123456789abcdef"
[[auth.account]]
jid = "alice@localhost"
password_hash = "` + hash + `"
moderator = true
[[auth.account]]
jid = "jibri@auth.localhost"
password_hash = "` + hash + `"`, ""},
		{"short secret", "[auth]\njwt_app_id = \"a\"\njwt_secret = \"short\"", "auth.jwt_secret"},
		{"secret without app id", "[auth]\njwt_secret = \"0123456789abcdef\"", "auth.jwt_app_id"},
		{"foreign account", "[[auth.account]]\njid = \"a@example.org\"\npassword_hash = \"" + hash + "\"", "auth.account[0].jid"},
		{"plain password", "[[auth.account]]\njid = \"a@localhost\"\npassword_hash = \"hunter2\"", "auth.account[0].password_hash"},
		{"limits off", "[xmpp.limits]\nconnections_per_ip = 0\nlogins_per_minute = 0\njoins_per_second = 0\njoin_burst = 0", ""},
		{"negative limit", "[xmpp.limits]\nmax_occupants = -1", "xmpp.limits.max_occupants"},
		{"tiny stanza size", "[xmpp.limits]\nstanza_size = 10", "xmpp.limits.stanza_size"},
		{"half a bucket", "[xmpp.limits]\nstanza_burst = 0", "xmpp.limits.stanza_burst"},
		{"typo", "[xmpp.limits]\nmax_ocupants = 3", "xmpp.limits.max_ocupants"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.toml))
			if tc.badKey == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if tc.toml == "" && (!c.Auth.AllowAnonymous || c.XMPP.Limits.MaxOccupants != 100) {
					t.Fatalf("defaults %+v %+v", c.Auth, c.XMPP.Limits)
				}
				return
			}
			var ke *KeyError
			if err == nil || !errors.As(err, &ke) || !strings.Contains(err.Error(), tc.badKey+":") {
				t.Fatalf("error %v, want one for %s", err, tc.badKey)
			}
		})
	}
}
