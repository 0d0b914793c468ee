package recording

import (
	"log/slog"
	"net/http"
	"path"
	"time"

	"meetd/recording/link"
	"meetd/recording/vault"
)

// Handler serves finished recordings at <prefix>/<token>. The token is the
// private link (package link): a request whose token is malformed, badly
// signed or expired, or whose key does not open the file, or whose
// recording is gone, gets the same bare 403. Range requests work, so a
// video player can seek. Web mounts it; the logic lives here.
type Handler struct {
	store  *vault.Store
	signer *link.Signer
	now    func() time.Time
	log    *slog.Logger
}

// NewHandler returns a handler serving from store with links checked by
// signer. now may be nil (time.Now).
func NewHandler(store *vault.Store, signer *link.Signer, now func() time.Time, log *slog.Logger) *Handler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{store: store, signer: signer, now: now, log: log}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	l, err := h.signer.Parse(path.Base(r.URL.Path), h.now())
	if err != nil {
		forbid(w)
		return
	}
	f, fd, info, err := h.store.Open(l.ID, l.Key)
	clear(l.Key)
	if err != nil {
		forbid(w)
		return
	}
	defer fd.Close()
	hdr.Set("Content-Type", "video/mp4")
	hdr.Set("Content-Disposition", `attachment; filename="recording-`+info.Created.UTC().Format("2006-01-02-1504")+`.mp4"`)
	h.log.Info("recording downloaded", "recording", info.ID, "range", r.Header.Get("Range") != "")
	http.ServeContent(w, r, "", info.Created, f)
}

// forbid answers 403 with no detail.
func forbid(w http.ResponseWriter) {
	w.Header().Del("Content-Type")
	http.Error(w, "forbidden", http.StatusForbidden)
}
