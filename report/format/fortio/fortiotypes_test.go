package fortio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"fortio.org/fortio/fhttp"
	"fortio.org/fortio/stats"
)

// This file checks smp's Fortio output with Fortio's own Go types
// (fortio.org/fortio, a test dependency only): it must decode into
// fhttp.HTTPRunnerResults with no field Fortio does not know, and every
// histogram in it must hold the invariants of a histogram Fortio writes
// (stats.Histogram.Export).

// decodeFortio decodes data into Fortio's result type, refusing any
// field that type does not have.
func decodeFortio(t *testing.T, data []byte) *fhttp.HTTPRunnerResults {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r fhttp.HTTPRunnerResults
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decode into fortio's HTTPRunnerResults: %v", err)
	}
	return &r
}

// fortioHistograms are the histograms of a Fortio result, by field name.
func fortioHistograms(r *fhttp.HTTPRunnerResults) map[string]*stats.HistogramData {
	return map[string]*stats.HistogramData{
		"DurationHistogram": r.DurationHistogram, "ErrorsDurationHistogram": r.ErrorsDurationHistogram,
		"Sizes": r.Sizes, "HeaderSizes": r.HeaderSizes,
	}
}

// histogramProblems lists where h breaks what Fortio's own histograms
// hold: Min <= Avg <= Max; Sum = Avg × Count; non-empty buckets in order,
// the first starting at or below Min, each starting at or after the end
// of the one before, the last ending at or above Max; bucket counts
// adding up to Count; cumulative Percent rising to exactly 100;
// percentiles ascending within [Min, Max], each in the bucket where
// Fortio's own interpolation (HistogramData.CalcPercentile) puts it.
func histogramProblems(h *stats.HistogramData) []string {
	var p []string
	bad := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	if h.Count < 0 {
		bad("Count %d < 0", h.Count)
	}
	if h.Count == 0 {
		if len(h.Data) != 0 {
			bad("Count 0 but %d buckets", len(h.Data))
		}
		return p
	}
	if h.Min > h.Avg || h.Avg > h.Max {
		bad("not Min %v <= Avg %v <= Max %v", h.Min, h.Avg, h.Max)
	}
	if math.Abs(h.Sum-h.Avg*float64(h.Count)) > 1e-9*math.Abs(h.Sum) {
		bad("Sum %v is not Avg %v × Count %d", h.Sum, h.Avg, h.Count)
	}
	if h.StdDev < 0 || math.IsNaN(h.StdDev) {
		bad("StdDev %v", h.StdDev)
	}
	if len(h.Data) == 0 {
		return append(p, fmt.Sprintf("Count %d but no buckets", h.Count))
	}
	if first := h.Data[0]; first.Start > h.Min {
		bad("first bucket starts at %v, above Min %v", first.Start, h.Min)
	}
	if last := h.Data[len(h.Data)-1]; last.End < h.Max {
		bad("last bucket ends at %v, below Max %v", last.End, h.Max)
	} else if last.Percent != 100 {
		bad("last bucket's Percent %v, expected 100", last.Percent)
	}
	var n int64
	for i, b := range h.Data {
		if b.Count <= 0 || b.Start > b.End {
			bad("bucket %d: [%v, %v] count %d", i, b.Start, b.End, b.Count)
		}
		if i > 0 && (b.Start < h.Data[i-1].End || b.Percent < h.Data[i-1].Percent) {
			bad("bucket %d [%v, %v] %v%% after [%v, %v] %v%%", i, b.Start, b.End, b.Percent, h.Data[i-1].Start, h.Data[i-1].End, h.Data[i-1].Percent)
		}
		n += b.Count
		if want := 100 * float64(n) / float64(h.Count); math.Abs(b.Percent-want) > 1e-9 {
			bad("bucket %d: Percent %v, expected cumulative %v", i, b.Percent, want)
		}
	}
	if n != h.Count {
		bad("buckets hold %d, Count %d", n, h.Count)
	}
	for i, q := range h.Percentiles {
		if q.Value < h.Min || q.Value > h.Max {
			bad("p%v = %v outside [Min %v, Max %v]", q.Percentile, q.Value, h.Min, h.Max)
		}
		if i > 0 && (q.Percentile <= h.Percentiles[i-1].Percentile || q.Value < h.Percentiles[i-1].Value) {
			bad("p%v = %v after p%v = %v", q.Percentile, q.Value, h.Percentiles[i-1].Percentile, h.Percentiles[i-1].Value)
		}
		// Fortio's own reading of these buckets: the same bucket (either
		// one when Fortio's value is on the bound between two).
		theirs, same := h.CalcPercentile(q.Percentile), false
		for _, b := range h.Data {
			same = same || (theirs >= b.Start && theirs <= b.End && q.Value >= b.Start && q.Value <= b.End)
		}
		if !same {
			bad("p%v = %v, not in the bucket where Fortio puts it (%v)", q.Percentile, q.Value, theirs)
		}
	}
	return p
}

