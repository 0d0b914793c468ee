package main

import (
	"strings"
	"testing"

	"meetd/conf"
)

// TestImportAuth: docker-jitsi-meet's authentication settings become [auth], or the import is refused;
// a deployment that kept guests out never comes out open.
func TestImportAuth(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	waitKey := conf.KnownKey("auth.guests_wait_for_host")
	type want struct {
		refused   string // "" = imported
		anonymous bool
		appID     string
		secret    string
		issuers   string
		wait      bool // guests_wait_for_host
		warning   string
	}
	tests := []struct {
		name, env string
		want      want
	}{
		{"open deployment", "ENABLE_AUTH=0", want{anonymous: true}},
		{"no auth keys", "", want{anonymous: true}},
		{"jwt ignored without auth", "AUTH_TYPE=jwt\nJWT_APP_ID=app\nJWT_APP_SECRET=" + secret, want{anonymous: true}},
		{"internal", "ENABLE_AUTH=1", want{anonymous: false, warning: "meetd passwd -moderator"}},
		{"internal explicit", "ENABLE_AUTH=true\nAUTH_TYPE=internal", want{anonymous: false, warning: "meetd passwd"}},
		{"jwt", "ENABLE_AUTH=1\nAUTH_TYPE=jwt\nJWT_APP_ID=app\nJWT_APP_SECRET=" + secret + "\nJWT_ACCEPTED_ISSUERS=app, other",
			want{anonymous: false, appID: "app", secret: secret, issuers: "app,other"}},
		{"jwt allow empty", "ENABLE_AUTH=1\nAUTH_TYPE=jwt\nJWT_APP_ID=app\nJWT_APP_SECRET=" + secret + "\nJWT_ALLOW_EMPTY=1",
			want{anonymous: true, appID: "app", secret: secret}},
		{"jwt without secret", "ENABLE_AUTH=1\nAUTH_TYPE=jwt\nJWT_APP_ID=app", want{refused: "needs JWT_APP_ID and JWT_APP_SECRET"}},
		{"jwt key server", "ENABLE_AUTH=1\nAUTH_TYPE=jwt\nJWT_APP_ID=app\nJWT_ASAP_KEYSERVER=https://keys.example.com/",
			want{refused: "JWT_ASAP_KEYSERVER"}},
		{"ldap", "ENABLE_AUTH=1\nAUTH_TYPE=ldap", want{refused: "AUTH_TYPE=ldap: meetd has no ldap login"}},
		{"matrix", "ENABLE_AUTH=1\nAUTH_TYPE=matrix", want{refused: "no matrix login"}},
		{"unclear switch", "ENABLE_AUTH=maybe", want{refused: `ENABLE_AUTH="maybe"`}},
		{"unclear guests", "ENABLE_AUTH=1\nENABLE_GUESTS=sometimes", want{refused: `ENABLE_GUESTS="sometimes"`}},
		{"guests without auth", "ENABLE_GUESTS=1", want{anonymous: true}},
	}
	if waitKey {
		tests = append(tests,
			struct {
				name, env string
				want      want
			}{"internal with guests", "ENABLE_AUTH=1\nENABLE_GUESTS=1", want{anonymous: true, wait: true, warning: "meetd passwd"}},
			struct {
				name, env string
				want      want
			}{"jwt with guests", "ENABLE_AUTH=1\nENABLE_GUESTS=1\nAUTH_TYPE=jwt\nJWT_APP_ID=app\nJWT_APP_SECRET=" + secret,
				want{anonymous: true, wait: true, appID: "app", secret: secret}})
	} else {
		tests = append(tests, struct {
			name, env string
			want      want
		}{"internal with guests", "ENABLE_AUTH=1\nENABLE_GUESTS=1", want{refused: "ENABLE_GUESTS with ENABLE_AUTH"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := realMain([]string{"import-env", writeFile(t, ".env", tt.env+"\n")}, &out, &errOut)
			if tt.want.refused != "" {
				if code != exitFailure || out.Len() != 0 || !strings.Contains(errOut.String(), "cannot import: ") ||
					!strings.Contains(errOut.String(), tt.want.refused) {
					t.Fatalf("exit %d, stdout %q, stderr %q: want exit 1, no TOML and a refusal naming %q",
						code, out.String(), errOut.String(), tt.want.refused)
				}
				return
			}
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
			}
			cfg, err := conf.Parse([]byte(out.String()))
			if err != nil {
				t.Fatalf("imported TOML: %v\n%s", err, out.String())
			}
			a := cfg.Auth
			got := want{anonymous: a.AllowAnonymous, appID: a.JWTAppID, secret: a.JWTSecret,
				issuers: strings.Join(a.JWTAcceptedIssuers, ","), wait: strings.Contains(out.String(), "guests_wait_for_host = true"),
				warning: tt.want.warning}
			if got != tt.want {
				t.Errorf("[auth] = %+v, want %+v\n%s", got, tt.want, out.String())
			}
			if tt.want.warning != "" && !strings.Contains(errOut.String(), tt.want.warning) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tt.want.warning)
			}
			if strings.Contains(errOut.String(), secret) {
				t.Error("the JWT secret was printed on stderr")
			}
		})
	}
}
