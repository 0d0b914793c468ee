package bridge

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/sctp"
	"github.com/pion/srtp/v3"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

const (
	sendQueueLen = 512
	msgQueueLen  = 64
)

// remoteTransport is what the focus told us about the client's transport.
type remoteTransport struct {
	ufrag, pwd   string
	fingerprints []jingle.Fingerprint
}

// endpoint is one client of a conference (docs/bridge.md, "Endpoint"): its
// transport, its sender side (uplink: what it sends) and its receiver side
// (down: what it receives, listed with the conference's receivers).
type endpoint struct {
	id   string
	conf *conference
	log  *slog.Logger
	transport
	uplink
	down *downlink
	act  activity // inactive.go
}

// transport is an endpoint's connection: the ICE agent, DTLS, the SRTP
// contexts, the SCTP or WebSocket bridge channel, the read loop and the
// writer with its queue and bandwidth estimate. It is the Receiver of the
// endpoint's receiver side.
type transport struct {
	b      *Bridge
	ufrag  string
	pwd    string
	wsPwd  string
	agent  *ice.Agent
	own    *relaySocket // a relay's own media socket; nil: the shared one (relay_socket.go)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	srtpReady   atomic.Bool
	consentLost atomic.Bool // ICE failed: nothing sent or accepted (consent.go)
	sendQ       chan *outPacket
	out         atomic.Pointer[writer] // set when SRTP is ready
	sink        atomic.Pointer[udpSink]
	msgQ        chan []byte
	msgs        msgWriterState
	decrypt     atomic.Pointer[srtp.Context] // set once; used by the reader goroutine only
	bwe         estimator                    // reader goroutine, estimate atomic
	sent        sentLog                      // writer stamps, reader looks up
	meter       meter
	paths       pathFollower // follows a client whose path changed (pathswitch.go)
	lost        lostWatch    // reports a transport that stays silent (transportlost.go)

	// mu guards the rest, and the uplink's media and sources.
	mu       sync.Mutex
	remote   *remoteTransport
	wantSCTP bool
	sctp     sctpStart
	dialing  bool
	dtls     *dtls.Conn
	assoc    *sctp.Association
	dc       *datachannel.DataChannel
	channel  channelConn
	closed   bool

	remoteCands int // signalled remote candidates given to the agent; guarded by mu

	relay *relayState // non-nil: a relay to another bridge (relay.go)
}

// uplink is an endpoint's sender side: what it may send (the ingress
// table), its audio level, force-mute, and the reader goroutine's state
// for its media: transport-cc feedback, loss repair, receiver reports and
// the projections of its video towards each receiver.
type uplink struct {
	ingress   atomic.Pointer[ingressTable]
	speech    speech
	muteAudio atomic.Bool
	muteVideo atomic.Bool
	twcc      *twccState      // reader goroutine only
	fwd       *forwarder      // reader goroutine only
	loss      *lossTracker    // reader goroutine only
	rx        *receptionStats // reader goroutine only

	media   mediaState       // guarded by transport.mu
	sources *colibri.Sources // guarded by transport.mu
}

func newEndpoint(c *conference, id string) (*endpoint, error) {
	return newEndpointOn(c, id, nil)
}

// newEndpointOn makes an endpoint whose ICE agent uses own, or the shared
// media socket when own is nil; own is closed with the endpoint.
func newEndpointOn(c *conference, id string, own *relaySocket) (*endpoint, error) {
	e := &endpoint{id: id, conf: c, log: c.log.With("endpoint", id), transport: transport{
		b: c.b, own: own, ufrag: randomString(16), pwd: randomString(24), wsPwd: randomString(24),
		sendQ: make(chan *outPacket, sendQueueLen), msgQ: make(chan []byte, msgQueueLen),
	}}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.act.start(time.Now())
	e.paths.log = e.log
	e.ingress.Store(emptyIngress)
	e.twcc = newTWCCState(c.videoSSRC)
	e.fwd = newForwarder()
	e.loss = newLossTracker()
	e.rx = newReceptionStats()
	e.down = newDownlink(id, &e.transport, e)
	agent, err := e.newAgent()
	if err != nil {
		e.cancel()
		return nil, err
	}
	e.agent = agent
	e.msgs.onDemand = true
	return e, nil
}

func (e *endpoint) newAgent() (*ice.Agent, error) {
	opts := e.b.transportOptions()
	if e.own != nil {
		opts = e.own.transportOptions()
	}
	a, err := ice.NewAgentWithOptions(append(append(opts, e.b.iceTimers.options()...),
		ice.WithLocalCredentials(e.ufrag, e.pwd),
		ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
		ice.WithIncludeLoopback(),
		ice.WithPrflxAcceptanceMinWait(0),
		ice.WithMaxBindingRequests(maxBindingRequests),
		ice.WithCheckInterval(checkInterval),
		ice.WithLoggerFactory(e.b.pionLog),
		ice.WithBindingRequestHandler(e.paths.onBindingRequest),
	)...)
	if err != nil {
		return nil, fmt.Errorf("bridge: ice agent: %w", err)
	}
	if err := a.OnConnectionStateChange(e.onICEState); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("bridge: ice agent: %w", err)
	}
	if err := a.OnSelectedCandidatePairChange(e.onSelectedPair); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("bridge: ice agent: %w", err)
	}
	if err := a.OnCandidate(func(ice.Candidate) {}); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("bridge: ice agent: %w", err)
	}
	if err := a.GatherCandidates(); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("bridge: ice gather: %w", err)
	}
	return a, nil
}

