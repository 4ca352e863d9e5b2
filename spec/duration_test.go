package spec

import (
	"encoding/json"
	"testing"
	"time"
)

// TestParseDuration checks the accepted syntax and the rejections.
func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10s", 10 * time.Second, true},          // seconds
		{"250ms", 250 * time.Millisecond, true},  // milliseconds
		{"50us", 50 * time.Microsecond, true},    // ASCII micro
		{"50µs", 50 * time.Microsecond, true},    // micro sign U+00B5
		{"50μs", 50 * time.Microsecond, true},    // Greek mu U+03BC
		{"100ns", 100, true},                     // nanoseconds
		{"1m30s", 90 * time.Second, true},        // compound
		{"1.5h", 90 * time.Minute, true},         // fractions
		{"0", 0, true},                           // the one bare number: no unit needed
		{"0s", 0, true},                          // zero with a unit
		{"-1s", -time.Second, true},              // signs parse; ranges are Validate's
		{"10", 0, false},                         // bare number: unit would be a guess
		{"1.5", 0, false},                        // bare fraction
		{"00", 0, false},                         // bare, even if zero-valued
		{"", 0, false},                           // empty
		{"10 s", 0, false},                       // space
		{"10sec", 0, false},                      // unknown unit
		{"1d", 0, false},                         // days are not a Go unit
		{"9999999999999h", 0, false},             // overflow
		{"s", 0, false},                          // unit only
		{"10S", 0, false},                        // units are case-sensitive
		{"1h2m3s4ms5us6ns", 3723004005006, true}, // every unit
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got.D() != tt.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got.D(), err, tt.want, tt.ok)
		}
		if err != nil && err.Error() != "a duration such as 10s or 250ms" {
			t.Errorf("ParseDuration(%q) error = %q", tt.in, err)
		}
	}
}

// TestDurationRoundTrip checks that String, text and JSON forms read back
// to the same value, in ASCII.
func TestDurationRoundTrip(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},                                              // zero
		{10 * time.Second, "10s"},                              // seconds
		{250 * time.Millisecond, "250ms"},                      // milliseconds
		{50 * time.Microsecond, "50us"},                        // micro in ASCII
		{1500 * time.Nanosecond, "1.5us"},                      // fraction of a unit
		{90 * time.Second, "1m30s"},                            // compound
		{25 * time.Hour, "25h0m0s"},                            // hours
		{-3 * time.Millisecond, "-3ms"},                        // negative
		{time.Duration(1<<63 - 1), "2562047h47m16.854775807s"}, // largest
	}
	for _, tt := range tests {
		d := Duration(tt.d)
		if got := d.String(); got != tt.want {
			t.Errorf("String(%d) = %q, want %q", tt.d, got, tt.want)
		}
		b, err := json.Marshal(d)
		if err != nil || string(b) != `"`+tt.want+`"` {
			t.Errorf("Marshal(%v) = %s, %v", tt.d, b, err)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back, err, d)
		}
		p, err := ParseDuration(d.String())
		if err != nil || p != d {
			t.Errorf("ParseDuration(%q) = %v, %v", d.String(), p, err)
		}
	}
}

// TestDurationUnmarshalJSON checks the JSON inputs accepted and refused.
func TestDurationUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Duration
		ok   bool
	}{
		{`"10s"`, Duration(10 * time.Second), true},       // string
		{`"50µs"`, Duration(50 * time.Microsecond), true}, // micro sign
		{`null`, Duration(7), true},                       // null leaves the value
		{`10`, Duration(7), false},                        // a bare number is refused
		{`"10"`, Duration(7), false},                      // also as a string
		{`{}`, Duration(7), false},                        // wrong type
	}
	for _, tt := range tests {
		d := Duration(7)
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err == nil) != tt.ok || d != tt.want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, ok %v", tt.in, d, err, tt.want, tt.ok)
		}
	}
}
