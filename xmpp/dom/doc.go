// Package dom is a small XML element tree for XMPP stanzas.
//
// Stanzas are parsed into Elements whose names carry resolved namespace URIs, so
// routing, from-stamping and MUC rewriting work on a tree rather than a token
// stream. Serialisation emits an xmlns declaration only where an element's
// namespace differs from its parent's, which is the form XMPP peers expect.
package dom
