// Package bench runs meetd, a peer SFU (Janus) and a minimal forwarder side
// by side under the same synthetic load (package load) and reports CPU per
// forwarded packet, the overhead ratio to the minimal forwarder, latency,
// loss, memory per endpoint and join latency (docs/performance.md#how-the-benchmark-measures).
package bench
