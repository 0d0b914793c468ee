// Package codec parses and rewrites the per-codec RTP metadata the bridge
// needs for SVC forwarding and audio redundancy: the VP9 RTP payload
// descriptor, the AV1 dependency descriptor header extension, and Opus RED
// (RFC 2198) payloads. Parsers never panic, never allocate per packet, and
// record the offsets of the fields a forwarder rewrites so they can be
// changed in place. The protocol facts are in docs/codecs.md.
package codec
