package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestTURNKeys(t *testing.T) {
	tests := []struct {
		name, input, key string // key "" = valid
	}{
		{"defaults", "", ""},
		{"off", "[turn]\nenabled = false\nlisten = \"\"", ""},
		{"sni host and bind", "[turn]\ntls_host = \"turn.example.com\"\nrelay_address = \"127.0.0.1\"", ""},
		{"listen", "[turn]\nlisten = \"turn:3478\"", "turn.listen"},
		{"tls host", "[turn]\ntls_host = \"not a name\"", "turn.tls_host"},
		{"relay address", "[turn]\nrelay_address = \"eth0\"", "turn.relay_address"},
		{"per user", "[turn]\nallocations_per_user = 0", "turn.allocations_per_user"},
		{"per ip", "[turn]\nallocations_per_ip = -1", "turn.allocations_per_ip"},
		{"ttl", "[turn]\ncredential_ttl = 30", "turn.credential_ttl"},
		{"unknown", "[turn]\nsecret = \"x\"", "turn.secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.input))
			if tt.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.name == "defaults" && (!c.TURN.Enabled || c.TURN.Listen != ":3478" || c.TURN.CredentialTTL != 86400) {
					t.Errorf("defaults %+v", c.TURN)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("error %v does not name %s", err, tt.key)
			}
			if !errors.Is(err, ErrBadValue) && !errors.Is(err, ErrUnknownKey) {
				t.Errorf("error %v", err)
			}
		})
	}
}