func checkHistograms(t *testing.T, r *fhttp.HTTPRunnerResults) {
	t.Helper()
	for name, h := range fortioHistograms(r) {
		if h == nil {
			continue
		}
		for _, p := range histogramProblems(h) {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// TestFortioReadsExport: every scenario of the fixture, and real Fortio
// results imported then exported again, decode into Fortio's types with
// no unknown field, and every histogram holds Fortio's invariants.
func TestFortioReadsExport(t *testing.T) {
	t.Parallel()
	f := fixture(t)
	type input struct {
		name string
		res  func(t *testing.T) *Result
	}
	var inputs []input
	for _, s := range f.Scenarios {
		inputs = append(inputs, input{"fixture " + s.Name, func(t *testing.T) *Result {
			res, err := Export(f, s.Name)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}})
	}
	for _, name := range []string{realResult, realNoDelay, "fortio-http.json"} {
		inputs = append(inputs, input{"re-exported " + name, func(t *testing.T) *Result {
			res, err := Export(importFile(t, name), "")
			if err != nil {
				t.Fatal(err)
			}
			return res
		}})
	}
	// One call of 1.0000005 ms: the rebuilt HDR histogram files it at or
	// below the 1 ms bound, while the exact Min is above it.
	edge := `{"RequestedDuration":"1s","ActualDuration":1000000000,"RetCodes":{"200":1},"Sizes":{"Count":1,"Min":10,"Max":10,"Sum":10,"Avg":10},` +
		`"DurationHistogram":{"Count":1,"Min":0.0010000005,"Max":0.0010000005,"Avg":0.0010000005,"Sum":0.0010000005,` +
		`"Data":[{"Start":0.0009999995,"End":0.0010000015,"Percent":100,"Count":1}]}}`
	inputs = append(inputs, input{"value just above a bound", func(t *testing.T) *Result {
		res, err := Decode([]byte(edge))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Import(res, ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := Export(r, "")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}})
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			res := in.res(t)
			var buf bytes.Buffer
			if err := Write(&buf, res); err != nil {
				t.Fatal(err)
			}
			r := decodeFortio(t, buf.Bytes())
			checkHistograms(t, r)
			// smp measures durations and sizes; no header sizes, no
			// separate histogram of the failed calls.
			if r.DurationHistogram == nil || r.DurationHistogram.Count == 0 || r.Sizes == nil || r.HeaderSizes != nil || r.ErrorsDurationHistogram != nil {
				t.Errorf("histograms present: %v", present(r))
			}
			var calls int64
			for _, n := range r.RetCodes {
				calls += n
			}
			if calls != r.DurationHistogram.Count || r.Sizes.Count != calls {
				t.Errorf("RetCodes hold %d calls, DurationHistogram %d, Sizes %d", calls, r.DurationHistogram.Count, r.Sizes.Count)
			}
			// Durations as Fortio types them: ActualDuration a
			// time.Duration, RequestedDuration time.Duration's String.
			if r.ActualDuration != time.Duration(res.ActualDuration) || r.ActualDuration <= 0 {
				t.Errorf("ActualDuration %v", r.ActualDuration)
			}
			if d, err := time.ParseDuration(r.RequestedDuration); err != nil || d.String() != r.RequestedDuration || d <= 0 {
				t.Errorf("RequestedDuration %q: %v", r.RequestedDuration, err)
			}
		})
	}
}

func present(r *fhttp.HTTPRunnerResults) []string {
	var out []string
	for name, h := range fortioHistograms(r) {
		if h != nil {
			out = append(out, name)
		}
	}
	return out
}

// TestFortioInvariantsCheck: the checker passes what Fortio itself wrote
// and catches the Sizes smp used to write.
func TestFortioInvariantsCheck(t *testing.T) {
	t.Parallel()
	for _, name := range []string{realResult, realNoDelay} {
		r := decodeFortio(t, read(t, name))
		checkHistograms(t, r)
		if len(present(r)) != 4 {
			t.Errorf("%s: histograms %v, expected all four", name, present(r))
		}
	}
	old := &stats.HistogramData{Count: 600, Sum: 685200, Avg: 1142} // Min 0, Max 0, no buckets
	if p := histogramProblems(old); len(p) < 2 {
		t.Errorf("old Sizes: problems %q, expected Avg above Max and no buckets", p)
	}
	shifted := &stats.HistogramData{Count: 2, Min: 1, Max: 3, Avg: 2, Sum: 4,
		Data: []stats.Bucket{{Interval: stats.Interval{Start: 1.5, End: 2}, Percent: 50, Count: 1}, {Interval: stats.Interval{Start: 2, End: 2.5}, Percent: 90, Count: 1}}}
	if p := histogramProblems(shifted); len(p) != 3 {
		t.Errorf("buckets not covering [Min, Max], cumulative Percent ending at 90: problems %q", p)
	}
}
