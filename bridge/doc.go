// Package bridge is meetd's selective forwarding unit, the replacement for
// Jitsi Videobridge. It joins the brewery MUC as an XMPP entity, answers
// Colibri2 conference-modify requests from the focus, and per endpoint runs
// full ICE (controlling) on one shared UDP port, a DTLS server, SRTP and an
// SCTP data channel for the bridge channel (or a WebSocket).
//
// Audio is forwarded to every other endpoint unchanged. Video is forwarded
// per receiver as its ReceiverVideoConstraints allow (last-N ordered by
// speaking activity, on-stage and selected sources first, maxHeight and
// maxFrameRate per source): a simulcast source is presented as one VP8
// stream on the first SSRC of its SIM group, the only one the focus
// signals to receivers, with the selected encoding's SSRC, sequence
// numbers, timestamps, PictureID and TL0PICIDX rewritten (docs/media.md#simulcast);
// encodings switch at keyframes and temporal layers are dropped for lower
// frame rates. Senders are told the largest height anyone receives
// (SenderSourceConstraints) and every endpoint the dominant speaker, taken
// from the audio-level header extension.
package bridge
