// Package client is a network XMPP client: a c2s login over TCP (RFC 6120:
// STARTTLS with certificate verification, SASL SCRAM-SHA-256 / SCRAM-SHA-1,
// resource binding) and an external component connection (XEP-0114). Both
// return a Conn with the same JID/Send/Recv methods as the in-process
// sessions of package xmpp, so that the bridge and the focus can run
// against a remote XMPP server (meetd's own or Prosody). Keep and
// KeepComponent re-dial with bounded, jittered exponential backoff. See
// docs/scale-out.md.
package client
