package conf

import "testing"

func TestAddresses(t *testing.T) {
	c := Default()
	c.Domain = "meet.example.com"
	got := c.Addresses()
	want := Addresses{
		Domain:        "meet.example.com",
		MUC:           "conference.meet.example.com",
		Lobby:         "lobby.meet.example.com",
		Guest:         "guest.meet.example.com",
		Focus:         "focus.meet.example.com",
		Auth:          "auth.meet.example.com",
		InternalMUC:   "internal.auth.meet.example.com",
		Brewery:       "jvbbrewery@internal.auth.meet.example.com",
		Recorder:      "recorder.meet.example.com",
		FocusJID:      "focus@auth.meet.example.com",
		FocusSession:  "focus@auth.meet.example.com/focus",
		BridgeSession: "jvb@auth.meet.example.com/jvb1",
	}
	if got != want {
		t.Errorf("Addresses() =\n %+v\nwant\n %+v", got, want)
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name, publicURL string
		port            int
		want            string
	}{
		{"derived", "", 8443, "https://localhost:8443"},
		{"derived 443", "", 443, "https://localhost"},
		{"explicit", "https://meet.example.com", 8443, "https://meet.example.com"},
		{"explicit trailing slash", "https://meet.example.com:9443/", 8443, "https://meet.example.com:9443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.HTTP.PublicURL = tt.publicURL
			u, err := c.PublicURL(tt.port)
			if err != nil {
				t.Fatal(err)
			}
			if u.String() != tt.want {
				t.Errorf("PublicURL(%d) = %s, want %s", tt.port, u, tt.want)
			}
		})
	}
}

func TestSlogLevel(t *testing.T) {
	for _, lvl := range []string{"debug", "info", "warn", "error"} {
		t.Run(lvl, func(t *testing.T) {
			got := Log{Level: lvl}.SlogLevel().String()
			if got != map[string]string{"debug": "DEBUG", "info": "INFO", "warn": "WARN", "error": "ERROR"}[lvl] {
				t.Errorf("SlogLevel(%s) = %s", lvl, got)
			}
		})
	}
}
