// Package focus is meetd's conference focus (the role Jicofo plays in a
// Jitsi deployment). It is an XMPP entity: it answers the clients'
// conference IQ, joins each conference MUC as the occupant "focus", makes
// the first participant moderator, allocates every participant an endpoint
// on a bridge with Colibri2 IQs sent through the brewery MUC, offers each
// participant a Jingle session for the bridge and relays every
// participant's media sources to the others.
//
// The focus talks to the XMPP server through the small Conn interface; in
// meetd it is an in-process session of package xmpp.
package focus
