package fortio

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixture(t testing.TB) *report.Report {
	t.Helper()
	r, err := report.ReadFile(filepath.Join("..", "..", "testdata", "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestImport(t *testing.T) {
	t.Parallel()
	res, err := Decode(read(t, "fortio-http.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(res, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Scenarios[0]
	if s.Name != "istio-test" || s.Mesh.Type != "unknown" || r.Tool.Name != "fortio" || r.Tool.Version != "1.66.5" {
		t.Errorf("scenario %q mesh %q tool %+v", s.Name, s.Mesh.Type, r.Tool)
	}
	c := s.Summary.Counts
	if c.Requests != 1000 || c.Errors != 10 || c.ErrorRate != 0.01 || c.StatusCodes["503"] != 10 || c.ErrorKinds["http_5xx"] != 10 ||
		c.RequestedRate != 100 || c.AchievedRate != 99.98 || c.BytesReceived != 110000 {
		t.Errorf("counts %+v", c)
	}
	// Percentiles within 1% (plus HDR precision) of the ones Fortio printed.
	for key, want := range map[string]float64{"p50": 4.25, "p90": 7.0, "p99": 9.667} {
		if got := s.Summary.Latency.Percentiles[key]; math.Abs(got-want) > want*0.01+0.01 {
			t.Errorf("%s = %v ms, Fortio says %v", key, got, want)
		}
	}
	// Min, mean, max and stddev are Fortio's own, not the rebuilt histogram's.
	if l := s.Summary.Latency; l.Min != 0.00105*1e3 || l.Mean != 0.0042*1e3 || l.Max != 0.01075*1e3 || l.StdDev != 0.0017*1e3 {
		t.Errorf("min %v mean %v max %v stddev %v ms, Fortio says 1.05, 4.2, 10.75, 1.7", l.Min, l.Mean, l.Max, l.StdDev)
	}
	if s.Summary.Latency.Count != 1000 || s.Summary.Latency.HDR == "" || s.Iterations[0].EndTime.Sub(s.Iterations[0].StartTime).Seconds() != 10.002 {
		t.Errorf("latency count %d, window %v", s.Summary.Latency.Count, s.Iterations[0].EndTime.Sub(s.Iterations[0].StartTime))
	}
	// Names can be given.
	r, _ = Import(res, ImportOptions{Scenario: "istio", MeshType: "istio"})
	if r.Scenarios[0].Name != "istio" || r.Scenarios[0].Mesh.Type != "istio" {
		t.Errorf("options ignored: %+v", r.Scenarios[0].Mesh)
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"smp report", `{"schemaVersion":"smp.report/v1"}`, "not a Fortio result"},          // another format
		{"not json", `nope`, "not a Fortio result"},                                         // garbage
		{"null histogram", `{"DurationHistogram":null,"RetCodes":{}}`, "DurationHistogram"}, // present but empty
		{"bad type", `{"DurationHistogram":{"Count":"x"},"RetCodes":{}}`, "fortio result"},  // wrong field type
	}
	for _, tc := range tests {
		if _, err := Decode([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	res, _ := Decode([]byte(`{"DurationHistogram":{"Data":[{"Start":2,"End":1,"Count":1}]},"RetCodes":{}}`))
	if _, err := Import(res, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "Data[0]") {
		t.Errorf("inverted bucket: %v", err)
	}
}

func TestExportGolden(t *testing.T) {
	t.Parallel()
	res, err := Export(fixture(t), "istio")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, res); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "export-istio.golden.json")
	if *update {
		os.WriteFile(path, buf.Bytes(), 0o644)
	}
	if want := read(t, "export-istio.golden.json"); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs (-update to accept):\n%s", path, buf.String())
	}
	if res.RequestedQPS != "1000" || res.RetCodes["200"] != 29770 || res.DurationHistogram.Count != 29770 || res.NumThreads != 8 {
		t.Errorf("qps %q codes %v count %d threads %d", res.RequestedQPS, res.RetCodes, res.DurationHistogram.Count, res.NumThreads)
	}
	var n int64
	for _, b := range res.DurationHistogram.Data {
		n += b.Count
	}
	if n != res.DurationHistogram.Count || res.DurationHistogram.Data[len(res.DurationHistogram.Data)-1].Percent != 100 {
		t.Errorf("buckets hold %d of %d", n, res.DurationHistogram.Count)
	}
	// Several scenarios and none named: an error listing them.
	if _, err := Export(fixture(t), ""); err == nil || !strings.Contains(err.Error(), `"linkerd"`) {
		t.Errorf("ambiguous export: %v", err)
	}
}

// TestRoundTrip: export then import keeps counts exactly and percentiles
// within the exported buckets' resolution.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	f := fixture(t)
	res, err := Export(f, "linkerd")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res)
	back, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(back, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := r.Scenarios[0].Summary, f.Scenarios[2].Summary
	if got.Requests != want.Requests || got.Errors != want.Errors || got.Latency.Count != want.Latency.Count {
		t.Errorf("requests %d/%d errors %d/%d", got.Requests, want.Requests, got.Errors, want.Errors)
	}
	// Buckets are 1-2-5 per decade: a value can move within its bucket.
	if p, w := got.Latency.Percentiles["p50"], want.Latency.Percentiles["p50"]; p < 1 || p > 2 || w < 1 || w > 2 {
		t.Errorf("p50 %v, was %v: both in the 1-2 ms bucket", p, w)
	}
}

// FuzzDecodeImport: no input panics Decode or Import, or makes them hang.
func FuzzDecodeImport(f *testing.F) {
	for _, name := range []string{"fortio-http.json", "export-istio.golden.json", realResult, realNoDelay} {
		f.Add(read(f, name))
	}
	f.Add([]byte(`{"DurationHistogram":{"Data":[{"Start":0,"End":1,"Count":9000000000000000000}]},"RetCodes":{"-1":5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(data)
		if err != nil {
			return
		}
		if r, err := Import(res, ImportOptions{}); err == nil && len(r.Scenarios) != 1 {
			t.Fatalf("import gave %d scenarios", len(r.Scenarios))
		}
	})
}
