package xmpp

import (
	"crypto/sha256"
	"crypto/subtle"

	"mellium.im/sasl"
)

// CheckPassword reports whether password matches hash, a PasswordHash as
// `meetd passwd` prints it. It costs one PBKDF2 run (the hash's
// iterations); a damaged hash matches nothing. Other login forms (the
// appointments' admin page) use it to accept the configured accounts.
func CheckPassword(hash, password string) bool {
	c, err := parseHash(hash)
	if err != nil {
		return false
	}
	got := sasl.SCRAMSaltPassword(sha256.New, []byte(password), c.salt, c.iter)
	return subtle.ConstantTimeCompare(got, c.sha256) == 1
}
