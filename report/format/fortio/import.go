package fortio

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// maxImportPoints bounds how many distinct values Import spreads one
// bucket's count over.
const maxImportPoints = 1000

// ImportOptions name what a Fortio result does not say.
type ImportOptions struct {
	Scenario string // scenario name; default: the Labels, else the URL, else "fortio"
	MeshType string // default "unknown"
	Tool     report.Tool
}

// Import turns a Fortio result into a one-scenario, one-iteration report.
// The latency's min, mean, max and stddev are Fortio's own (its Min, Avg,
// Max, StdDev, in ms); its percentiles and buckets come from the histogram
// rebuilt from Fortio's buckets. The report's test says what the result
// does of the run: the URL, the connections (NumThreads), the requested
// rate and the requested duration.
func Import(r *Result, o ImportOptions) (*report.Report, error) {
	dh := r.DurationHistogram
	if dh == nil {
		return nil, fmt.Errorf("fortio result: DurationHistogram: got nothing, expected a histogram")
	}
	if r.ActualDuration < 0 {
		return nil, fmt.Errorf("fortio result: ActualDuration: got %d ns, expected 0 or more", r.ActualDuration)
	}
	h, err := Rebuild(dh)
	if err != nil {
		return nil, err
	}
	lat, err := report.NewLatency(h, report.Options{})
	if err != nil {
		return nil, err
	}
	itWarning := "imported from Fortio: latency is the uncorrected (actual send) time; min, mean, max and stddev are Fortio's, percentiles and buckets come from a histogram rebuilt from Fortio's buckets"
	kept, err := keepFigures(&lat, dh)
	if err != nil {
		return nil, err
	}
	if !kept && lat.Count > 0 {
		itWarning = "imported from Fortio: latency is the uncorrected (actual send) time; the result has no Min, Avg or Max: every figure comes from a histogram rebuilt from Fortio's buckets"
	}
	// ActualDuration is the measured time (Fortio's warmup is before
	// StartTime and not in it): the iteration's window.
	window := time.Duration(r.ActualDuration)
	start := r.StartTime.UTC()
	c, err := counts(r)
	if err != nil {
		return nil, err
	}
	test, warnings, err := importTest(r, c.RequestedRate)
	if err != nil {
		return nil, err
	}
	it := report.Iteration{Index: 0, StartTime: start, EndTime: start.Add(window), Counts: c, Latency: lat,
		Warnings: []string{itWarning}}
	sum := report.Summary{Iterations: 1, Counts: c, Latency: lat}
	name := o.Scenario
	if name == "" {
		name = strings.TrimSpace(r.Labels)
	}
	if name == "" {
		name = r.URL
	}
	if name == "" {
		name = "fortio"
	}
	mesh := o.MeshType
	if mesh == "" {
		mesh = "unknown"
	}
	tool := o.Tool
	if tool.Name == "" {
		tool = report.Tool{Name: "fortio", Version: r.Version}
	}
	return &report.Report{
		SchemaVersion: report.SchemaVersion, Tool: tool, Test: test,
		Environment: report.Environment{Labels: map[string]string{"importedFrom": "fortio " + r.Version}},
		StartTime:   start, EndTime: start.Add(window),
		Warnings:  append([]string{"imported from a Fortio result: no resource figures, timeline or client cost"}, warnings...),
		Scenarios: []report.Scenario{{Name: name, Mesh: report.Mesh{Type: mesh}, Iterations: []report.Iteration{it}, Summary: sum}},
	}, nil
}

// counts are the request tallies of r.
func counts(r *Result) (report.Counts, error) {
	c := report.Counts{Tally: report.Tally{StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{}}}
	for code, n := range r.RetCodes {
		if n < 0 {
			return c, fmt.Errorf("fortio result: RetCodes[%q]: got %d, expected a count of 0 or more", code, n)
		}
		c.Requests += n
		v, err := strconv.Atoi(code)
		switch {
		case err == nil && v >= 200 && v < 400:
			c.StatusCodes[code] += n
		case err == nil && v >= 400 && v < 500:
			c.StatusCodes[code] += n
			c.Errors += n
			c.ErrorKinds["http_4xx"] += n
		case err == nil && v >= 500 && v < 600:
			c.StatusCodes[code] += n
			c.Errors += n
			c.ErrorKinds["http_5xx"] += n
		default: // -1: a socket error; others: gRPC codes or unknown
			c.Errors += n
			c.ErrorKinds["other"] += n
		}
	}
	if c.Requests == 0 {
		c.Requests = r.DurationHistogram.Count
	}
	if c.Requests > 0 {
		c.ErrorRate = float64(c.Errors) / float64(c.Requests)
	}
	c.AchievedRate = round3(r.ActualQPS)
	if q, err := strconv.ParseFloat(r.RequestedQPS, 64); err == nil && q > 0 && !math.IsInf(q, 0) {
		c.RequestedRate = q
	}
	if r.Sizes != nil && r.Sizes.Sum > 0 && r.Sizes.Sum < math.MaxInt64 {
		c.BytesReceived = int64(r.Sizes.Sum)
	}
	return c, nil
}

