// Package vault keeps finished recordings encrypted at rest.
//
// A sealed file is a short header followed by fixed-size chunks, each
// encrypted with AES-256-GCM under the recording's own key; a chunk's nonce
// is its index plus a flag marking the last chunk, so chunks cannot be
// reordered, dropped or the file truncated unnoticed, and any byte range
// can be decrypted without reading what precedes it (HTTP Range requests).
// The key is not stored: it travels in the private link (package link).
package vault