// onICEState logs ICE state changes; a failed endpoint stays allocated
// until the focus expires it (it re-invites the participant).
func (e *endpoint) onICEState(s ice.ConnectionState) {
	e.consentState(s)
	e.watchTransport(s)
	e.act.note(s, time.Now())
	if s == ice.ConnectionStateFailed && !ctxDone(e.ctx) {
		e.log.Info("ice failed")
		return
	}
	e.log.Debug("ice state", "state", s.String())
}

// onSelectedPair points the media sink at a newly selected remote
// candidate (the first selection happens before the sink exists; startSRTP
// takes the address from the ICE conn).
func (e *endpoint) onSelectedPair(local, remote ice.Candidate) {
	e.paths.onSelected(local, remote)
	s := e.sink.Load()
	if s == nil || remote == nil {
		return
	}
	if ap, ok := addrPortOf(remote.Address(), remote.Port()); ok {
		s.setRemote(ap)
	}
}

// update applies a colibri2 endpoint update from the focus, then
// recomputes the conference's allocations.
func (e *endpoint) update(u *colibri.Endpoint) {
	if !e.updateLocked(u) {
		return
	}
	if u.InitialLastN != nil {
		e.conf.setInitialLastN(e, u.InitialLastN.Value)
	}
	e.conf.reallocate()
}

func (e *endpoint) updateLocked(u *colibri.Endpoint) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.media.add(u.Media)
	if u.Sources != nil {
		e.sources = u.Sources
	}
	e.ingress.Store(buildIngress(&e.media, e.sources, e.id, e.ingress.Load()))
	if u.ForceMute != nil {
		e.muteAudio.Store(u.ForceMute.Audio)
		e.muteVideo.Store(u.ForceMute.Video)
	}
	if u.Transport != nil {
		e.updateTransportLocked(u.Transport)
	}
	return true
}

func (e *endpoint) updateTransportLocked(t *colibri.Transport) {
	if t.SCTP != nil {
		e.wantSCTP = true
	}
	ice := t.ICE
	if ice == nil {
		return
	}
	e.addRemoteCandidates(ice.Candidates)
	if ice.Ufrag == "" || ice.Pwd == "" || e.dialing {
		return
	}
	e.remote = &remoteTransport{ufrag: ice.Ufrag, pwd: ice.Pwd, fingerprints: ice.Fingerprints}
	e.dialing = true
	e.wg.Add(1)
	if e.relay != nil {
		go e.connectRelay(*e.remote, e.relay.controlling, e.relay.wsURL)
		return
	}
	go e.connect(*e.remote)
}

// describeTransport is the transport for the conference-modified answer.
func (e *endpoint) describeTransport(sctpAsked bool) *colibri.Transport {
	t := &colibri.Transport{ICE: &jingle.ICEUDP{
		Ufrag: e.ufrag, Pwd: e.pwd, RTCPMux: &jingle.Empty{},
		Fingerprints: []jingle.Fingerprint{{Hash: "sha-256", Setup: "actpass", Value: e.b.certFP}},
	}}
	if e.own != nil {
		t.ICE.Candidates = e.b.relayCandidates(e.ufrag, e.own.port)
	} else {
		t.ICE.Candidates = e.b.localCandidates(e.ufrag)
	}
	if u := e.webSocketURL(); u != "" {
		t.ICE.WebSockets = []jingle.WebSocket{{URL: u}}
	}
	if sctpAsked {
		t.SCTP = &colibri.SCTP{Port: 5000, Role: "server"}
	}
	return t
}

// close tears the endpoint down and waits for its goroutines.
func (e *endpoint) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	ch, dc, assoc, dconn := e.channel, e.dc, e.assoc, e.dtls
	e.mu.Unlock()
	e.cancel()
	e.stopMessages()
	e.srtpReady.Store(false)
	if e.agent != nil { // nil only in tests
		_ = e.agent.Close() // ends ICE reads first, which unblocks DTLS and SCTP readers
	}
	if ch != nil {
		ch.close()
	}
	if dc != nil {
		_ = dc.Close()
	}
	if assoc != nil {
		_ = assoc.Close()
	}
	if dconn != nil {
		_ = dconn.Close()
	}
	e.wg.Wait()
	if e.own != nil {
		e.own.close()
	}
	e.log.Debug("endpoint closed")
}

func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
