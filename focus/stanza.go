package focus

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"meetd/xmpp/dom"
)

// XML namespaces the focus reads or writes outside Jingle and Colibri2.
const (
	nsClient       = "jabber:client"
	nsStanzas      = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsMUC          = "http://jabber.org/protocol/muc"
	nsMUCUser      = "http://jabber.org/protocol/muc#user"
	nsMUCOwner     = "http://jabber.org/protocol/muc#owner"
	nsMUCAdmin     = "http://jabber.org/protocol/muc#admin"
	nsDataForms    = "jabber:x:data"
	nsDiscoInfo    = "http://jabber.org/protocol/disco#info"
	nsFocus        = "http://jitsi.org/protocol/focus"
	nsColibri      = "http://jitsi.org/protocol/colibri"
	nsJingle       = "urn:xmpp:jingle:1"
	nsJingleErrors = "urn:xmpp:jingle:errors:1"
)

// newIQ returns an IQ stanza with a fresh id.
func newIQ(typ, to string) *dom.Element {
	return dom.New(nsClient, "iq").SetAttr("type", typ).SetAttr("to", to).SetAttr("id", randomID(8))
}

// resultFor returns the empty result answering iq.
func resultFor(iq *dom.Element) *dom.Element {
	return dom.New(nsClient, "iq").SetAttr("type", "result").SetAttr("from", iq.Attr("to")).
		SetAttr("to", iq.Attr("from")).SetAttr("id", iq.Attr("id"))
}

// errorFor returns an error answer to iq with the given type and RFC 6120
// condition; extra children (application conditions) are appended.
func errorFor(iq *dom.Element, typ, condition string, extra ...*dom.Element) *dom.Element {
	e := dom.New(nsClient, "iq").SetAttr("type", "error").SetAttr("from", iq.Attr("to")).
		SetAttr("to", iq.Attr("from")).SetAttr("id", iq.Attr("id"))
	er := e.AddNew(nsClient, "error").SetAttr("type", typ)
	er.AddNew(nsStanzas, condition)
	er.Add(extra...)
	return e
}

// errorCondition returns the RFC 6120 condition of an error stanza, or "".
func errorCondition(st *dom.Element) string {
	er := st.Child("", "error")
	if er == nil {
		return ""
	}
	for _, c := range er.Children {
		if c.Space == nsStanzas && c.Local != "text" {
			return c.Local
		}
	}
	return ""
}

// randomID returns n random bytes hex-encoded.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
