// Package link makes and checks a recording's private link token. The
// token carries the recording's ID, an expiry time and the key that opens
// the sealed file, and is signed with HMAC-SHA256 under a server secret, so
// the server can refuse a guessed or altered token before touching any
// file, while the key itself is never stored on the server.
package link

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrInvalid is every reason a token is refused: malformed, badly signed or
// expired. Callers answer 403 and say nothing more.
var ErrInvalid = errors.New("link: invalid token")

const (
	version    = 1
	idLen      = 16
	keyLen     = 32
	macLen     = 32
	payloadLen = 1 + idLen + 8 + keyLen
	tokenLen   = payloadLen + macLen
	secretLen  = 32
)

// Link is what a token says.
type Link struct {
	ID      string // recording ID, 32 lower-case hex digits
	Expires time.Time
	Key     []byte // the recording's key, 32 bytes
}

// Signer signs and checks tokens with a secret.
type Signer struct {
	secret []byte
}

// NewSigner returns a signer with secret (32 bytes).
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) != secretLen {
		return nil, fmt.Errorf("link: secret must be %d bytes", secretLen)
	}
	return &Signer{secret: secret}, nil
}

// LoadSigner reads the secret from path, creating it (mode 0600) at the
// first start. Rotating the file invalidates every link issued before.
func LoadSigner(path string) (*Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b = make([]byte, secretLen)
		_, _ = rand.Read(b)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("link: write secret: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("link: read secret: %w", err)
	}
	return NewSigner(b)
}

// Sign returns the token for l.
func (s *Signer) Sign(l Link) (string, error) {
	id, err := hex.DecodeString(l.ID)
	if err != nil || len(id) != idLen || len(l.Key) != keyLen {
		return "", fmt.Errorf("link: bad id or key")
	}
	b := make([]byte, 0, tokenLen)
	b = append(b, version)
	b = append(b, id...)
	b = binary.BigEndian.AppendUint64(b, uint64(l.Expires.Unix()))
	b = append(b, l.Key...)
	b = append(b, s.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write(payload)
	return m.Sum(nil)
}

// Parse checks token and returns what it says. The signature is compared
// in constant time; every failure is ErrInvalid.
func (s *Signer) Parse(token string, now time.Time) (Link, error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return Link{}, ErrInvalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != tokenLen {
		return Link{}, ErrInvalid
	}
	payload, sig := b[:payloadLen], b[payloadLen:]
	if !hmac.Equal(sig, s.mac(payload)) || payload[0] != version {
		return Link{}, ErrInvalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[1+idLen:])), 0)
	if !now.Before(exp) {
		return Link{}, ErrInvalid
	}
	return Link{
		ID:      hex.EncodeToString(payload[1 : 1+idLen]),
		Expires: exp,
		Key:     append([]byte(nil), payload[1+idLen+8:]...),
	}, nil
}
