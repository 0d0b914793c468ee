// Package client is a network XMPP client (RFC 6120 over TCP): STARTTLS
// with certificate verification, SASL SCRAM-SHA-256 / SCRAM-SHA-1, resource
// binding, and a stanza connection with the same JID/Send/Recv methods as
// the in-process sessions of package xmpp, so that the bridge and the focus
// can run against a remote XMPP server (meetd's own or Prosody). Keep
// re-dials with bounded, jittered exponential backoff. See
// docs/scale-out.md.
package client
