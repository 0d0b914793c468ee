// Package recording records a conference into one MP4 file that only the
// holder of its private link can read (docs/recording.md).
//
// The pieces live in sub-packages named after what they hold: spool (the
// encrypted capture while a recording runs), media (RTP to Ogg/IVF
// depacketizers), compose (ffmpeg composition into H.264 + AAC), vault (the
// finished file encrypted at rest) and link (the signed, expiring private
// link that carries the file's key). This package ties them to HTTP
// delivery and to the hooks other parts of meetd use.
package recording
