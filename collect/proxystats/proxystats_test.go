package proxystats

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parseFile(t *testing.T, name string, s Schema, match map[string]string) (Stats, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(f, s, match)
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		file      string
		schema    Schema
		match     map[string]string
		requests  uint64
		responses map[string]uint64
		count     uint64  // histogram count; 0: no histogram expected
		p50, p99  float64 // seconds, worked out by hand from the buckets
	}{
		// one HTTP connection manager; the admin listener's 7 are left out.
		// p50: rank 500 in (5,10] ms holding 350 above 400: 5+5*100/350
		{"envoy downstream", "envoy.txt", EnvoyDownstream(), map[string]string{"envoy_http_conn_manager_prefix": "ingress_http"},
			1000, map[string]uint64{"1xx": 0, "2xx": 990, "3xx": 0, "4xx": 0, "5xx": 10}, 1000, (5 + 5*100.0/350) / 1000, (50 + 50*0.0/10) / 1000},
		// every connection manager, admin included
		{"envoy downstream, all", "envoy.txt", EnvoyDownstream(), nil,
			1007, map[string]uint64{"1xx": 0, "2xx": 997, "3xx": 0, "4xx": 0, "5xx": 10}, 1007, 0, 0},
		// p50: rank 500 in (1,5] ms holding 400 above 100: 1+4*400/400 = 5;
		// p99: rank 990 at the le=50 bound
		{"envoy upstream", "envoy.txt", EnvoyUpstream(), map[string]string{"envoy_cluster_name": "service"},
			1000, map[string]uint64{"2xx": 990, "5xx": 10}, 1000, 0.005, 0.050},
		// inbound only; the 200 and 503 histograms summed. p50: rank 300 at
		// le=2; p99: rank 594 in (500,1000] holding 10 above 590: 500+500*4/10
		{"linkerd inbound", "linkerd.txt", Linkerd(), map[string]string{"direction": "inbound"},
			600, map[string]uint64{"2xx": 590, "5xx": 10}, 600, 0.002, 0.700},
		// p50: rank 600 at the top of (0,1] ms, which holds 600
		{"linkerd outbound", "linkerd.txt", Linkerd(), map[string]string{"direction": "outbound"},
			1200, map[string]uint64{"2xx": 1200}, 1200, 0.001, 0},
		// p50: rank 20 in (0.00025,0.0005] holding 20 above 10
		{"smp inbound", "smp.txt", Reference(), map[string]string{"route": "inbound"},
			40, map[string]uint64{"1xx": 0, "2xx": 38, "3xx": 0, "4xx": 0, "5xx": 2}, 40, 0.00025 + 0.00025*10/20, 0},
		{"smp all routes", "smp.txt", Reference(), nil,
			52, map[string]uint64{"1xx": 0, "2xx": 50, "3xx": 0, "4xx": 0, "5xx": 2}, 52, 0, 0},
	}
	for _, tc := range tests {
		got, err := parseFile(t, tc.file, tc.schema, tc.match)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Requests != tc.requests {
			t.Errorf("%s: %d requests, want %d", tc.name, got.Requests, tc.requests)
		}
		if len(got.Responses) != len(tc.responses) {
			t.Errorf("%s: responses %v, want %v", tc.name, got.Responses, tc.responses)
		}
		for k, v := range tc.responses {
			if got.Responses[k] != v {
				t.Errorf("%s: responses %v, want %v", tc.name, got.Responses, tc.responses)
				break
			}
		}
		if got.Latency == nil || got.Latency.Count != tc.count {
			t.Errorf("%s: latency %+v, want a histogram of %d", tc.name, got.Latency, tc.count)
			continue
		}
		for _, q := range []struct{ q, want float64 }{{0.5, tc.p50}, {0.99, tc.p99}} {
			if q.want == 0 {
				continue
			}
			if v := got.Latency.Quantile(q.q); math.Abs(v-q.want) > 1e-9 {
				t.Errorf("%s: p%g = %gs, want %gs", tc.name, 100*q.q, v, q.want)
			}
		}
		if got.Proxy != tc.schema.Name || !strings.Contains(got.Source, tc.schema.Requests) {
			t.Errorf("%s: proxy %q, source %q", tc.name, got.Proxy, got.Source)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		noReq      bool // errors.Is ErrNoRequests
	}{
		{"nothing matches", "smp_proxy_requests_total{route=\"a\"} 1\n", true},
		{"empty", "", true},
		{"not the text format", "{\"requests\": 3}\n", false},
		// the parser of prometheus/common v0.66.1 panics on this (found by
		// FuzzParse; testdata/fuzz keeps the input)
		{"braces without a name", "{}", false},
		{"negative counter", "smp_proxy_requests_total{route=\"x\"} -1\n", false},
		{"buckets not cumulative", "smp_proxy_requests_total{route=\"x\"} 3\n# TYPE smp_proxy_request_duration_seconds histogram\n" +
			"smp_proxy_request_duration_seconds_bucket{route=\"x\",le=\"0.1\"} 3\nsmp_proxy_request_duration_seconds_bucket{route=\"x\",le=\"1\"} 2\n" +
			"smp_proxy_request_duration_seconds_bucket{route=\"x\",le=\"+Inf\"} 3\n", false},
	}
	for _, tc := range tests {
		_, err := Parse(strings.NewReader(tc.text), Reference(), map[string]string{"route": "x"})
		if err == nil || errors.Is(err, ErrNoRequests) != tc.noReq {
			t.Errorf("%s: %v; want an error (no requests: %v)", tc.name, err, tc.noReq)
		}
	}
}

