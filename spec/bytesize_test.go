package spec

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestParseByteSize checks the accepted syntax, the binary-only units and
// the hints in the errors.
func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		hint string // in the error; "" means it parses
	}{
		{"0", 0, ""},                               // zero
		{"512", 512, ""},                           // plain bytes
		{"512B", 512, ""},                          // bytes with unit
		{"1KiB", 1024, ""},                         // kibibyte
		{"2MiB", 2 << 20, ""},                      // mebibytes
		{"1GiB", 1 << 30, ""},                      // gibibyte
		{"0012", 12, ""},                           // leading zeros are just digits
		{"1KB", 0, "write KiB, not KB"},            // decimal units are refused
		{"1MB", 0, "write MiB, not MB"},            // ditto
		{"1GB", 0, "write GiB, not GB"},            // ditto
		{"1k", 0, "write KiB, not k"},              // shorthand
		{"1kib", 0, "(write KiB)"},                 // wrong case
		{"1TiB", 0, "units: B, KiB, MiB, GiB"},     // not a unit here
		{"1 KiB", 0, "units: B, KiB, MiB, GiB"},    // no space
		{"", 0, "such as 512"},                     // empty
		{"KiB", 0, "such as 512"},                  // unit only
		{"-1", 0, "such as 512"},                   // no sign
		{"1.5KiB", 0, "units"},                     // integers only
		{"9223372036854775807", math.MaxInt64, ""}, // largest plain
		{"9223372036854775808", 0, "at most 8EiB"}, // overflow
		{"8589934592GiB", 0, "at most 8EiB"},       // overflow by unit
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		switch {
		case tt.hint == "" && (err != nil || got != tt.want):
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		case tt.hint != "" && (err == nil || !strings.Contains(err.Error(), tt.hint)):
			t.Errorf("ParseByteSize(%q) error = %v; want it to contain %q", tt.in, err, tt.hint)
		}
	}
}

// TestByteSizeRoundTrip checks String, JSON (a plain integer) and parsing
// back.
func TestByteSizeRoundTrip(t *testing.T) {
	tests := []struct {
		b    ByteSize
		str  string
		json string
	}{
		{0, "0B", "0"},                     // zero
		{512, "512B", "512"},               // bytes
		{1024, "1KiB", "1024"},             // exact KiB
		{1536, "1536B", "1536"},            // not a whole KiB
		{64 * MiB, "64MiB", "67108864"},    // exact MiB
		{3 * GiB, "3GiB", "3221225472"},    // exact GiB
		{1025 * KiB, "1025KiB", "1049600"}, // KiB, not MiB
	}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.str {
			t.Errorf("String(%d) = %q, want %q", tt.b, got, tt.str)
		}
		if back, err := ParseByteSize(tt.str); err != nil || back != tt.b {
			t.Errorf("ParseByteSize(%q) = %d, %v", tt.str, back, err)
		}
		got, err := json.Marshal(tt.b)
		if err != nil || string(got) != tt.json {
			t.Errorf("Marshal(%d) = %s, %v; want %s", tt.b, got, err, tt.json)
		}
		var back ByteSize
		if err := json.Unmarshal(got, &back); err != nil || back != tt.b {
			t.Errorf("Unmarshal(%s) = %d, %v", got, back, err)
		}
	}
}

// TestByteSizeUnmarshalJSON checks the JSON inputs accepted and refused.
func TestByteSizeUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{`2048`, 2048, true},   // integer
		{`"2KiB"`, 2048, true}, // string with unit
		{`"512"`, 512, true},   // string without unit
		{`null`, 7, true},      // null leaves the value
		{`-1`, -1, true},       // negative integers read; Validate refuses them
		{`1.5`, 7, false},      // not an integer
		{`"1KB"`, 7, false},    // decimal unit
		{`true`, 7, false},     // wrong type
	}
	for _, tt := range tests {
		b := ByteSize(7)
		err := json.Unmarshal([]byte(tt.in), &b)
		if (err == nil) != tt.ok || b != tt.want {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d, ok %v", tt.in, b, err, tt.want, tt.ok)
		}
	}
}
