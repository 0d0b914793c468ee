package focus

import (
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
)

// FuzzParseSessionAccept feeds arbitrary XML through everything the focus
// does with a client's session-accept: decode, source validation, simulcast
// stripping and re-encoding for the bridge and for other clients. Nothing
// may panic, and what validation keeps must be self-consistent.
func FuzzParseSessionAccept(f *testing.F) {
	f.Add([]byte(`<jingle xmlns="urn:xmpp:jingle:1" action="session-accept" sid="s"><content name="video"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="video"><source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="1"/><ssrc-group xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" semantics="SIM"/></description></content></jingle>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		el, err := dom.Parse(b)
		if err != nil {
			return
		}
		j, err := parseJingle(el)
		if err != nil {
			return
		}
		s := parseSources("ep", j.Contents, func(ssrc uint32) bool { return ssrc == 42 })
		if len(s.ssrcs()) > maxSSRCs {
			t.Fatalf("kept %d ssrcs", len(s.ssrcs()))
		}
		if s.ssrcs()[42] || s.ssrcs()[0] {
			t.Fatal("kept a taken or zero ssrc")
		}
		recv := s.forReceivers("ep")
		for _, g := range recv.video.groups {
			if g.Semantics == "SIM" {
				t.Fatal("simulcast group signalled to receivers")
			}
		}
		_ = s.colibriSources()
		_ = firstTransport(j)
		add, rm := diffSources(sourceSet{}, recv)
		if !rm.empty() || len(add.ssrcs()) != len(recv.ssrcs()) {
			t.Fatal("diff from nothing must add everything")
		}
		if _, err := dom.Marshal(&jingle.Jingle{Action: jingle.ActionSourceAdd, SID: j.SID, Contents: recv.contents()}); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
