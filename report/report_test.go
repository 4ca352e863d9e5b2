package report

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// synthetic is a 10 s window at 100/s whose latencies are 1..1000 ms, with
// a status mix and send lags of 10 µs.
func synthetic() *load.Result {
	r := &load.Result{
		Start: t0, End: t0.Add(10 * time.Second), RequestedRate: 100,
		Counts: load.Counts{
			Requests: 1000, Sent: 1000, Errors: 10, Late: 0,
			StatusCodes:   map[int]int64{200: 990, 503: 10},
			ErrorKinds:    map[string]int64{load.KindHTTP5xx: 10},
			BytesReceived: 1000 * 1100,
		},
		Latency: hist.New(), Uncorrected: hist.New(), SendLag: hist.New(),
		Client: load.ClientUsage{CPUTime: time.Second, CPUMcores: 100, MaxRSSMB: 20},
	}
	for i := 1; i <= 1000; i++ {
		r.Latency.Record(time.Duration(i) * time.Millisecond)
		r.Uncorrected.Record(time.Duration(i) * time.Millisecond / 2)
		r.SendLag.Record(10 * time.Microsecond)
	}
	for s := range 10 {
		r.Timeline = append(r.Timeline, load.Interval{Start: time.Duration(s) * time.Second, Requests: 100, Errors: 1,
			P50: time.Duration(s+1) * time.Millisecond, P99: time.Duration(s+2) * time.Millisecond})
	}
	return r
}

