package main

import (
	"fmt"
	"strings"

	"meetd/conf"
)

// envBool reads a docker-jitsi-meet switch: set reports whether it is on;
// ok is false for a value that is neither on nor off (then nothing is
// assumed about it).
func envBool(v string) (set, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, true
	case "", "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// importAuth maps docker-jitsi-meet's authentication (ENABLE_AUTH,
// AUTH_TYPE, ENABLE_GUESTS, JWT_*) to [auth]. Where meetd cannot express
// the deployment's rule it refuses (d.refuse), so an import never lets in
// anyone the old deployment kept out.
func importAuth(d *tomlDoc, get func(string) string) {
	authOn, ok := envBool(get("ENABLE_AUTH"))
	guests, gok := envBool(get("ENABLE_GUESTS"))
	authType := strings.ToLower(strings.TrimSpace(get("AUTH_TYPE")))
	jwtKeys := []string{"JWT_APP_ID", "JWT_APP_SECRET", "JWT_ACCEPTED_ISSUERS", "JWT_ACCEPTED_AUDIENCES", "JWT_ASAP_KEYSERVER", "JWT_ALLOW_EMPTY"}
	jwt := map[string]string{}
	for _, k := range jwtKeys {
		jwt[k] = strings.TrimSpace(get(k))
	}
	switch {
	case !ok:
		d.refuse("ENABLE_AUTH=%q is neither on (1, true) nor off (0, false); set it and import again", get("ENABLE_AUTH"))
		return
	case !authOn:
		if authType != "" || jwt["JWT_APP_ID"] != "" || jwt["JWT_APP_SECRET"] != "" {
			d.note("ENABLE_AUTH is off, so AUTH_TYPE and JWT_* had no effect and are not imported: anyone with a room link may join, as before")
		}
		return
	case !gok:
		d.refuse("ENABLE_GUESTS=%q is neither on (1, true) nor off (0, false); set it and import again", get("ENABLE_GUESTS"))
		return
	}
	switch authType {
	case "", "internal":
		importInternalAuth(d, guests)
	case "jwt":
		importJWTAuth(d, jwt, guests)
	default:
		d.refuse("AUTH_TYPE=%s: meetd has no %s login (it has password accounts and JWT tokens); "+
			"write [auth] by hand (docs/configuration.md) instead of importing an open configuration", authType, authType)
	}
}

// importInternalAuth: Prosody accounts (AUTH_TYPE=internal). Their
// passwords stay in Prosody, so the accounts are made again with meetd passwd.
func importInternalAuth(d *tomlDoc, guests bool) {
	d.set("auth", "allow_anonymous", "false")
	if guests && !guestsWaitForHost(d) {
		return
	}
	d.warn("ENABLE_AUTH with AUTH_TYPE=internal: Prosody's accounts cannot be imported (their passwords stay in Prosody); " +
		"until you add [[auth.account]] entries (meetd passwd -moderator user@DOMAIN < password) nobody can log in")
}

// importJWTAuth: tokens signed with JWT_APP_SECRET (HS256).
func importJWTAuth(d *tomlDoc, jwt map[string]string, guests bool) {
	switch {
	case jwt["JWT_ASAP_KEYSERVER"] != "":
		d.refuse("JWT_ASAP_KEYSERVER: meetd does not fetch token keys from a key server; " +
			"put the RS256 public key in a file, set auth.jwt_public_key_file and auth.jwt_app_id by hand, and leave JWT_ASAP_KEYSERVER out of the import")
		return
	case jwt["JWT_APP_ID"] == "" || jwt["JWT_APP_SECRET"] == "":
		d.refuse("AUTH_TYPE=jwt needs JWT_APP_ID and JWT_APP_SECRET (meetd verifies HS256 tokens with the secret)")
		return
	}
	d.set("auth", "jwt_app_id", tomlString(jwt["JWT_APP_ID"]))
	d.set("auth", "jwt_secret", tomlString(jwt["JWT_APP_SECRET"]))
	if v := splitList(jwt["JWT_ACCEPTED_ISSUERS"]); len(v) > 0 {
		d.set("auth", "jwt_accepted_issuers", tomlList(v))
	}
	if v := splitList(jwt["JWT_ACCEPTED_AUDIENCES"]); len(v) > 0 {
		d.set("auth", "jwt_accepted_audiences", tomlList(v))
	}
	empty, ok := envBool(jwt["JWT_ALLOW_EMPTY"])
	switch {
	case !ok:
		d.refuse("JWT_ALLOW_EMPTY=%q is neither on nor off; set it and import again", jwt["JWT_ALLOW_EMPTY"])
	case empty:
		// The old deployment let people without a token in; so does meetd.
		d.set("auth", "allow_anonymous", "true")
		d.note("JWT_ALLOW_EMPTY: people without a token may join, as before")
	case guests:
		d.set("auth", "allow_anonymous", "false")
		guestsWaitForHost(d)
	default:
		d.set("auth", "allow_anonymous", "false")
	}
}

// guestsWaitForHost maps ENABLE_GUESTS (guests join rooms a host has
// started) to auth.guests_wait_for_host, or refuses when this meetd lacks
// that key. It reports whether it could.
func guestsWaitForHost(d *tomlDoc) bool {
	const key = "auth.guests_wait_for_host"
	if !conf.KnownKey(key) {
		d.refuse("ENABLE_GUESTS with ENABLE_AUTH (guests join once a host has started the room): this meetd cannot " +
			"express that; importing guests as allowed would let them open rooms, so import without ENABLE_GUESTS " +
			"(only hosts join) or write [auth] by hand")
		return false
	}
	// allow_anonymous lets guests log in; guests_wait_for_host keeps them out of rooms no host has started.
	d.set("auth", "allow_anonymous", "true")
	d.set("auth", "guests_wait_for_host", "true")
	return true
}

// splitList splits a comma-separated docker value.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// refuse records why the .env cannot be imported as it stands.
func (d *tomlDoc) refuse(format string, args ...any) {
	d.refusals = append(d.refusals, fmt.Sprintf(format, args...))
}
