package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"meetd/conf"
)

// clientConfig is the subset of Jitsi Meet's config.js that must agree with
// the server (docs/protocols.md#config-js). Field order is the output order.
type clientConfig struct {
	Hosts                     clientHosts   `json:"hosts"`
	FocusUserJid              string        `json:"focusUserJid"`
	WebSocket                 string        `json:"websocket"`
	ServiceURL                string        `json:"serviceUrl"`
	BOSH                      string        `json:"bosh"`
	EnableWebsocketResume     bool          `json:"enableWebsocketResume"`
	OpenBridgeChannel         string        `json:"openBridgeChannel"`
	P2P                       clientP2P     `json:"p2p"`
	Flags                     clientFlags   `json:"flags"`
	VideoQuality              clientVideo   `json:"videoQuality"`
	DisableThirdPartyRequests bool          `json:"disableThirdPartyRequests"`
	Analytics                 clientDisable `json:"analytics"`
	Gravatar                  clientDisable `json:"gravatar"`

	// Server-side recording (configjs_recording.go): the record button for
	// moderators when [recording] is on; local recording always off.
	RecordingService      *clientRecordingService `json:"recordingService,omitempty"`
	FileRecordingsEnabled bool                    `json:"fileRecordingsEnabled,omitempty"`
	HiddenDomain          string                  `json:"hiddenDomain,omitempty"`
	Recordings            *clientRecordings       `json:"recordings,omitempty"`
	LocalRecording        clientLocalRecording    `json:"localRecording"`

	// Opus RED ([media] opus_red): clients advertise it only when told to,
	// older ones by the top-level key, current ones by audioQuality's.
	EnableOpusRed bool         `json:"enableOpusRed,omitempty"`
	AudioQuality  *clientAudio `json:"audioQuality,omitempty"`
}

type clientAudio struct {
	EnableOpusRed bool `json:"enableOpusRed"`
}

type clientHosts struct {
	Domain string `json:"domain"`
	// AnonymousDomain is where guests log in with guests_wait_for_host;
	// hosts then log in on Domain through the web app's login dialog.
	AnonymousDomain string `json:"anonymousdomain,omitempty"`
	MUC             string `json:"muc"`
	Focus           string `json:"focus"`
}

// clientP2P turns peer-to-peer calls off: media always goes through the
// bridge, and no STUN servers (third-party or otherwise) are listed.
type clientP2P struct {
	Enabled bool `json:"enabled"`
}

// clientFlags: the focus signals remote sources with Jingle and the bridge
// does not rewrite SSRCs, so ssrcRewritingEnabled must be false explicitly
// (jitsi-meet turns it on when unset; docs/protocols.md#config-js).
type clientFlags struct {
	SourceNameSignaling      bool `json:"sourceNameSignaling"`
	SendMultipleVideoStreams bool `json:"sendMultipleVideoStreams"`
	SSRCRewritingEnabled     bool `json:"ssrcRewritingEnabled"`
}

// clientVideo gives the codec order of [media] codecs (docs/codecs.md#offer).
// PreferredCodec is the older key, read only by old clients (current ones
// use codecPreferenceOrder): it stays VP8, because 2021 clients switch to any
// codec another participant prefers and so flip between codecs, and because
// they compare it with an undefined constant and turn simulcast off when it
// is missing from a videoQuality object.
type clientVideo struct {
	CodecPreferenceOrder []string `json:"codecPreferenceOrder"`
	PreferredCodec       string   `json:"preferredCodec"`
}

type clientDisable struct {
	Disabled bool `json:"disabled"`
}

// newClientConfig is config.js for a tenant ("" for none): a tenant's rooms
// live in conference.<tenant>.<domain>, as Jitsi's mod_muc_domain_mapper
// names them.
func newClientConfig(cfg *conf.Config, public *url.URL, tenant string) clientConfig {
	a := cfg.Addresses()
	ws := XMPPWebSocketURL(public)
	muc := a.MUC
	if tenant != "" {
		muc = TenantMUC(a.MUC, tenant)
	}
	hosts := clientHosts{Domain: a.Domain, MUC: muc, Focus: a.Focus}
	if cfg.Auth.GuestsWaitForHost {
		hosts.AnonymousDomain = a.Guest // docs/lobby.md "Hosts and guests"
	}
	cc := clientConfig{
		Hosts:                     hosts,
		FocusUserJid:              a.FocusJID,
		WebSocket:                 ws,
		ServiceURL:                ws,
		BOSH:                      BOSHURL(public),
		EnableWebsocketResume:     true, // XEP-0198 resumption (xmpp/sm.go, [xmpp] resume_timeout)
		OpenBridgeChannel:         "websocket",
		P2P:                       clientP2P{Enabled: false},
		Flags:                     clientFlags{SourceNameSignaling: true, SendMultipleVideoStreams: true},
		VideoQuality:              clientVideo{CodecPreferenceOrder: codecOrder(cfg.Media.Codecs), PreferredCodec: "VP8"},
		DisableThirdPartyRequests: true,
		Analytics:                 clientDisable{Disabled: true},
		Gravatar:                  clientDisable{Disabled: true}, // else the web app asks gravatar.com for avatars by e-mail
	}
	cc.setRecording(cfg)
	if cfg.Media.OpusRED {
		cc.EnableOpusRed, cc.AudioQuality = true, &clientAudio{EnableOpusRed: true}
	}
	return cc
}

// renderConfigJS returns the config.js body. encoding/json escapes <, >, &,
// U+2028 and U+2029, so no configured value can close a <script> element or
// break out of the JavaScript string it lands in.
// extra is the operator's [web.config], merged over the generated keys.
func renderConfigJS(cc clientConfig, extra map[string]any) ([]byte, error) {
	obj, err := json.MarshalIndent(cc, "", "    ")
	if err == nil {
		obj, err = mergeConfig(obj, extra)
	}
	if err != nil {
		return nil, fmt.Errorf("web: render config.js: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("// Generated by meetd from its configuration. Do not edit; change meetd's config instead.\n")
	b.WriteString("var config = ")
	b.Write(obj)
	b.WriteString(";\n")
	return b.Bytes(), nil
}

// TenantMUC returns the MUC domain of a tenant's rooms: "conference.<tenant>.<domain>"
// for mucDomain "conference.<domain>", the tenant lowercased.
func TenantMUC(mucDomain, tenant string) string {
	first, rest, _ := strings.Cut(mucDomain, ".")
	return first + "." + strings.ToLower(tenant) + "." + rest
}

// codecOrder is media.codecs as config.js names codecs (upper case).
func codecOrder(codecs []string) []string {
	out := make([]string, 0, len(codecs))
	for _, c := range codecs {
		out = append(out, strings.ToUpper(c))
	}
	return out
}
