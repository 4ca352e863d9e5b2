package assertion

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		kind, unit string
		op         string
		threshold  float64
	}{
		{"p99 < 20ms", KindPercentile, UnitMs, "<", 20},                    // the common case
		{"p99.9 <= 50ms", KindPercentile, UnitMs, "<=", 50},                // a fractional percentile
		{"p50<500us", KindPercentile, UnitMs, "<", 0.5},                    // no spaces, microseconds
		{"  p90 < 1.5s  ", KindPercentile, UnitMs, "<", 1500},              // padding, seconds
		{"p99 < 250µs", KindPercentile, UnitMs, "<", 0.25},                 // the micro sign
		{"errorRate < 0.1%", KindErrorRate, UnitPercent, "<", 0.1},         // percentage
		{"errorRate <= 0.001", KindErrorRate, UnitRatio, "<=", 0.001},      // fraction
		{"achievedRate >= 990", KindRate, UnitRate, ">=", 990},             // plain rate
		{"achievedRate > 990/s", KindRate, UnitRate, ">", 990},             // rate with a unit
		{"proxy.cpuMcores < 250", KindRole, UnitMcores, "<", 250},          // per-proxy CPU
		{"proxy.memMB < 64", KindRole, UnitMB, "<", 64},                    // per-proxy memory
		{"app.memMBMax < 64MB", KindRole, UnitMB, "<", 64},                 // another role, explicit unit
		{"overhead.p99 < 5ms", KindOverhead, UnitMs, "<", 5},               // absolute overhead
		{"overhead.p50 < 10%", KindOverhead, UnitPercent, "<", 10},         // relative overhead
		{"meshmark >= 80", KindMeshMark, UnitScore, ">=", 80},              // the value index
		{"client.cpuMcoresPer1kRps < 100", KindRole, UnitMcores, "<", 100}, // a derived field
	}
	for _, tc := range tests {
		a, err := Parse(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if a.Kind != tc.kind || a.Unit != tc.unit || a.Op != tc.op || a.Threshold != tc.threshold || a.Text != strings.TrimSpace(tc.in) {
			t.Errorf("%q: %+v", tc.in, a)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		offset   int
		expected string // a part of Expected
	}{
		{"", 0, "a metric"},                                // empty
		{"p99", 3, "a comparison"},                         // no operator
		{"p99 = 20ms", 4, "a comparison"},                  // unsupported operator
		{"p99 <", 5, "a value"},                            // no value
		{"p99 < 20", 6, "with a duration unit"},            // latency without unit
		{"p99 < 20%", 6, "with a duration unit"},           // percent on an absolute latency
		{"p99 < fast", 6, "a number"},                      // not a number
		{"p100.5 < 20ms", 0, "0 < N <= 100"},               // percentile out of range
		{"p0 < 20ms", 0, "0 < N <= 100"},                   // percentile zero
		{"latency < 20ms", 0, "a metric"},                  // unknown metric
		{"proxy.cpu < 250", 0, "a field of proxy"},         // unknown field
		{"gateway.memMB < 10", 0, "a metric"},              // unknown role
		{"errorRate < 2", 12, "between 0 and 1"},           // a fraction above 1
		{"errorRate < 150%", 12, "between 0% and 100%"},    // a percentage above 100
		{"proxy.memMB < 64GB", 14, "the unit MB"},          // wrong unit
		{"overhead.p99 < 5 apples", 15, "a duration unit"}, // wrong unit
		{"overhead.x < 5ms", 0, "overhead.pN"},             // overhead of a non-percentile
		{"meshmark > 80%", 11, "a plain number"},           // unit on a score
		{"  pX < 1ms", 2, "a metric"},                      // position counts the padding
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: error %v, want *Error", tc.in, err)
			continue
		}
		if pe.Offset != tc.offset || !strings.Contains(pe.Expected, tc.expected) || !strings.Contains(err.Error(), tc.in) {
			t.Errorf("%q: offset %d expected %q (%v); want offset %d and %q", tc.in, pe.Offset, pe.Expected, err, tc.offset, tc.expected)
		}
	}
}

func TestHolds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op   string
		v    float64
		want bool
	}{
		{"<", 19.9, true}, {"<", 20, false}, // strict below
		{"<=", 20, true}, {"<=", 20.1, false}, // at the bound
		{">", 20.1, true}, {">", 20, false}, // strict above
		{">=", 20, true}, {">=", 19, false}, // at or above
	} {
		if got := (Assertion{Op: tc.op, Threshold: 20}).Holds(tc.v); got != tc.want {
			t.Errorf("%v %s 20 = %v", tc.v, tc.op, got)
		}
	}
}

// FuzzParse checks that Parse never panics, that accepted input
// re-parses to the same assertion, and that errors point inside the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"p99 < 20ms", "errorRate < 0.1%", "overhead.p50 < 10%", "proxy.memMB < 64", "achievedRate >= 990/s", "meshmark>=80", "p99 <", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		b, err := Parse(a.Text)
		if err != nil || b != a {
			t.Fatalf("%q re-parses as %+v, %v; first %+v", s, b, err, a)
		}
	})
}
