package focus

import (
	"testing"

	"meetd/colibri"
	"meetd/xmpp/jingle"
	"meetd/xmpp/stanza"
)

// TestAcceptTransportChecked: a session-accept without ICE credentials or
// with only an md5 fingerprint is refused with bad-request and never reaches
// the bridge; the golden accept still passes (docs/bad-input.md J4).
func TestAcceptTransportChecked(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(tr *jingle.ICEUDP)
		allow bool
	}{
		{"golden", func(*jingle.ICEUDP) {}, true},
		{"no pwd", func(tr *jingle.ICEUDP) { tr.Pwd = "" }, false},
		{"no ufrag", func(tr *jingle.ICEUDP) { tr.Ufrag = "" }, false},
		{"md5 only", func(tr *jingle.ICEUDP) {
			tr.Fingerprints = []jingle.Fingerprint{{Hash: "md5", Setup: "active", Value: "AB:CD"}}
		}, false},
		{"unknown hash", func(tr *jingle.ICEUDP) {
			tr.Fingerprints = []jingle.Fingerprint{{Hash: "sha-3", Setup: "active", Value: "AB:CD"}}
		}, false},
		{"empty value", func(tr *jingle.ICEUDP) { tr.Fingerprints[0].Value = " " }, false},
		{"no fingerprint", func(tr *jingle.ICEUDP) { tr.Fingerprints = nil }, false},
		{"md5 and sha-256", func(tr *jingle.ICEUDP) {
			tr.Fingerprints = append([]jingle.Fingerprint{{Hash: "md5", Value: "AB"}}, tr.Fingerprints...)
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startFocus(t)
			_, ja := h.join(t, "a@localhost")
			j := accept(t, ja.SID, 0)
			for i := range j.Contents {
				if tr := j.Contents[i].Transport; tr != nil {
					tc.edit(tr)
				}
			}
			res := h.clientIQ(t, "aaaa1111", j)
			if tc.allow {
				if res.Attr("type") != "result" {
					t.Fatalf("answer: %s", res)
				}
				return
			}
			if res.Attr("type") != "error" || stanza.ErrorCondition(res) != "bad-request" {
				t.Fatalf("answer: %s", res)
			}
			h.noneSent("bridge update with the refused transport", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool {
				return ep.Transport != nil
			}))
		})
	}
}
