package dom

import "unicode"

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
