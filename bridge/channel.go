package bridge

import (
	"encoding/json"
	"sync"

	"meetd/colibri"
)

// channelConn is one bridge-channel transport (SCTP data channel or WebSocket).
type channelConn interface {
	send(msg []byte) error
	close()
}

// attachChannel makes c the endpoint's current bridge channel (the most
// recently opened wins) and greets the client with ServerHello.
func (e *endpoint) attachChannel(c channelConn, transport string) bool {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return false
	}
	old := e.channel
	e.channel = c
	e.mu.Unlock()
	if old != nil && old != c {
		old.close()
	}
	e.log.Info("bridge channel open", "transport", transport)
	e.sendJSON(colibri.NewServerHello(""))
	e.conf.greet(e)
	return true
}

// detachChannel forgets c if it is still the current channel.
func (e *endpoint) detachChannel(c channelConn) {
	e.mu.Lock()
	if e.channel == c {
		e.channel = nil
	}
	e.mu.Unlock()
}

func (t *transport) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		t.sendMessage(b)
	}
}

// sendMessage queues a bridge-channel message without blocking and starts
// the message writer if it is not running.
func (t *transport) sendMessage(b []byte) {
	select {
	case t.msgQ <- b:
	default:
		t.b.counters.queueDrops.Add(1)
		return
	}
	t.msgs.mu.Lock()
	start := t.msgs.onDemand && !t.msgs.running && !t.msgs.stopped
	if start {
		t.msgs.running = true
		t.wg.Add(1) // before close's Wait: close sets stopped under msgs.mu first
	}
	t.msgs.mu.Unlock()
	if start {
		go t.messageWriter()
	}
}

// msgWriterState runs the message writer only while messages are queued:
// an endpoint whose channel is quiet holds no goroutine for it.
type msgWriterState struct {
	mu       sync.Mutex
	onDemand bool // set by newEndpoint; test endpoints leave msgQ to the test
	running  bool
	stopped  bool // the endpoint is closing: no new writer
}

// stopMessages keeps sendMessage from starting a writer (close calls it
// before waiting for the endpoint's goroutines).
func (t *transport) stopMessages() {
	t.msgs.mu.Lock()
	t.msgs.stopped = true
	t.msgs.mu.Unlock()
}

// messageWriter delivers queued messages on the current channel until the
// queue is empty; messages queued while no channel is open are dropped.
func (t *transport) messageWriter() {
	defer t.wg.Done()
	for {
		select {
		case m := <-t.msgQ:
			if !ctxDone(t.ctx) {
				t.deliver(m)
			}
			continue
		default:
		}
		// Empty: stop, unless a message came in since (its sender saw
		// running and started no writer).
		t.msgs.mu.Lock()
		if len(t.msgQ) == 0 || t.msgs.stopped {
			t.msgs.running = false
			t.msgs.mu.Unlock()
			return
		}
		t.msgs.mu.Unlock()
	}
}

func (t *transport) deliver(m []byte) {
	t.mu.Lock()
	c := t.channel
	t.mu.Unlock()
	if c != nil {
		_ = c.send(m)
	}
}

// onChannelMessage handles one message from the client.
func (e *endpoint) onChannelMessage(msg []byte) {
	class, err := colibri.ClassOf(msg)
	if err != nil {
		e.b.counters.badPacket.Add(1)
		return
	}
	if e.relay != nil {
		e.onRelayMessage(class, msg) // relay_channel.go
		return
	}
	switch class {
	case colibri.ClassClientHello:
		e.sendJSON(colibri.NewServerHello(""))
	case colibri.ClassReceiverVideoConstraints:
		var m colibri.ReceiverVideoConstraints
		if json.Unmarshal(msg, &m) == nil {
			e.conf.setPrefs(e, func(p *receiverPrefs) { p.merge(&m) })
		}
	case colibri.ClassLastNChanged:
		var m colibri.LastNChangedEvent
		if json.Unmarshal(msg, &m) == nil {
			e.conf.setPrefs(e, func(p *receiverPrefs) { p.lastN = max(min(m.LastN, 1<<16), -1) })
		}
	case colibri.ClassReceiverVideoConstraint:
		var m colibri.ReceiverVideoConstraint
		if json.Unmarshal(msg, &m) == nil {
			e.conf.setPrefs(e, func(p *receiverPrefs) { p.def.maxHeight = m.MaxFrameHeight })
		}
	case colibri.ClassSourceVideoType:
		var m colibri.SourceVideoTypeMessage
		if json.Unmarshal(msg, &m) == nil {
			e.setVideoType(m.SourceName, m.VideoType)
		}
	case colibri.ClassVideoType:
		var m colibri.VideoTypeMessage
		if json.Unmarshal(msg, &m) == nil {
			e.setVideoType(e.id+"-v0", m.VideoType)
		}
	case colibri.ClassEndpointMessage:
		e.relayEndpointMessage(msg)
	case colibri.ClassEndpointStats:
		e.relayToAll(msg)
	}
}

// relayEndpointMessage delivers an EndpointMessage to its target ("" = all).
func (e *endpoint) relayEndpointMessage(msg []byte) {
	var m colibri.EndpointMessage
	if err := json.Unmarshal(msg, &m); err != nil {
		return
	}
	if m.To == "" {
		e.relayToAll(msg)
		return
	}
	r := e.conf.endpoint(m.To)
	if r == nil {
		r = e.conf.relayOf(m.To) // on another bridge
	}
	if r == nil || r == e {
		return
	}
	if out, err := colibri.RelayedEndpointMessage(msg, e.id); err == nil {
		r.sendMessage(out)
	}
}

func (e *endpoint) relayToAll(msg []byte) {
	out, err := colibri.RelayedEndpointMessage(msg, e.id)
	if err != nil {
		return
	}
	for _, r := range e.conf.list() {
		if r != e {
			r.sendMessage(out)
		}
	}
}

// setVideoType records what one of the endpoint's own sources carries and
// reallocates when that changed.
func (e *endpoint) setVideoType(source, videoType string) {
	k := int32(videoKindOf(videoType))
	for _, s := range e.ingress.Load().video {
		if s.name == source && s.kind.Swap(k) != k {
			e.conf.reallocate()
		}
	}
}
