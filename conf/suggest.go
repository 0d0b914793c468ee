package conf

import (
	"fmt"
	"regexp"
	"strings"
)

// listIndex matches the [i] of a key inside a list of tables.
var listIndex = regexp.MustCompile(`\[[0-9]+\]`)

// unknownKey is the error for a key the schema lacks, naming the closest
// known key when one is near enough to be a typo or a key in the wrong
// table ("did you mean http.listen?").
func unknownKey(path string, known []string) error {
	if s := closestKey(listIndex.ReplaceAllString(path, ""), known); s != "" {
		table, _ := splitKey(path)
		if st, leaf := splitKey(s); st == listIndex.ReplaceAllString(table, "") && table != st {
			s = table + "." + leaf // the same entry of a list of tables
		}
		return fmt.Errorf("%w (did you mean %s?)", ErrUnknownKey, s)
	}
	return ErrUnknownKey
}

// closestKey returns the known key nearest to path: the same last part in
// another table, or a key of the same table within a few typing mistakes.
func closestKey(path string, known []string) string {
	table, leaf := splitKey(path)
	best, bestDist := "", 0
	for _, k := range known {
		kt, kl := splitKey(k)
		d := editDistance(leaf, kl)
		if kt != table {
			if d != 0 {
				continue
			}
			d = 1 // the right key in the wrong table
		}
		if d <= typoBudget(leaf) && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// typoBudget is how many edits still count as a typo of key.
func typoBudget(key string) int {
	return max(1, min(3, len(key)/3))
}

func splitKey(path string) (table, leaf string) {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// editDistance is the Levenshtein distance of a and b (bytes; keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