// importTest is the test as far as r says: generator fortio, its URL,
// NumThreads as connections, the requested rate and RequestedDuration as
// the duration. Fortio's warmup is one call per connection, untimed and
// outside RequestedDuration, so the duration is all measured time:
// load.warmup is 0 and load.duration is RequestedDuration. A
// RequestedDuration that is not a duration ("exactly 100 calls", "until
// stop") leaves the duration 0, with a warning.
func importTest(r *Result, rate float64) (*spec.Test, []string, error) {
	if r.NumThreads < 0 {
		return nil, nil, fmt.Errorf("fortio result: NumThreads: got %d, expected 0 or more connections", r.NumThreads)
	}
	t := &spec.Test{
		Workload:   spec.Workload{URL: r.URL},
		Load:       spec.Load{Generator: "fortio", Connections: r.NumThreads, Rate: rate},
		Iterations: 1,
	}
	var warnings []string
	if r.RequestedDuration != "" {
		d, err := time.ParseDuration(r.RequestedDuration)
		switch {
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("Fortio's RequestedDuration %q is not a duration: the test's load.duration is left 0", r.RequestedDuration))
		case d < 0:
			return nil, nil, fmt.Errorf("fortio result: RequestedDuration: got %q, expected a duration of 0 or more", r.RequestedDuration)
		default:
			t.Load.Duration = spec.Duration(d)
		}
	}
	return t, warnings, nil
}

// keepFigures replaces lat's min, mean, max and stddev, which the rebuilt
// histogram only approximates, by dh's exact ones, in ms, and keeps the
// percentiles within [min, max]. It reports false, changing nothing, when
// dh has none: no values, or Min, Max and Avg all 0 (a result that leaves
// them out).
func keepFigures(lat *report.Latency, dh *Histogram) (bool, error) {
	if dh.Count < 0 {
		return false, fmt.Errorf("fortio result: DurationHistogram.Count: got %d, expected 0 or more", dh.Count)
	}
	if dh.Count != lat.Count {
		return false, fmt.Errorf("fortio result: DurationHistogram.Count: got %d, expected the buckets' total %d", dh.Count, lat.Count)
	}
	if dh.Count == 0 || (dh.Min == 0 && dh.Max == 0 && dh.Avg == 0) {
		return false, nil
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Min", dh.Min}, {"Avg", dh.Avg}, {"Max", dh.Max}, {"StdDev", dh.StdDev}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || f.v > 3600 {
			return false, fmt.Errorf("fortio result: DurationHistogram.%s: got %v s, expected 0 to 3600 s", f.name, f.v)
		}
	}
	// Fortio's Avg is Sum/Count: allow it a rounding error past Min or Max.
	slack := 1e-9 * dh.Max
	if dh.Min > dh.Max || dh.Avg < dh.Min-slack || dh.Avg > dh.Max+slack {
		return false, fmt.Errorf("fortio result: DurationHistogram: got Min %v, Avg %v, Max %v s, expected Min <= Avg <= Max", dh.Min, dh.Avg, dh.Max)
	}
	lat.Min, lat.Mean, lat.Max, lat.StdDev = dh.Min*1e3, dh.Avg*1e3, dh.Max*1e3, dh.StdDev*1e3
	for k, v := range lat.Percentiles {
		lat.Percentiles[k] = math.Max(lat.Min, math.Min(v, lat.Max))
	}
	return true, nil
}

// Rebuild makes an HDR histogram of Fortio's bucketed histogram dh (a
// DurationHistogram, in seconds): it spreads each bucket's count evenly
// over [Start, End], up to maxImportPoints points per bucket, each
// carrying an equal share. The counts are Fortio's own; the values within
// a bucket are as precise as the bucket is narrow (Fortio's -r at the low
// end). Buckets outside [0, 3600 s] or with negative counts are an error.
func Rebuild(dh *Histogram) (*hist.Histogram, error) {
	h := hdr.New(hist.Lowest, hist.Highest, hist.Digits)
	var total int64
	for i, b := range dh.Data {
		if b.Count < 0 || math.IsNaN(b.Start) || math.IsNaN(b.End) || b.Start < 0 || b.End < b.Start || b.End > 3600 {
			return nil, fmt.Errorf("fortio result: DurationHistogram.Data[%d]: got {Start %v End %v Count %d}, expected 0 <= Start <= End <= 3600 s and Count >= 0",
				i, b.Start, b.End, b.Count)
		}
		if total += b.Count; total > 1<<50 || total < 0 {
			return nil, fmt.Errorf("fortio result: DurationHistogram.Data[%d]: counts add up to more than 2^50", i)
		}
		points := min(b.Count, maxImportPoints)
		for p := int64(0); p < points; p++ {
			share := b.Count / points
			if p < b.Count%points {
				share++
			}
			v := int64((b.Start + (b.End-b.Start)*(float64(p)+0.5)/float64(points)) * 1e9)
			v = max(hist.Lowest, min(v, hist.Highest))
			_ = h.RecordValues(v, share) // cannot fail: v is within bounds
		}
	}
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("fortio result: rebuild histogram: %w", err)
	}
	return hist.Decode(string(enc))
}

func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*1000) / 1000
}
