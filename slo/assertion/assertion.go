// Package assertion parses SLO assertions such as "p99 < 20ms",
// "errorRate < 0.1%" or "overhead.p50 < 10%". It depends on nothing else in
// smp, so that the spec validator can check `slo:` entries (and point at
// the offending column) without importing the report.
//
// Grammar (spaces between the parts are optional):
//
//	assertion  = metric op value
//	op         = "<" | "<=" | ">" | ">="
//	metric     = percentile | "errorRate" | "achievedRate" | "meshmark"
//	           | role "." field | "overhead." percentile
//	percentile = "p" number           (0 < number <= 100: p50, p99.9)
//	role       = "proxy" | "app" | "client"
//	field      = "cpuMcores" | "cpuMcoresTotal" | "memMB" | "memMBMax" | "cpuMcoresPer1kRps"
//
// Values: percentiles take a duration (20ms, 500us, 1.5s); errorRate a
// percentage (0.1%) or a fraction (0.001); achievedRate requests/s (990,
// 990/s, 990rps); overhead.pN a duration (5ms) or a percentage of the
// baseline (10%); role fields and meshmark a plain number.
package assertion

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Units of a parsed threshold.
const (
	UnitMs      = "ms"     // latency, in milliseconds
	UnitPercent = "%"      // a percentage
	UnitRatio   = "ratio"  // a fraction, 0..1
	UnitRate    = "req/s"  // requests per second
	UnitMcores  = "mCores" // thousandths of a core
	UnitMB      = "MB"     // mebibytes
	UnitScore   = ""       // a plain number (meshmark)
)

// Kinds of metric.
const (
	KindPercentile = "percentile" // pN of the pooled latency
	KindErrorRate  = "errorRate"
	KindRate       = "achievedRate"
	KindRole       = "role"     // Role.Field of the pooled resources
	KindOverhead   = "overhead" // overhead.pN against the baseline
	KindMeshMark   = "meshmark"
)

// Assertion is one parsed SLO assertion.
type Assertion struct {
	Text       string  // as written, trimmed
	Metric     string  // as written: "p99", "proxy.memMB", "overhead.p50"
	Kind       string  // one of the Kind constants
	Percentile float64 // for percentile and overhead kinds: 99.9
	Role       string  // for the role kind: proxy | app | client
	Field      string  // for the role kind: cpuMcores, memMB, …
	Op         string  // < <= > >=
	Threshold  float64 // in Unit
	Unit       string  // one of the Unit constants
}

// Holds reports whether v satisfies the assertion's comparison.
func (a Assertion) Holds(v float64) bool {
	switch a.Op {
	case "<":
		return v < a.Threshold
	case "<=":
		return v <= a.Threshold
	case ">":
		return v > a.Threshold
	case ">=":
		return v >= a.Threshold
	}
	return false
}

// ErrSyntax is wrapped by every *Error.
var ErrSyntax = errors.New("invalid SLO assertion")

// Error is a malformed assertion: what was found at which byte offset of
// the input, and what was expected there.
type Error struct {
	Input    string // the assertion as given
	Offset   int    // 0-based byte offset into Input of the problem
	Got      string // what was found there (quoted when text)
	Expected string
}

func (e *Error) Error() string {
	return fmt.Sprintf("slo %q: column %d: got %s, expected %s", e.Input, e.Offset+1, e.Got, e.Expected)
}

// Unwrap returns ErrSyntax.
func (e *Error) Unwrap() error { return ErrSyntax }

// Roles and fields accepted in role.field metrics.
func roles() []string { return []string{"proxy", "app", "client"} }

// fieldUnit is the unit of a role field, and whether the field exists.
func fieldUnit(field string) (string, bool) {
	switch field {
	case "cpuMcores", "cpuMcoresTotal", "cpuMcoresPer1kRps":
		return UnitMcores, true
	case "memMB", "memMBMax":
		return UnitMB, true
	}
	return "", false
}

const metricsExpected = "a metric: pN (p50, p99.9), errorRate, achievedRate, meshmark, overhead.pN, or proxy|app|client.cpuMcores|cpuMcoresTotal|cpuMcoresPer1kRps|memMB|memMBMax"

// Parse parses one assertion.
func Parse(input string) (Assertion, error) {
	lead := len(input) - len(strings.TrimLeft(input, " \t"))
	s := strings.TrimRight(input, " \t")
	fail := func(off int, got, expected string) (Assertion, error) {
		return Assertion{}, &Error{Input: input, Offset: off, Got: got, Expected: expected}
	}
	pos := lead
	end := pos
	for end < len(s) && isMetricByte(s[end]) {
		end++
	}
	if end == pos {
		return fail(pos, gotAt(s, pos), metricsExpected)
	}
	a := Assertion{Text: s[lead:], Metric: s[pos:end]}
	if err := a.setMetric(); err != nil {
		return fail(pos, strconv.Quote(a.Metric), err.Error())
	}
	pos = skipSpace(s, end)
	switch {
	case strings.HasPrefix(s[pos:], "<="), strings.HasPrefix(s[pos:], ">="):
		a.Op = s[pos : pos+2]
	case strings.HasPrefix(s[pos:], "<"), strings.HasPrefix(s[pos:], ">"):
		a.Op = s[pos : pos+1]
	default:
		return fail(pos, gotAt(s, pos), "a comparison: <, <=, > or >=")
	}
	pos = skipSpace(s, pos+len(a.Op))
	if pos == len(s) {
		return fail(pos, "nothing", "a value after "+a.Op)
	}
	numEnd := pos
	for numEnd < len(s) && (s[numEnd] >= '0' && s[numEnd] <= '9' || s[numEnd] == '.' || s[numEnd] == '-' || s[numEnd] == '+' || s[numEnd] == 'e' && numEnd > pos) {
		numEnd++
	}
	v, err := strconv.ParseFloat(s[pos:numEnd], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return fail(pos, strconv.Quote(s[pos:]), "a number"+unitHint(a))
	}
	unit := strings.TrimSpace(s[numEnd:])
	if err := a.setThreshold(v, unit); err != nil {
		return fail(pos, strconv.Quote(s[pos:]), err.Error())
	}
	return a, nil
}

func isMetricByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func gotAt(s string, i int) string {
	if i >= len(s) {
		return "nothing"
	}
	return strconv.Quote(s[i:])
}

// setMetric classifies a.Metric.
func (a *Assertion) setMetric() error {
	m := a.Metric
	switch {
	case m == "errorRate":
		a.Kind = KindErrorRate
		return nil
	case m == "achievedRate":
		a.Kind = KindRate
		return nil
	case m == "meshmark":
		a.Kind = KindMeshMark
		return nil
	case strings.HasPrefix(m, "overhead."):
		p, err := percentile(strings.TrimPrefix(m, "overhead."))
		if err != nil {
			return errors.New("overhead.pN with 0 < N <= 100, such as overhead.p99")
		}
		a.Kind, a.Percentile = KindOverhead, p
		return nil
	}
	if role, field, ok := strings.Cut(m, "."); ok {
		for _, r := range roles() {
			if r == role {
				if _, known := fieldUnit(field); known {
					a.Kind, a.Role, a.Field = KindRole, role, field
					return nil
				}
				return fmt.Errorf("a field of %s: cpuMcores, cpuMcoresTotal, cpuMcoresPer1kRps, memMB or memMBMax", role)
			}
		}
	}
	if strings.HasPrefix(m, "p") && len(m) > 1 && (m[1] >= '0' && m[1] <= '9' || m[1] == '.') || m == "p" {
		p, err := percentile(m)
		if err != nil {
			return errors.New("a percentile pN with 0 < N <= 100, such as p99 or p99.9")
		}
		a.Kind, a.Percentile = KindPercentile, p
		return nil
	}
	return errors.New(metricsExpected)
}

func percentile(s string) (float64, error) {
	if !strings.HasPrefix(s, "p") {
		return 0, ErrSyntax
	}
	p, err := strconv.ParseFloat(s[1:], 64)
	if err != nil || !(p > 0 && p <= 100) || strings.ContainsAny(s[1:], "eE+-") {
		return 0, ErrSyntax
	}
	return p, nil
}

func unitHint(a Assertion) string {
	switch a.Kind {
	case KindPercentile:
		return " with a duration unit (20ms, 500us, 1.5s)"
	case KindOverhead:
		return " with a duration unit (5ms) or % of the baseline (10%)"
	case KindErrorRate:
		return " (a fraction such as 0.001, or a percentage such as 0.1%)"
	case KindRate:
		return " of requests/s (990, 990/s, 990rps)"
	}
	return ""
}

// durationUnits convert to milliseconds.
func durationUnit(unit string) (float64, bool) {
	switch unit {
	case "ns":
		return 1e-6, true
	case "us", "µs":
		return 1e-3, true
	case "ms":
		return 1, true
	case "s":
		return 1000, true
	}
	return 0, false
}

// setThreshold checks that unit suits the metric and stores the threshold.
func (a *Assertion) setThreshold(v float64, unit string) error {
	bad := func() error { return errors.New("a number" + unitHint(*a)) }
	switch a.Kind {
	case KindPercentile, KindOverhead:
		if f, ok := durationUnit(unit); ok {
			a.Threshold, a.Unit = v*f, UnitMs
		} else if unit == "%" && a.Kind == KindOverhead {
			a.Threshold, a.Unit = v, UnitPercent
		} else {
			return bad()
		}
		if a.Kind == KindPercentile && v < 0 {
			return errors.New("a duration of 0 or more")
		}
	case KindErrorRate:
		switch unit {
		case "%":
			a.Threshold, a.Unit = v, UnitPercent
			if v < 0 || v > 100 {
				return errors.New("a percentage between 0% and 100%")
			}
		case "":
			a.Threshold, a.Unit = v, UnitRatio
			if v < 0 || v > 1 {
				return errors.New("a fraction between 0 and 1 (or a percentage such as 0.1%)")
			}
		default:
			return bad()
		}
	case KindRate:
		switch unit {
		case "", "/s", "rps", "req/s":
			a.Threshold, a.Unit = v, UnitRate
		default:
			return bad()
		}
	case KindRole:
		want, _ := fieldUnit(a.Field)
		if unit != "" && unit != want {
			return fmt.Errorf("a plain number (of %s), or the unit %s", want, want)
		}
		a.Threshold, a.Unit = v, want
	case KindMeshMark:
		if unit != "" {
			return errors.New("a plain number between 0 and 100")
		}
		a.Threshold, a.Unit = v, UnitScore
	}
	return nil
}
