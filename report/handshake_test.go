package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load"
)

// withHandshakes is synthetic with n connect times of 100 µs and, when
// tls, n handshakes of 1 ms.
func withHandshakes(n int, tls bool) *load.Result {
	r := synthetic()
	r.ConnectTime = hist.New()
	if tls {
		r.TLSHandshake = hist.New()
	}
	for range n {
		r.ConnectTime.Record(100 * time.Microsecond)
		if tls {
			r.TLSHandshake.Record(time.Millisecond)
		}
	}
	return r
}

func TestHandshakeLatencies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		results          []*load.Result
		connect, tlsHand int64 // pooled counts; -1 = absent
	}{
		// Keep-alive runs measure neither: both fields are left out.
		{"not measured", []*load.Result{synthetic()}, -1, -1},
		// Cleartext, one connection per request: connect times only.
		{"cleartext", []*load.Result{withHandshakes(10, false)}, 10, -1},
		// TLS: both.
		{"tls", []*load.Result{withHandshakes(10, true)}, 10, 10},
		// Pooled over iterations, one of which measured nothing.
		{"pooled", []*load.Result{withHandshakes(10, true), synthetic(), withHandshakes(5, true)}, 15, 15},
	}
	count := func(l *Latency) int64 {
		if l == nil {
			return -1
		}
		return l.Count
	}
	for _, tt := range tests {
		it, err := NewIteration(0, tt.results[0], Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := Summarize(tt.results, Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := count(sum.ConnectTime); got != tt.connect {
			t.Errorf("%s: summary connectTime count %d, want %d", tt.name, got, tt.connect)
		}
		if got := count(sum.TLSHandshake); got != tt.tlsHand {
			t.Errorf("%s: summary tlsHandshake count %d, want %d", tt.name, got, tt.tlsHand)
		}
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(string(b), `"connectTime"`); has != (tt.results[0].ConnectTime != nil) {
			t.Errorf("%s: iteration JSON has connectTime: %v", tt.name, has)
		}
		if l := sum.ConnectTime; l != nil && (l.Percentiles["p50"] < 0.0999 || l.Percentiles["p50"] > 0.1001) {
			t.Errorf("%s: connectTime p50 %v ms, want 0.1 (±0.1%%)", tt.name, l.Percentiles["p50"])
		}
		// Reports merge them like the other latencies.
		rep := &Report{SchemaVersion: SchemaVersion, Scenarios: []Scenario{{Name: "s", Mesh: Mesh{Type: "none"}, Iterations: []Iteration{it}, Summary: sum}}}
		m, err := Merge(rep, rep)
		if err != nil {
			t.Fatal(err)
		}
		want := tt.connect
		if want > 0 {
			want *= 2
		}
		if got := count(m.Scenarios[0].Summary.ConnectTime); got != want {
			t.Errorf("%s: merged connectTime count %d, want %d", tt.name, got, want)
		}
	}
}
