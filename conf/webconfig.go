package conf

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The [web.config] table: keys merged into the config.js meetd generates
// (web/configmerge.go), for the web app's own settings (prejoinConfig,
// requireDisplayName, defaultLanguage, toolbarButtons,
// recordings.requireConsent, ...). Nested TOML tables become nested
// objects; a key meetd does not set is added, one it sets is replaced.

// serverOwnedKeys are config.js keys meetd derives from its own
// configuration because they must agree with the server
// (docs/protocols.md#config-js); [web.config] may not set them.
var serverOwnedKeys = map[string]string{
	"hosts":                             "the XMPP addresses derive from domain and web.tenants",
	"focusUserJid":                      "the focus's JID derives from domain",
	"websocket":                         "the URL derives from http.public_url",
	"serviceUrl":                        "the URL derives from http.public_url",
	"bosh":                              "the URL derives from http.public_url",
	"enableWebsocketResume":             "it follows xmpp.resume_timeout",
	"openBridgeChannel":                 "meetd's bridge channel runs over its WebSocket",
	"flags.ssrcRewritingEnabled":        "meetd's bridge does not rewrite SSRCs",
	"flags.sourceNameSignaling":         "meetd's focus signals sources by name",
	"flags.sendMultipleVideoStreams":    "meetd's focus signals sources by name",
	"videoQuality.codecPreferenceOrder": "the focus offers VP8 only",
	"videoQuality.preferredCodec":       "the focus offers VP8 only",
}

// PrivacyDefault is one of meetd's config.js privacy settings: Path in
// config.js and the value meetd sets.
type PrivacyDefault struct {
	Path  string
	Value bool
	What  string // what turning it off does
}

// PrivacyDefaults lists the config.js settings that keep the web app from
// talking to anyone but meetd. They stay unless [web.config] sets them.
func PrivacyDefaults() []PrivacyDefault {
	return []PrivacyDefault{
		{"p2p.enabled", false, "two-person calls go peer to peer, so each participant learns the other's IP address"},
		{"disableThirdPartyRequests", true, "the web app loads third-party content (avatars, scripts) and tells those servers who is in a call"},
		{"analytics.disabled", true, "the web app may send usage events to analytics services"},
		{"gravatar.disabled", true, "the web app asks gravatar.com for avatars by participants' e-mail addresses"},
	}
}

// knownWebConfigTypes are config.js keys whose type meetd checks (the
// common ones an operator sets); other keys pass as they are.
var knownWebConfigTypes = map[string]string{
	"prejoinConfig.enabled":     "bool",
	"prejoinPageEnabled":        "bool",
	"requireDisplayName":        "bool",
	"defaultLanguage":           "string",
	"toolbarButtons":            "strings",
	"recordings.requireConsent": "bool",
	"startAudioOnly":            "bool",
	"startWithAudioMuted":       "bool",
	"startWithVideoMuted":       "bool",
	"startAudioMuted":           "int",
	"startVideoMuted":           "int",
	"disableDeepLinking":        "bool",
	"enableWelcomePage":         "bool",
	"enableClosePage":           "bool",
	"disableInviteFunctions":    "bool",
	"hideConferenceSubject":     "bool",
	"channelLastN":              "int",
	"resolution":                "int",
	"enableNoisyMicDetection":   "bool",
	"enableLobbyChat":           "bool",
	"hideLobbyButton":           "bool",
	"defaultLocalDisplayName":   "string",
	"defaultRemoteDisplayName":  "string",
	"p2p.enabled":               "bool",
	"disableThirdPartyRequests": "bool",
	"analytics.disabled":        "bool",
	"gravatar.disabled":         "bool",
	"transcription.enabled":     "bool",
	"fileRecordingsEnabled":     "bool",
	"liveStreamingEnabled":      "bool",
	"disableReactions":          "bool",
	"disablePolls":              "bool",
	"disableSelfView":           "bool",
	"readOnlyName":              "bool",
	"notifications":             "strings",
	"disabledNotifications":     "strings",
}

