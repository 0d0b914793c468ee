package dom

import (
	"strings"
	"unicode"
)

// validName reports whether s is an XML name without a colon (an NCName),
// as every element and attribute local name must be. encoding/xml accepts some
// names after a prefix (such as "a:0") that it then refuses to read back.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
		default:
			return false
		}
	}
	return true
}

// unboundPrefix reports whether space is what encoding/xml leaves for a
// prefix that no xmlns declaration binds: the bare prefix itself. Namespace
// names are absolute URIs, which always contain a colon, so a non-empty
// namespace without one can only be such a prefix.
func unboundPrefix(space string) bool {
	return space != "" && space != "xmlns" && space != "xml" && !strings.Contains(space, ":")
}
