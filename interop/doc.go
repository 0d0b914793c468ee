// Package interop tests meetd against independent XMPP software: Debian's
// python3-slixmpp drives meetd's client-to-server TCP port (STARTTLS,
// SASL, service discovery, the Jitsi conference request, MUC). The tests
// build and run the meetd binary; the Python scripts are in testdata/.
package interop
