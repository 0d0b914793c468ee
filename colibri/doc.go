// Package colibri holds the messages between focus, bridge and clients:
// Colibri2 (XML over XMPP, namespace jitsi:colibri2) and the bridge-channel
// JSON messages.
package colibri