func TestQuantileEdges(t *testing.T) {
	t.Parallel()
	h := &Histogram{Bounds: []float64{0.001, 0.01}, Counts: []uint64{5, 10}, Count: 12}
	tests := []struct{ q, want float64 }{
		{0, 0},         // the first bucket starts at zero
		{0.25, 0.0006}, // rank 3 of 5 in (0, 0.001]
		{0.95, 0.01},   // beyond the last bound: the last bound
		{-0.1, math.NaN()},
		{1.1, math.NaN()},
	}
	for _, tc := range tests {
		got := h.Quantile(tc.q)
		if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tc.want) > 1e-12) {
			t.Errorf("q=%g: %g, want %g", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN((&Histogram{}).Quantile(0.5)) || !math.IsNaN((*Histogram)(nil).Quantile(0.5)) {
		t.Error("empty histogram: want NaN")
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"envoy.txt", "linkerd.txt", "smp.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add("smp_proxy_requests_total 1\n# TYPE smp_proxy_request_duration_seconds histogram\nsmp_proxy_request_duration_seconds_bucket{le=\"NaN\"} 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range []Schema{EnvoyDownstream(), Linkerd(), Reference()} {
			st, err := Parse(strings.NewReader(text), s, nil)
			if err != nil || st.Latency == nil {
				continue
			}
			h := st.Latency
			if len(h.Bounds) != len(h.Counts) {
				t.Fatalf("%d bounds, %d counts", len(h.Bounds), len(h.Counts))
			}
			for i := range h.Counts {
				if (i > 0 && h.Counts[i] < h.Counts[i-1]) || h.Counts[i] > h.Count {
					t.Fatalf("histogram not cumulative: %+v", h)
				}
			}
			if v := h.Quantile(0.5); h.Count > 0 && len(h.Bounds) > 0 && !math.IsNaN(h.Bounds[0]) && (v < 0 && h.Bounds[0] >= 0) {
				t.Fatalf("p50 %g below zero for %+v", v, h)
			}
		}
	})
}

// A later reading minus an earlier one is what passed in between; a
// counter that went down is taken from zero.
func TestSub(t *testing.T) {
	before := Stats{Requests: 10, Responses: map[string]uint64{"2xx": 9, "5xx": 1},
		Latency: &Histogram{Bounds: []float64{0.001, 0.01}, Counts: []uint64{5, 9}, Count: 10, Sum: 0.05}}
	after := Stats{Requests: 110, Responses: map[string]uint64{"2xx": 108, "5xx": 2},
		Latency: &Histogram{Bounds: []float64{0.001, 0.01}, Counts: []uint64{85, 109}, Count: 110, Sum: 0.35}}
	d := after.Sub(before)
	if d.Requests != 100 || d.Responses["2xx"] != 99 || d.Responses["5xx"] != 1 {
		t.Errorf("delta %+v", d)
	}
	if h := d.Latency; h.Count != 100 || h.Counts[0] != 80 || h.Counts[1] != 100 || math.Abs(h.Sum-0.3) > 1e-9 {
		t.Errorf("latency delta %+v", h)
	}
	// 80 of 100 under 1 ms: the median is inside the first bucket.
	if q := d.Latency.Quantile(0.5); q <= 0 || q > 0.001 {
		t.Errorf("p50 %v", q)
	}
	restarted := Stats{Requests: 4}.Sub(before)
	if restarted.Requests != 4 {
		t.Errorf("after a restart: %d requests", restarted.Requests)
	}
}
