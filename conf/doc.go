// Package conf holds meetd's configuration: the TOML schema, the built-in
// defaults and validation.
//
// A Config comes from Default (meetd with no config file) or from Load, which
// decodes a TOML file over the defaults. Keys the schema does not know are
// errors that name the key, so a typo never silently falls back to a default;
// Validate reports every bad value at once, each naming its key.
//
// Addresses derives the XMPP names every part of meetd agrees on from the one
// configured domain (conference.<domain>, focus.<domain>, auth.<domain>, …).
//
// A minimal file:
//
//	domain = "meet.example.com"
//	[media]
//	advertise = ["203.0.113.7"]
package conf
