package spec

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every Problems error: a spec that does not
// parse or does not validate. The CLI maps it to exit code 2.
var ErrInvalid = errors.New("invalid test spec")

// Problem is one thing wrong with a spec: which field, what it held, and
// what was expected. It prints as
//
//	FILE:LINE:COL: FIELD: got VALUE, expected EXPECTED
//
// leaving out the parts of the prefix that are unknown (specs built in code
// have no file or position).
type Problem struct {
	// File is the file name as given to Parse; empty for specs built in code.
	File string
	// Line and Col locate the problem, 1-based; 0 when unknown.
	Line, Col int
	// Field is the path of the field, with dots and indexes:
	// "load.rate", "meshes[1].type", `load.request.headers["X-Id"]`. Empty
	// for problems with the document as a whole (bad YAML, say).
	Field string
	// Value is what the field held, as printed: strings quoted ("istio"),
	// numbers and durations as written (-5, 10s), other shapes described
	// (a list, a mapping). Empty means the field is missing, and prints as
	// "nothing".
	Value string
	// Expected says what would have been accepted, for a human.
	Expected string
}

// Error formats the problem on one line.
func (p Problem) Error() string {
	var b strings.Builder
	pos := p.File
	if p.Line > 0 {
		if pos != "" {
			pos += ":"
		}
		pos += strconv.Itoa(p.Line)
		if p.Col > 0 {
			pos += ":" + strconv.Itoa(p.Col)
		}
	}
	if pos != "" {
		b.WriteString(pos)
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString("got ")
	if p.Value == "" {
		b.WriteString("nothing")
	} else {
		b.WriteString(p.Value)
	}
	b.WriteString(", expected ")
	b.WriteString(p.Expected)
	return b.String()
}

// Problems is every problem found in a spec. As an error it prints one
// problem per line and wraps ErrInvalid. Validate and Parse return it only
// when it is non-empty.
type Problems []Problem

// Error prints one problem per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns ErrInvalid, so that errors.Is(err, ErrInvalid) holds for
// every Problems error.
func (ps Problems) Unwrap() error { return ErrInvalid }

// maxValueRunes bounds how much of a value a problem quotes.
const maxValueRunes = 60

// quote renders a string value for a Problem: Go-quoted, and cut short when
// long so that one problem stays one readable line.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxValueRunes {
		r := []rune(s)
		return strconv.Quote(string(r[:maxValueRunes])) + "..."
	}
	return strconv.Quote(s)
}

// quoteOrNothing renders a required string: empty means missing.
func quoteOrNothing(s string) string {
	if s == "" {
		return ""
	}
	return quote(s)
}

// number renders a float the way a spec would write it: without an
// exponent unless the value is huge or tiny.
func number(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e15) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
