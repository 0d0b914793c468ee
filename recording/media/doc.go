// Package media turns captured RTP streams into files ffmpeg reads: Opus
// into Ogg Opus, VP8 into IVF. Both run the packets through pion's
// samplebuilder, so reordered packets are put back in order and frames
// with a lost packet are dropped instead of written half; they use
// pion's oggwriter and ivfwriter for the containers.
//
// Time follows the RTP clock: gaps in the audio (loss, muting,
// discontinuous transmission) are filled with Opus silence frames, and
// video frames carry their RTP timestamps, so that the composer can keep
// audio and video in sync and show a gap as a still frame.
package media

// writeOnly hides everything but Write from pion's writers, which would
// otherwise seek in (and close) the stream they are given: the streams
// here are pipes the caller closes.
type writeOnly struct {
	w interface{ Write([]byte) (int, error) }
}

func (w writeOnly) Write(p []byte) (int, error) { return w.w.Write(p) }
