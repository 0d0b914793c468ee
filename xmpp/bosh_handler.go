package xmpp

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxRID is the largest rid XEP-0124 allows (2^53 - 1).
const maxRID = 1<<53 - 1

// boshHandler serves /http-bind: session creation requests start a client
// stream on a new boshTransport; other requests go to their session.
type boshHandler struct {
	srv *Server

	mu       sync.Mutex
	sessions map[string]*boshTransport
}

// BOSHHandler serves XMPP over BOSH (XEP-0124/0206) for POST requests; a
// GET is answered 200 and OPTIONS answers CORS preflights.
func (s *Server) BOSHHandler() http.Handler {
	return &boshHandler{srv: s, sessions: map[string]*boshTransport{}}
}

func (h *boshHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	hd.Set("Access-Control-Allow-Headers", "Content-Type")
	hd.Set("Access-Control-Max-Age", "7200")
	switch r.Method {
	case http.MethodOptions, http.MethodGet:
		w.WriteHeader(http.StatusOK)
		return
	case http.MethodPost:
	default:
		http.Error(w, "BOSH takes POST", http.StatusMethodNotAllowed)
		return
	}
	limit := h.srv.cfg.MaxStanzaBytes + 1024
	raw, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	var resp []byte
	switch {
	case err != nil:
		return
	case len(raw) > limit:
		resp = terminateBody("policy-violation")
	default:
		resp = h.request(r, raw)
	}
	hd.Set("Content-Type", "text/xml; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	_, _ = w.Write(resp)
}

// request answers one parsed POST.
func (h *boshHandler) request(r *http.Request, raw []byte) []byte {
	b, err := parseBOSHBody(raw)
	if err != nil {
		return terminateBody("bad-request")
	}
	rid, err := strconv.ParseUint(b.attr("rid"), 10, 64)
	if err != nil || rid == 0 || rid > maxRID {
		return terminateBody("bad-request")
	}
	sid := b.attr("sid")
	if sid == "" {
		return h.create(r, b, rid)
	}
	h.mu.Lock()
	t := h.sessions[sid]
	h.mu.Unlock()
	if t == nil {
		return terminateBody("item-not-found")
	}
	return t.request(r.Context(), b, rid)
}

// create starts a session and its client stream and answers with the
// session attributes and the stream features.
func (h *boshHandler) create(r *http.Request, b *boshBody, rid uint64) []byte {
	wait := boshMaxWait
	if n, err := strconv.Atoi(b.attr("wait")); err == nil && n >= 0 && time.Duration(n)*time.Second < wait {
		wait = time.Duration(n) * time.Second
	}
	info := requestInfo(r)
	if !h.srv.login.ips.acquire(info.ip) {
		return terminateBody("policy-violation")
	}
	sid := randomID(16)
	t := newBOSHTransport(sid, rid, wait, h.srv.cfg.BOSHInactivity, r.URL.Query(), func() {
		h.mu.Lock()
		delete(h.sessions, sid)
		h.mu.Unlock()
	})
	if !h.srv.begin() {
		h.srv.login.ips.release(info.ip)
		return terminateBody("system-shutdown")
	}
	h.mu.Lock()
	h.sessions[sid] = t
	h.mu.Unlock()
	t.mu.Lock()
	t.held = append(t.held, rid)
	t.deliver(b)
	t.mu.Unlock()
	go func() {
		defer h.srv.login.ips.release(info.ip)
		h.srv.serveStream(boshConn{t, info}, r.RemoteAddr)
	}()
	res := t.await(r.Context(), rid)
	attrs := []string{"sid", sid, "wait", strconv.Itoa(int(wait / time.Second)),
		"requests", strconv.Itoa(boshRequests), "hold", strconv.Itoa(boshHold),
		"inactivity", strconv.Itoa(int((t.inactivity + time.Second - 1) / time.Second)), "polling", strconv.Itoa(boshPolling),
		"ver", "1.6", "from", h.srv.cfg.Domain, "secure", "true", "xmpp:version", "1.0"}
	return t.respond(rid, res, attrs)
}

// request handles a request of an existing session.
func (t *boshTransport) request(ctx context.Context, b *boshBody, rid uint64) []byte {
	t.mu.Lock()
	if rid == t.lastRID && t.lastResp != nil {
		resp := t.lastResp // a retransmission: the same answer again
		t.mu.Unlock()
		return resp
	}
	if !t.inOrder(ctx, rid) {
		t.mu.Unlock()
		_ = t.Close()
		return terminateBody("item-not-found")
	}
	t.rid = rid
	t.idle.Stop()
	t.held = append(t.held, rid)
	t.deliver(b)
	t.mu.Unlock()
	return t.respond(rid, t.await(ctx, rid), nil)
}

// inOrder waits until rid is the next request to process; false when it is
// outside the window or the missing requests do not arrive. The caller
// holds mu, which is released while waiting.
func (t *boshTransport) inOrder(ctx context.Context, rid uint64) bool {
	if rid <= t.rid || rid > t.rid+boshRequests {
		return false
	}
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	for rid != t.rid+1 && !t.closed {
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			t.mu.Lock()
			return false
		case <-ctx.Done():
			t.mu.Lock()
			return false
		}
		t.mu.Lock()
	}
	return !t.closed
}

// respond serializes a result, releases the request and caches the answer.
func (t *boshTransport) respond(rid uint64, res boshResult, attrs []string) []byte {
	if res.terminate {
		attrs = append(attrs, "type", "terminate")
		if res.cond != "" {
			attrs = append(attrs, "condition", res.cond)
		}
	}
	resp := boshResponse(attrs, res.els)
	t.release(rid, resp)
	return resp
}

// terminateBody is a terminal binding condition outside any session.
func terminateBody(cond string) []byte {
	return boshResponse([]string{"type", "terminate", "condition", cond}, nil)
}
