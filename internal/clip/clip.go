// Package clip shortens untrusted or unbounded text for messages and
// records: at most n bytes, cut on a rune boundary, marked with "…".
package clip

import "unicode/utf8"

// String is s when it has at most n bytes, else its longest prefix of at
// most n bytes that ends on a rune boundary, followed by "…".
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
