// Package spool holds what a recorder captures while a recording runs: RTP
// packets, the senders' RTCP sender-report clock mappings and track
// descriptions, appended to one file as records encrypted with AES-GCM under
// a key that exists only in memory. If meetd stops, the key is gone and the
// spool cannot be read by anyone: a copy of the disk reveals nothing.
package spool