// jsIdent is a key usable as a config.js property name.
var jsIdent = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// validateWebConfig checks [web.config]: property names, value types
// (what JSON can carry), the keys meetd owns, and the types of the keys it
// knows.
func validateWebConfig(m map[string]any, bad badFunc) {
	walkWebConfig(m, "", func(path string, v any) {
		key := "web.config." + path
		leaf := path[strings.LastIndexByte(path, '.')+1:]
		switch {
		case !jsIdent.MatchString(leaf) || leaf == "__proto__" || leaf == "constructor" || leaf == "prototype":
			bad(key, "%q is not a config.js property name (letters, digits, _ and $)", leaf)
		case serverOwnedKeys[path] != "":
			bad(key, "is set by meetd and must agree with the server (%s)", serverOwnedKeys[path])
		default:
			if msg := webConfigValue(path, v); msg != "" {
				bad(key, "%s", msg)
			}
		}
	})
}

// walkWebConfig calls fn for every key of m, depth first in key order;
// tables are walked into (fn sees them first).
func walkWebConfig(m map[string]any, prefix string, fn func(path string, v any)) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := prefix + k
		fn(path, m[k])
		if sub, ok := m[k].(map[string]any); ok && serverOwnedKeys[path] == "" {
			walkWebConfig(sub, path+".", fn)
		}
	}
}

// webConfigValue checks one value: what JSON can carry, and the type of a
// known key; "" when fine.
func webConfigValue(path string, v any) string {
	if msg := jsonable(v); msg != "" {
		return msg
	}
	if lower := closeWebConfigKey(path); lower != "" {
		return fmt.Sprintf("unknown config.js key (did you mean %s?)", lower)
	}
	want, ok := knownWebConfigTypes[path]
	if !ok {
		return ""
	}
	fits := false
	switch want {
	case "bool":
		_, fits = v.(bool)
	case "string":
		_, fits = v.(string)
	case "int":
		_, fits = v.(int64)
	case "strings":
		fits = isStringList(v)
	}
	if !fits {
		return fmt.Sprintf("expected %s, got %s", map[string]string{"bool": "true or false", "string": "a string",
			"int": "a whole number", "strings": "a list of strings"}[want], describe(v))
	}
	return ""
}

// closeWebConfigKey names the known key path spelled like path except for
// case or underscores (requireDisplayname, require_display_name).
func closeWebConfigKey(path string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	if _, ok := knownWebConfigTypes[path]; ok {
		return ""
	}
	for k := range knownWebConfigTypes {
		if norm(k) == norm(path) {
			return k
		}
	}
	return ""
}

func isStringList(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range l {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// jsonable rejects what config.js (JSON) cannot hold: TOML dates and
// times, NaN and infinities.
func jsonable(v any) string {
	switch x := v.(type) {
	case time.Time:
		return "dates and times have no config.js form; use a string"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "nan and inf have no config.js form"
		}
	case []any:
		for _, e := range x {
			if msg := jsonable(e); msg != "" {
				return msg
			}
		}
	case []map[string]any:
		for _, e := range x {
			for _, ev := range e {
				if msg := jsonable(ev); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

// PrivacyWarnings says which of meetd's privacy settings [web.config]
// turns off (for meetd check and the log at start).
func (w Web) PrivacyWarnings() []string {
	var out []string
	for _, p := range PrivacyDefaults() {
		if v, ok := lookupPath(w.Config, p.Path); ok && v != p.Value {
			out = append(out, fmt.Sprintf("web.config.%s = %v turns off a privacy default: %s", p.Path, v, p.What))
		}
	}
	if v, ok := lookupPath(w.Config, "p2p.stunServers"); ok && reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).Len() > 0 {
		out = append(out, "web.config.p2p.stunServers lists STUN servers: the web app tells them participants' addresses")
	}
	return out
}

// lookupPath returns the value at a dotted path of nested tables.
func lookupPath(m map[string]any, path string) (any, bool) {
	head, rest, nested := strings.Cut(path, ".")
	v, ok := m[head]
	if !ok || !nested {
		return v, ok
	}
	sub, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	return lookupPath(sub, rest)
}
