package bridge

// Receiver is one destination of a conference's media (docs/bridge.md,
// "Receivers"): a client endpoint's SRTP/UDP writer, the recorder, later a
// bridge-to-bridge relay. The conference decides what each receiver gets
// (its Allocation), projects every forwarded video packet for it (SSRC,
// sequence numbers, timestamps, VP8 PictureID/TL0PICIDX rewritten as one
// continuous stream per source) and hands it over.
//
// Threading: SendRTP and SendRTCP are called by the senders' media reader
// goroutines, several at once, and must never block (queue with a bound
// and drop, counting your drops). Allocated and Ready may be called from
// any goroutine. The packet passed to SendRTP or SendRTCP belongs to the
// receiver only during the call: it may rewrite it in place but must copy
// anything it keeps.
type Receiver interface {
	// Ready reports whether the receiver takes media now. While it is
	// false nothing is offered to it and its projections do not start.
	Ready() bool
	// Allocated tells the receiver what it is sent from now on. It is
	// called by the conference's control goroutine whenever that changes
	// (and once after AddReceiver); it must not block.
	Allocated(a Allocation)
	// SendRTP takes one plaintext RTP packet already projected for this
	// receiver and reports whether it was taken (false: dropped).
	SendRTP(pkt []byte) bool
	// SendRTCP takes one plaintext compound RTCP packet: the senders'
	// sender reports, translated to the streams the receiver gets.
	SendRTCP(pkt []byte) bool
}

// Allocation is what a receiver is sent.
type Allocation struct {
	// Sources are the forwarded sources: video in priority order (the
	// first one is the one to show largest), then audio.
	Sources []Source
}

// Source is one media source of a conference as receivers see it.
type Source struct {
	Endpoint string // the sending endpoint's id (its MUC occupant resource)
	Name     string // the source name, e.g. "0a1b2c3d-v0"
	Video    bool   // false: audio (Opus)
	// SSRC is the one the source's packets carry towards receivers: for
	// simulcast video the first SSRC of its SIM group, whichever encoding
	// is forwarded.
	SSRC uint32
}

// Constraints say what an attached receiver wants.
type Constraints struct {
	// Endpoints are the senders whose audio and video the receiver gets;
	// no other sender's media reaches it. Empty: nobody's. The first 64
	// count, as for a client's constraints.
	Endpoints []string
	// MaxHeight caps the video of each of those senders: the highest
	// encoding not taller than it; -1 is the best there is, 0 no video.
	MaxHeight int
}
