// Package load emulates Jitsi Meet endpoints without a browser, for load
// tests and benchmarks of meetd: each endpoint speaks the real signalling
// (XMPP over WebSocket, conference IQ, MUC join, Jingle session-accept, the
// bridge channel over WebSocket) and pion's ICE, DTLS and SRTP, and sends
// deterministic synthetic media: VP8 simulcast (three layers with RTX and
// temporal layers in the payload descriptor) or, with Config.SVC, VP9 K-SVC
// (three spatial layers on one SSRC, svc.go) or, with Config.AV1 too, AV1
// with the dependency descriptor (three spatial layers, av1.go), and Opus
// with the audio-level extension. Every payload ends with a tag (sender, layer, frame, send time)
// from which receivers measure added latency and loss.
//
// Receivers run in one of two modes: probe (decrypt every packet, measure
// latency) or sink (count from the clear RTP header only), so that the tool
// stays cheaper than the server it measures.
package load
