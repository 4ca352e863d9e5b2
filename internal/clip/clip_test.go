package clip

import (
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 4, "abcd…"},
		// "é" is two bytes: a cut inside it keeps the rune whole or drops it.
		{"caféine", 4, "caf…"},
		{"caféine", 5, "café…"},
		{"日本語", 4, "日…"},
		{"x", 0, "…"},
		{"x", -1, "…"},
	} {
		if got := String(tc.s, tc.n); got != tc.want {
			t.Errorf("String(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("caféine", 4)
	f.Add("日本語", 2)
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := String(s, n)
		if len(s) <= n {
			if got != s {
				t.Errorf("String(%q, %d) = %q, want it unchanged", s, n, got)
			}
			return
		}
		body := got[:len(got)-len("…")]
		if len(body) > max(n, 0) || s[:len(body)] != body {
			t.Errorf("String(%q, %d) = %q: not a prefix of at most n bytes", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("String(%q, %d) = %q: cut inside a rune", s, n, got)
		}
	})
}
