// Package bridge is meetd's selective forwarding unit, the replacement for
// Jitsi Videobridge. It joins the brewery MUC as an XMPP entity, answers
// Colibri2 conference-modify requests from the focus, and per endpoint runs
// full ICE (controlling) on one shared UDP port, a DTLS server, SRTP and an
// SCTP data channel for the bridge channel (or a WebSocket).
//
// Media is forwarded unchanged (same SSRCs, sequence numbers and timestamps)
// from every endpoint to every other endpoint of a conference; from a
// simulcast sender only the first SSRC of its SIM group (and its RTX partner)
// is forwarded, which is what the focus signals to receivers.
package bridge
