package reqmix

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Check rejects a variant's HTTP request that would break its wire form,
// in HTTP/1.1 or HTTP/2: method must be an HTTP token, target ("" = the
// URL's) a path starting with / without spaces or control characters,
// header names tokens and values free of CR, LF and NUL; a body of
// bodyLen bytes and a size distribution are exclusive.
func Check(method, target string, headers map[string]string, bodyLen int, sizes SizeDist) error {
	if !IsToken(method) {
		return fmt.Errorf("method %q: expected an HTTP token such as GET", method)
	}
	if target != "" && (!strings.HasPrefix(target, "/") || strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f })) {
		return fmt.Errorf("target %q: expected a path starting with / without spaces or control characters", target)
	}
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		if !IsToken(k) || strings.ContainsAny(headers[k], "\r\n\x00") {
			return fmt.Errorf("header %q: expected a token name and a value without CR, LF or NUL", k)
		}
	}
	if sizes.Type != "" && bodyLen > 0 {
		return fmt.Errorf("a %d-byte body and a %s size distribution: expected one of them", bodyLen, sizes.Type)
	}
	return nil
}

// IsToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// isTokenChar reports whether c is a tchar: a letter, a digit or one of
// the RFC's punctuation marks.
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// Filler returns n 'x' bytes, the body of a drawn size.
func Filler(n int64) []byte { return []byte(strings.Repeat("x", int(n))) }
