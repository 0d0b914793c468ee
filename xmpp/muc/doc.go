// Package muc is the multi-user chat service (XEP-0045) of the meetd XMPP
// server, shaped for Jitsi Meet: rooms are non-anonymous (every occupant item
// carries the real JID), room creation is restricted by a policy (the focus
// creates conference rooms), and IQs and messages sent to an occupant JID are
// routed to the occupant's real JID with `from` rewritten to the sender's
// occupant JID. A Service handles one MUC domain; it keeps all state in
// memory and destroys a room when its last occupant leaves.
package muc
