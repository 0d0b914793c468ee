package xmpp

import (
	"bytes"
	"testing"

	"mellium.im/sasl"
)

// FuzzSASL feeds arbitrary client messages to the server side of SCRAM and
// to the PLAIN parser: errors are fine, panics are not.
func FuzzSASL(f *testing.F) {
	f.Add([]byte("n,,n=alice,r=abc"), []byte("c=biws,r=abcdef,p=AAAA"))
	f.Add([]byte("p=tls-unique,,n=a,r=b"), []byte(""))
	f.Add([]byte("\x00alice\x00pw"), []byte("n,a=x,n=y=2C,r=1"))
	h, err := HashPassword("pw", testIterations)
	if err != nil {
		f.Fatal(err)
	}
	acc, err := newAccounts([]Account{{JID: "alice@localhost", PasswordHash: h}}, func(string) bool { return true })
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, first, final []byte) {
		for _, m := range []sasl.Mechanism{sasl.ScramSha1, sasl.ScramSha256} {
			neg := sasl.NewServer(m, nil, sasl.SaltedCredentials(func(u, _ []byte, mech string) ([]byte, []byte, int64, error) {
				salt, salted, iter := acc.salted(string(u), "localhost", mech)
				return salt, salted, iter, nil
			}))
			if more, _, err := neg.Step(first); err == nil && more {
				_, _, _ = neg.Step(final)
			}
		}
		if parts := bytes.Split(first, []byte{0}); len(parts) == 3 {
			acc.checkPlain(string(parts[1]), "localhost", string(parts[2]))
		}
	})
}
