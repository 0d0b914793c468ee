package xmpp

import (
	"fmt"

	"mellium.im/xmpp/jid"
)

// parseAddr parses an address a peer sent. Beyond jid.Parse it requires the
// canonical form to parse back to itself: the router keys its tables by that
// form, and jid.Parse strips only one trailing dot, so "a.." would become "a."
// and then "a".
func parseAddr(s string) (jid.JID, error) {
	j, err := jid.Parse(s)
	if err != nil {
		return jid.JID{}, err
	}
	again, err := jid.Parse(j.String())
	if err != nil || !again.Equal(j) {
		return jid.JID{}, fmt.Errorf("%w: %q has no stable form", ErrBadAddress, s)
	}
	return j, nil
}
