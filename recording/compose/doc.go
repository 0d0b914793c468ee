// Package compose makes one MP4 (H.264 video, AAC audio) from the
// participants' converted streams by running Debian's ffmpeg as a child
// process: the participants side by side or in a grid, each with their
// name, their audio mixed, every stream placed on the recording's common
// time line, gaps shown as still frames or heard as silence.
//
// No decrypted media touches the disk: ffmpeg reads each stream from a
// pipe and writes the MP4 into an anonymous in-memory file (memfd), which
// the caller seals (package vault). ffmpeg runs niced, with an address
// space limit, two threads and a deadline.
package compose