func TestNewIterationNumbers(t *testing.T) {
	t.Parallel()
	it, err := NewIteration(0, synthetic(), Options{Percentiles: []float64{99.5, 50}, Buckets: []time.Duration{time.Millisecond, 100 * time.Millisecond, time.Hour}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if it.AchievedRate != 100 || it.ErrorRate != 0.01 || it.StatusCodes["503"] != 10 || it.ErrorKinds["http_5xx"] != 10 {
		t.Errorf("counts %+v", it.Counts)
	}
	l := it.Latency
	for key, want := range map[string]float64{"p50": 500, "p90": 900, "p99": 990, "p99.5": 995, "p99.9": 999} {
		if got := l.Percentiles[key]; got < want*0.999 || got > want*1.001 {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if len(l.Percentiles) != 8 {
		t.Errorf("percentiles %v: want the 7 standard plus p99.5 (50 is not repeated)", l.Percentiles)
	}
	if l.Unit != "ms" || l.Count != 1000 || l.Min < 0.999 || l.Min > 1.001 || l.Mean < 500 || l.Mean > 501 {
		t.Errorf("latency %+v", l)
	}
	want := []Bucket{{1, 1}, {100, 100}, {3.6e6, 1000}}
	for i := range want {
		if l.Buckets[i] != want[i] {
			t.Errorf("buckets %v, want %v", l.Buckets, want)
			break
		}
	}
	if got := it.UncorrectedLatency.Percentiles["p50"]; got < 249 || got > 251 {
		t.Errorf("uncorrected p50 %v, want 250", got)
	}
	if it.Timeline[3].Second != 3 || it.Timeline[3].P50 != 4 || it.Timeline[3].Requests != 100 {
		t.Errorf("timeline %+v", it.Timeline[3])
	}
	if it.Client.CPUMcores != 100 || it.Client.Source == "" || len(it.Warnings) != 0 {
		t.Errorf("client %+v warnings %v", it.Client, it.Warnings)
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*load.Result)
		want   string
	}{
		{"shortfall", func(r *load.Result) { r.Sent = 900 }, "10.0% below the requested"},
		{"dropped", func(r *load.Result) { r.Dropped = 5 }, "5 sends dropped"},
		{"late", func(r *load.Result) { r.Late = 50 }, "50 sends (5.00%) were late"},
		{"send lag", func(r *load.Result) {
			for range 20 { // 2% of sends 50 ms late
				r.SendLag.Record(50 * time.Millisecond)
			}
		}, "send lag p99 is 50"},
		{"client cpu", func(r *load.Result) { r.Client.CPUMcores = 950 }, "used 950 mCores"},
		{"all failed", func(r *load.Result) { r.Errors = r.Requests }, "every request failed"},
		{"partial", func(r *load.Result) { r.Partial = true }, "run interrupted"},
	}
	for _, tc := range tests {
		r := synthetic()
		tc.change(r)
		it, err := NewIteration(0, r, Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(it.Warnings, "\n"), tc.want) {
			t.Errorf("%s: warnings %q lack %q", tc.name, it.Warnings, tc.want)
		}
	}
	// The in-process target's CPU is not the client's fault.
	r := synthetic()
	r.Client.CPUMcores = 950
	if it, _ := NewIteration(0, r, Options{}, true); len(it.Warnings) != 0 {
		t.Errorf("includesTarget: warnings %v", it.Warnings)
	}
}

func TestSummarizePools(t *testing.T) {
	t.Parallel()
	a, b := synthetic(), synthetic()
	b.Start, b.End = t0.Add(time.Minute), t0.Add(time.Minute+20*time.Second) // a 20 s window
	b.Latency.Reset()
	for range 1000 {
		b.Latency.Record(2 * time.Second)
	}
	s, err := Summarize([]*load.Result{a, b}, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	// 2000 sends over 30 s of windows, not the mean of 100/s and 50/s.
	if s.Requests != 2000 || s.AchievedRate != 66.667 || s.Iterations != 2 {
		t.Errorf("requests %d achieved %v iterations %d", s.Requests, s.AchievedRate, s.Iterations)
	}
	// The pooled p50 sits in the pooled data (the top of a's 1..1000 ms),
	// not at the mean of the two p50s (1250 ms).
	if p50 := s.Latency.Percentiles["p50"]; p50 < 999 || p50 > 1001 {
		t.Errorf("pooled p50 %v, want 1000", p50)
	}
	if s.Client.CPUMcores != 66.7 || s.StatusCodes["200"] != 1980 {
		t.Errorf("client %+v statuses %v", s.Client, s.StatusCodes)
	}
}

func testReport(t *testing.T) *Report {
	t.Helper()
	it, err := NewIteration(0, synthetic(), Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize([]*load.Result{synthetic()}, Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	test := spec.Default()
	test.Metadata.Name = "golden"
	return &Report{
		SchemaVersion: SchemaVersion, Tool: Tool{Name: "smp", Version: "test"}, Test: test,
		Environment: Environment{Hostname: "host", CPUs: 2},
		StartTime:   t0, EndTime: t0.Add(11 * time.Second),
		Scenarios: []Scenario{{Name: "baseline", Mesh: Mesh{Type: "none"}, Iterations: []Iteration{it}, Summary: sum}},
	}
}

func TestWriteReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "r.json")
	r := testReport(t)
	if err := WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Scenarios[0].Summary.Latency.Percentiles["p99"] != r.Scenarios[0].Summary.Latency.Percentiles["p99"] {
		t.Error("round trip changed p99")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the report", len(entries))
	}
	// Key names are the contract.
	raw, _ := os.ReadFile(path)
	var generic map[string]any
	json.Unmarshal(raw, &generic)
	it := generic["scenarios"].([]any)[0].(map[string]any)["iterations"].([]any)[0].(map[string]any)
	for _, k := range []string{"index", "startTime", "endTime", "requestedRate", "achievedRate", "requests", "errors",
		"errorRate", "late", "dropped", "statusCodes", "errorKinds", "bytesReceived", "latency", "uncorrectedLatency",
		"sendLag", "timeline", "client"} {
		if _, ok := it[k]; !ok {
			t.Errorf("iteration lacks %q", k)
		}
	}
	// A file of another schema is refused.
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"schemaVersion":"smp.report/v9"}`), 0o644)
	if _, err := ReadFile(other); err == nil || !strings.Contains(err.Error(), "smp.report/v9") {
		t.Errorf("ReadFile of another schema: %v", err)
	}
}
