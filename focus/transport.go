package focus

import (
	"context"
	"fmt"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
)

// refuseTransport answers a Jingle IQ whose transport failed the checks
// with bad-request; the session stays as it was.
func (r *room) refuseTransport(ctx context.Context, iq *dom.Element, p *participant, err error) {
	r.log.Info("jingle transport refused", "endpoint", p.nick, "err", err)
	r.f.reject(ctx, iq, "modify", "bad-request")
}

// checkAcceptTransport vets the transport of a client's session-accept
// before the bridge sees it (docs/reliability.md J4): ICE credentials must be
// present and at least one DTLS fingerprint must use a SHA family hash (the
// ones the bridge verifies); md5, unknown hashes and no fingerprint are refused.
func checkAcceptTransport(j *jingle.Jingle) error {
	tr := firstTransport(j)
	if tr == nil || tr.Pwd == "" {
		return fmt.Errorf("%w: no ICE ufrag/pwd", ErrBadTransport)
	}
	for _, fp := range tr.Fingerprints {
		if strongHash(fp.Hash) && strings.TrimSpace(fp.Value) != "" {
			return nil
		}
	}
	return fmt.Errorf("%w: no sha DTLS fingerprint", ErrBadTransport)
}

// checkTransportInfo vets a transport-info: a transport that names a ufrag
// (an ICE restart) must carry the password too.
func checkTransportInfo(j *jingle.Jingle) error {
	for _, c := range j.Contents {
		if t := c.Transport; t != nil && (t.Ufrag == "") != (t.Pwd == "") {
			return fmt.Errorf("%w: ufrag without pwd", ErrBadTransport)
		}
	}
	return nil
}

func strongHash(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sha-1", "sha-224", "sha-256", "sha-384", "sha-512":
		return true
	}
	return false
}
