package fortio

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
)

// realResult is testdata/fortio-1.66.5-echo.json: what fortio 1.66.5
// wrote for
//
//	fortio server -http-port 127.0.0.1:18089 (gRPC, redirect, TCP, UDP disabled)
//	fortio load -json out.json -qps 200 -t 3s -c 4 -labels "smp import fixture" "http://127.0.0.1:18089/echo?delay=1ms"
//
// and realNoDelay what it wrote against the same server for
//
//	fortio load -json out.json -qps 200 -t 2s -c 2 -labels "smp import fixture nodelay" "http://127.0.0.1:18089/echo"
//
// where nearly every value falls in Fortio's first bucket [Min, 1 ms]:
// spread evenly over it, the rebuilt histogram's mean is about twice
// Fortio's.
const (
	realResult  = "fortio-1.66.5-echo.json"
	realNoDelay = "fortio-1.66.5-echo-nodelay.json"
)

// rawFortio reads a Fortio result as plain JSON, not through Result, so
// that what the tests expect does not come from the code under test.
func rawFortio(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(read(t, name), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func importFile(t *testing.T, name string) *report.Report {
	t.Helper()
	res, err := Decode(read(t, name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(res, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImportRealFortio: a result fortio itself wrote keeps Fortio's exact
// min, mean, max and stddev (the rebuilt histogram's were 33 % to 300 %
// off the mean), and its URL, connections and requested duration.
func TestImportRealFortio(t *testing.T) {
	t.Parallel()
	for _, name := range []string{realResult, realNoDelay} {
		t.Run(name, func(t *testing.T) { checkRealImport(t, name) })
	}
}

func checkRealImport(t *testing.T, name string) {
	raw := rawFortio(t, name)
	dh := raw["DurationHistogram"].(map[string]any)
	r := importFile(t, name)
	s := r.Scenarios[0]
	for _, l := range []report.Latency{s.Summary.Latency, s.Iterations[0].Latency} {
		for _, f := range []struct {
			name string
			got  float64
			key  string
		}{{"min", l.Min, "Min"}, {"mean", l.Mean, "Avg"}, {"max", l.Max, "Max"}, {"stddev", l.StdDev, "StdDev"}} {
			if want := dh[f.key].(float64) * 1e3; f.got != want {
				t.Errorf("%s = %v ms, Fortio's %s is %v ms", f.name, f.got, f.key, want)
			}
		}
		if l.Count != int64(dh["Count"].(float64)) || l.Count < 400 {
			t.Errorf("count %d, Fortio's %v", l.Count, dh["Count"])
		}
		// Percentiles still come from the rebuilt histogram: within 3 %
		// of Fortio's own (same interpolation, HDR precision), or within
		// one value's share of its bucket where a bucket holds few values
		// (the rebuild puts them at points, Fortio interpolates between).
		for _, p := range dh["Percentiles"].([]any) {
			pm := p.(map[string]any)
			key := report.PercentileKey(pm["Percentile"].(float64))
			want := pm["Value"].(float64) * 1e3
			tol := 0.03 * want
			for _, b := range dh["Data"].([]any) {
				bm := b.(map[string]any)
				if start, end := bm["Start"].(float64)*1e3, bm["End"].(float64)*1e3; want >= start && want <= end {
					tol = max(tol, (end-start)/bm["Count"].(float64))
				}
			}
			if got := l.Percentiles[key]; math.Abs(got-want) > tol {
				t.Errorf("%s = %v ms, Fortio's %v ms (tolerance %v)", key, got, want, tol)
			}
		}
		for k, v := range l.Percentiles {
			if v < l.Min || v > l.Max {
				t.Errorf("%s = %v ms, outside [%v, %v]", k, v, l.Min, l.Max)
			}
		}
	}
	if r.Test == nil {
		t.Fatal("no test")
	}
	want, err := time.ParseDuration(raw["RequestedDuration"].(string))
	if err != nil || want <= 0 {
		t.Fatalf("RequestedDuration %v: %v", raw["RequestedDuration"], err)
	}
	rate, _ := strconv.ParseFloat(raw["RequestedQPS"].(string), 64)
	if tl := r.Test.Load; r.Test.Workload.URL != raw["URL"] || tl.Connections != int(raw["NumThreads"].(float64)) || tl.Connections < 2 ||
		tl.Duration.D() != want || tl.Warmup != 0 || tl.Rate != rate || rate != 200 || tl.Generator != "fortio" {
		t.Errorf("test: url %q load %+v; Fortio: URL %v NumThreads %v RequestedDuration %v", r.Test.Workload.URL, tl,
			raw["URL"], raw["NumThreads"], raw["RequestedDuration"])
	}
	if !strings.HasPrefix(r.Test.Workload.URL, "http://127.0.0.1:18089/echo") {
		t.Errorf("url %q", r.Test.Workload.URL)
	}
	// The window is ActualDuration: the measured calls, warmup excluded.
	if w := s.Iterations[0].EndTime.Sub(s.Iterations[0].StartTime); w != time.Duration(raw["ActualDuration"].(float64)) {
		t.Errorf("window %v, Fortio's ActualDuration %v ns", w, raw["ActualDuration"])
	}
	ok := int64(raw["RetCodes"].(map[string]any)["200"].(float64))
	sizes := int64(raw["Sizes"].(map[string]any)["Sum"].(float64))
	if c := s.Summary.Counts; c.Requests != ok || c.Requests != s.Summary.Latency.Count || c.StatusCodes["200"] != ok || c.BytesReceived != sizes || sizes == 0 {
		t.Errorf("counts %+v; Fortio: %d OK, %d bytes", c, ok, sizes)
	}
}

// TestImportDurations: RequestedDuration is the measured time asked for
// and becomes load.duration with no warmup; a count of calls is no
// duration; a negative one is refused.
func TestImportDurations(t *testing.T) {
	t.Parallel()
	base := `{"DurationHistogram":{"Count":1,"Min":0.001,"Max":0.001,"Avg":0.001,"Data":[{"Start":0.001,"End":0.001,"Percent":100,"Count":1}]},` +
		`"RetCodes":{"200":1},"NumThreads":2,"ActualDuration":1500000000,"RequestedDuration":`
	for _, tc := range []struct {
		requested string
		want      time.Duration
		warning   string
	}{
		{`"1m30s"`, 90 * time.Second, ""},
		{`"exactly 100 calls"`, 0, "not a duration"},
		{`"until stop"`, 0, "not a duration"},
		{`""`, 0, ""},
	} {
		res, err := Decode([]byte(base + tc.requested + "}"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Import(res, ImportOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.requested, err)
		}
		it := r.Scenarios[0].Iterations[0]
		if r.Test.Load.Duration.D() != tc.want || r.Test.Load.Warmup != 0 || r.Test.Load.Connections != 2 ||
			it.EndTime.Sub(it.StartTime) != 1500*time.Millisecond {
			t.Errorf("%s: load %+v, window %v", tc.requested, r.Test.Load, it.EndTime.Sub(it.StartTime))
		}
		if got := strings.Join(r.Warnings, "; "); !strings.Contains(got, tc.warning) || (tc.warning == "" && strings.Contains(got, "not a duration")) {
			t.Errorf("%s: warnings %q, want %q", tc.requested, got, tc.warning)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{base + `"-3s"}`, "RequestedDuration"},
		{strings.Replace(base, `"ActualDuration":1500000000`, `"ActualDuration":-1`, 1) + `"3s"}`, "ActualDuration"},
		{strings.Replace(base, `"NumThreads":2`, `"NumThreads":-2`, 1) + `"3s"}`, "NumThreads"},
		{strings.Replace(base, `"Avg":0.001`, `"Avg":0.002`, 1) + `"3s"}`, "Min <= Avg <= Max"},
		{strings.Replace(base, `"Count":1,"Min"`, `"Count":2,"Min"`, 1) + `"3s"}`, "buckets' total"},
	} {
		res, err := Decode([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Import(res, ImportOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.in, err, tc.want)
		}
	}
}

// TestExportDurations: ActualDuration is the pooled iterations' measured
// windows, RequestedDuration the measured time asked for (duration minus
// warmup) times the iterations, and ActualQPS is requests over
// ActualDuration, as in Fortio.
func TestExportDurations(t *testing.T) {
	t.Parallel()
	f := fixture(t)
	res, err := Export(f, "istio")
	if err != nil {
		t.Fatal(err)
	}
	s := f.Scenarios[1]
	var window time.Duration
	for _, it := range s.Iterations {
		window += it.EndTime.Sub(it.StartTime)
	}
	measured := (f.Test.Load.Duration.D() - f.Test.Load.Warmup.D()) * time.Duration(len(s.Iterations))
	if res.ActualDuration != int64(window) || res.RequestedDuration != measured.String() || measured != 27*time.Second {
		t.Errorf("ActualDuration %v, RequestedDuration %q; want %v and %v", time.Duration(res.ActualDuration), res.RequestedDuration, window, measured)
	}
	if qps := float64(res.DurationHistogram.Count) / time.Duration(res.ActualDuration).Seconds(); math.Abs(qps-res.ActualQPS) > 0.001 {
		t.Errorf("ActualQPS %v, requests over ActualDuration %v", res.ActualQPS, qps)
	}
	// Back in: the requested duration becomes load.duration, no warmup.
	raw, _ := json.Marshal(res)
	back, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(back, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Test.Load.Duration.D() != measured || r.Test.Load.Warmup != 0 || r.Test.Load.Connections != f.Test.Load.Connections || r.Test.Workload.URL != f.Test.Workload.URL {
		t.Errorf("round trip: test %+v", r.Test)
	}
	if requestedDuration(0, 3) != "" || requestedDuration(time.Second, 0) != "" {
		t.Error("no measured time or no iterations: no RequestedDuration")
	}
}

// TestExportSizes: the Sizes histogram says every response had the mean
// size (smp keeps the total only), as Fortio writes uniform sizes: Min =
// Max = Avg and one bucket holding every request.
func TestExportSizes(t *testing.T) {
	t.Parallel()
	r := importFile(t, realResult)
	res, err := Export(r, "")
	if err != nil {
		t.Fatal(err)
	}
	raw := rawFortio(t, realResult)
	want, _ := json.Marshal(raw["Sizes"]) // Fortio's own: 600 responses of 75 bytes
	got, _ := json.Marshal(res.Sizes)
	var a, b map[string]any
	json.Unmarshal(want, &a)
	json.Unmarshal(got, &b)
	delete(a, "Percentiles")
	delete(b, "Percentiles")
	if ja, jb := mustJSON(a), mustJSON(b); ja != jb {
		t.Errorf("Sizes %s, Fortio wrote %s", jb, ja)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestExportHistogramEdges: a histogram without HDR is one bucket over
// [Min, Max]; an inconsistent one is refused; an empty one is Fortio's
// empty histogram.
func TestExportHistogramEdges(t *testing.T) {
	t.Parallel()
	h, err := exportHistogram(&report.Latency{Count: 5, Min: 1, Mean: 2, Max: 4, Percentiles: map[string]float64{"p50": 2, "p99": 9}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Data) != 1 || h.Data[0] != (Bucket{Start: 0.001, End: 0.004, Percent: 100, Count: 5}) || h.Percentiles[1].Value != 0.004 {
		t.Errorf("no HDR: %+v, percentiles %+v", h.Data, h.Percentiles)
	}
	if _, err := exportHistogram(&report.Latency{Count: 5, Min: 3, Mean: 2, Max: 4}); err == nil || !strings.Contains(err.Error(), "min <= mean <= max") {
		t.Errorf("mean below min: %v", err)
	}
	if h, err := exportHistogram(&report.Latency{}); err != nil || h.Count != 0 || h.Data != nil {
		t.Errorf("empty: %+v %v", h, err)
	}
}
