package istiod

import (
	"bytes"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

func parseFile(t *testing.T, name string) Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestParseIdle reads a real scrape of an istiod with no proxy connected:
// no pilot_xds, no pushes, no convergence histogram yet.
func TestParseIdle(t *testing.T) {
	t.Parallel()
	s := parseFile(t, "idle.txt")
	if s.Version != "1.31-dev-eed52ebb66ad-Clean" {
		t.Errorf("version %q: want pilot_info's", s.Version)
	}
	if s.Services != 2 || s.ConnectedProxies != 0 || s.Pushes != nil || s.Convergence != nil {
		t.Errorf("got services %g, proxies %g, pushes %v, convergence %v; want 2, 0, none, none",
			s.Services, s.ConnectedProxies, s.Pushes, s.Convergence)
	}
	want := map[string]float64{"config": 14, "eds": 4, "svc": 2}
	if !maps.Equal(s.InboundUpdates, want) {
		t.Errorf("inbound updates %v: want %v", s.InboundUpdates, want)
	}
}

func TestParseLoaded(t *testing.T) {
	t.Parallel()
	s := parseFile(t, "after.txt")
	wantPushes := map[string]float64{"cds": 14, "cds_senderr": 1, "eds": 45, "lds": 12, "rds": 12}
	if !maps.Equal(s.Pushes, wantPushes) {
		t.Errorf("pushes %v: want %v", s.Pushes, wantPushes)
	}
	// pilot_xds has one series per proxy version: 4 + 2.
	if s.ConnectedProxies != 6 || s.Services != 3 {
		t.Errorf("connected %g, services %g: want 6 and 3", s.ConnectedProxies, s.Services)
	}
	c := s.Convergence
	if c == nil || c.Count != 130 || len(c.Bounds) != 8 || c.Bounds[0] != 0.1 || c.Counts[1] != 110 || !near(c.Sum, 31.25) {
		t.Errorf("convergence %+v: want 8 bounds from 0.1 s, 110 at most 0.5 s, 130 in all, sum 31.25", c)
	}
	// pilot_xds_push_time sums its cds and eds series: 20 + 40.
	if s.PushTime == nil || s.PushTime.Count != 60 || s.PushTime.Counts[0] != 50 {
		t.Errorf("push time %+v: want 60 in all, 50 at most 10 ms", s.PushTime)
	}
	if s.SendTime == nil || s.SendTime.Count != 90 {
		t.Errorf("send time %+v: want 90", s.SendTime)
	}
}

func TestDelta(t *testing.T) {
	t.Parallel()
	x := Delta(parseFile(t, "before.txt"), parseFile(t, "after.txt"))
	wantPushes := map[string]float64{"cds": 4, "cds_senderr": 1, "eds": 25, "lds": 2, "rds": 2}
	if !maps.Equal(x.Pushes, wantPushes) {
		t.Errorf("pushes %v: want %v", x.Pushes, wantPushes)
	}
	// The failed send is not a push: 4 + 25 + 2 + 2.
	if x.PushesTotal != 33 {
		t.Errorf("pushes total %g: want 33", x.PushesTotal)
	}
	wantTriggers := map[string]float64{"endpoint": 7, "config": 1, "service": 1}
	if !maps.Equal(x.Triggers, wantTriggers) {
		t.Errorf("triggers %v: want %v", x.Triggers, wantTriggers)
	}
	if x.ConnectedProxies != 6 || x.Services != 3 {
		t.Errorf("gauges: proxies %g, services %g: want after's 6 and 3", x.ConnectedProxies, x.Services)
	}
	// Convergence in the window: 40 at most 0.1 s, 40 in (0.1, 0.5],
	// 12 in (0.5, 1], 6 in (1, 3], 2 in (3, 5]; 100 in all.
	// p50: rank 50, 10 of 40 into (0.1, 0.5]: 0.1 + 0.4·10/40 = 0.2 s.
	// p90: rank 90, 10 of 12 into (0.5, 1]: 0.5 + 0.5·10/12 s.
	// p99: rank 99, 1 of 2 into (3, 5]: 4 s.
	c := x.ConvergenceMs
	if c == nil || c.Count != 100 || !near(c.P50, 200) || !near(c.P90, 916.667) || !near(c.P99, 4000) {
		t.Errorf("convergence %+v: want count 100, p50 200 ms, p90 916.667 ms, p99 4000 ms", c)
	}
	if c != nil && (len(c.Buckets) != 8 || c.Buckets[0] != (report.Bucket{LE: 100, Count: 40}) || c.Buckets[7].Count != 100) {
		t.Errorf("convergence buckets %v: want 8, in ms, of the window only", c.Buckets)
	}
	// Push time in the window: 20 eds at most 10 ms, 10 cds in (10, 100].
	// p50: rank 15 of 20 in [0, 10]: 7.5 ms; p90: rank 27, 7 of 10 into
	// (10, 100]: 73 ms.
	p := x.PushTimeMs
	if p == nil || p.Count != 30 || !near(p.P50, 7.5) || !near(p.P90, 73) {
		t.Errorf("push time %+v: want count 30, p50 7.5 ms, p90 73 ms", p)
	}
	for _, f := range []string{FamilyPushes, FamilyConvergence, FamilyConnected, Endpoint} {
		if !strings.Contains(x.Source, f) {
			t.Errorf("source %q does not name %s", x.Source, f)
		}
	}
}

// TestDeltaReset: istiod restarted inside the window, so its counters and
// histograms start again below the earlier reading: after is taken as is.
func TestDeltaReset(t *testing.T) {
	t.Parallel()
	before, after := parseFile(t, "after.txt"), parseFile(t, "before.txt")
	x := Delta(before, after)
	if x.Pushes["eds"] != 20 || x.Pushes["cds"] != 10 || x.PushesTotal != 50 {
		t.Errorf("pushes %v total %g: want after's counts (eds 20, cds 10, total 50)", x.Pushes, x.PushesTotal)
	}
	if c := x.ConvergenceMs; c == nil || c.Count != 30 {
		t.Errorf("convergence %+v: want after's 30 observations", c)
	}
	if x.Pushes["cds_senderr"] != 0 {
		t.Errorf("a type absent after the restart: got %g, want none", x.Pushes["cds_senderr"])
	}
}

// TestDeltaIdleWindow: nothing happened, so no convergence and no pushes
// (an empty map, not nil, for the report's "pushes" field).
func TestDeltaIdleWindow(t *testing.T) {
	t.Parallel()
	idle := parseFile(t, "idle.txt")
	x := Delta(idle, idle)
	if x.ConvergenceMs != nil || x.PushTimeMs != nil || x.Pushes == nil || len(x.Pushes) != 0 || x.PushesTotal != 0 {
		t.Errorf("got %+v: want no quantiles and no pushes", x)
	}
	// A window in which the first proxies connected: the histogram was
	// absent before, so every observation is in the window.
	loaded := parseFile(t, "before.txt")
	if x := Delta(idle, loaded); x.ConvergenceMs == nil || x.ConvergenceMs.Count != 30 || x.Pushes["eds"] != 20 {
		t.Errorf("from idle: got %+v: want 30 convergences and 20 eds pushes", x)
	}
}

func TestParseVersionFallback(t *testing.T) {
	t.Parallel()
	in := `# TYPE istio_build gauge
istio_build{component="proxy",tag="1.29.0"} 1
istio_build{component="pilot",tag="1.30.1"} 1
`
	s, err := Parse(strings.NewReader(in))
	if err != nil || s.Version != "1.30.1" {
		t.Errorf("got %q, %v: want the pilot component's tag", s.Version, err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		is             error
	}{
		{"not istiod", "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n", "no istiod metric family", ErrNotIstiod},
		{"empty", "", "no istiod metric family", ErrNotIstiod},
		{"malformed", "pilot_services{ 3\n", "istiod metrics", nil},
		{"negative gauge", "# TYPE pilot_xds gauge\npilot_xds{version=\"1\"} -1\n", `pilot_xds{version="1"}: value -1`, nil},
		{"NaN counter", "# TYPE pilot_xds_pushes counter\npilot_xds_pushes{type=\"cds\"} NaN\n", "expected a finite number", nil},
		{"buckets not cumulative", "# TYPE pilot_proxy_convergence_time histogram\n" +
			"pilot_proxy_convergence_time_bucket{le=\"0.1\"} 5\npilot_proxy_convergence_time_bucket{le=\"0.5\"} 3\n" +
			"pilot_proxy_convergence_time_bucket{le=\"+Inf\"} 5\npilot_proxy_convergence_time_sum 1\npilot_proxy_convergence_time_count 5\n",
			"expected cumulative counts", nil},
		{"braces first", "{}\n", "istiod metrics", nil},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v is not %v", tc.name, err, tc.is)
		}
	}
}

// FuzzParse: bad metrics text is an error, never a panic, and whatever
// parses gives a Delta with finite, ordered percentiles.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"idle.txt", "before.txt", "after.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, x := range []report.XDS{Delta(Snapshot{}, s), Delta(s, s), Delta(s, Snapshot{})} {
			for _, q := range []*report.Quantiles{x.ConvergenceMs, x.PushTimeMs} {
				if q == nil {
					continue
				}
				if math.IsNaN(q.P50) || q.P50 > q.P90 || q.P90 > q.P99 {
					t.Fatalf("quantiles %+v: want finite and ordered", q)
				}
			}
		}
	})
}
