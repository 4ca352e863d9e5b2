package spec

import (
	"errors"
	"fmt"
	"testing"
)

// TestProblemError checks the one-line format and which prefix parts are
// left out.
func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		// Everything known.
		{Problem{File: "a.yaml", Line: 3, Col: 9, Field: "load.rate", Value: "-5", Expected: "a number >= 0"},
			"a.yaml:3:9: load.rate: got -5, expected a number >= 0"},
		// Built in code: no file, no position.
		{Problem{Field: "load.rate", Value: "-5", Expected: "a number >= 0 (requests per second; 0 = closed loop)"},
			"load.rate: got -5, expected a number >= 0 (requests per second; 0 = closed loop)"},
		// A missing field prints as nothing.
		{Problem{File: "a.yaml", Line: 1, Col: 1, Field: "kind", Expected: "Test"},
			"a.yaml:1:1: kind: got nothing, expected Test"},
		// File and line but no column (YAML syntax errors).
		{Problem{File: "a.yaml", Line: 4, Value: "invalid YAML (x)", Expected: "well-formed YAML"},
			"a.yaml:4: got invalid YAML (x), expected well-formed YAML"},
		// File only, no field (an empty document).
		{Problem{File: "a.yaml", Value: "an empty document", Expected: "a test spec"},
			"a.yaml: got an empty document, expected a test spec"},
		// Position without file.
		{Problem{Line: 2, Col: 5, Field: "kind", Value: `"test"`, Expected: "Test"},
			`2:5: kind: got "test", expected Test`},
		// A column without a line means nothing.
		{Problem{Col: 5, Field: "kind", Value: `"test"`, Expected: "Test"},
			`kind: got "test", expected Test`},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestProblemsError checks one line per problem and the ErrInvalid
// sentinel through wrapping.
func TestProblemsError(t *testing.T) {
	ps := Problems{
		{Field: "a", Value: "1", Expected: "2"},
		{Field: "b", Expected: "3"},
	}
	if got, want := ps.Error(), "a: got 1, expected 2\nb: got nothing, expected 3"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("spec x.yaml: %w", ps)
	if !errors.Is(wrapped, ErrInvalid) {
		t.Error("errors.Is(wrapped Problems, ErrInvalid) = false")
	}
	var got Problems
	if !errors.As(wrapped, &got) || len(got) != 2 {
		t.Errorf("errors.As(wrapped, &Problems) = %v", got)
	}
}

// TestQuote checks that long values are cut short.
func TestQuote(t *testing.T) {
	long := make([]rune, 100)
	for i := range long {
		long[i] = 'é'
	}
	got := quote(string(long))
	if want := `"` + string(long[:maxValueRunes]) + `"...`; got != want {
		t.Errorf("quote(100 runes) = %q, want %q", got, want)
	}
	if got := quote("a\nb"); got != `"a\nb"` {
		t.Errorf("quote = %q", got)
	}
}
