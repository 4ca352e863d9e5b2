// Package fortio converts between smp reports and Fortio's JSON result (the
// format fortio load -json writes, that Fortio's report UI and Meshery
// read, and that Nighthawk can emit): Export writes one scenario as a Fortio
// result, Import reads a Fortio result into a one-scenario smp report.
//
// Fortio keeps latencies in seconds as a bucketed histogram (Data), not an
// HDR histogram, so Import rebuilds the HDR histogram by spreading each
// bucket's count evenly over the bucket, the same linear interpolation
// Fortio uses for its own percentiles: the imported percentiles match
// Fortio's to within a bucket's resolution, not exactly.
package fortio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/report"
)

// Result is the subset of Fortio's HTTPRunnerResults that smp reads and
// writes. Field names are Fortio's.
type Result struct {
	RunType           string           `json:"RunType,omitempty"`
	Labels            string           `json:"Labels"`
	StartTime         time.Time        `json:"StartTime"`
	RequestedQPS      string           `json:"RequestedQPS"`
	RequestedDuration string           `json:"RequestedDuration,omitempty"`
	ActualQPS         float64          `json:"ActualQPS"`
	ActualDuration    int64            `json:"ActualDuration"` // ns
	NumThreads        int              `json:"NumThreads"`
	Version           string           `json:"Version"`
	DurationHistogram *Histogram       `json:"DurationHistogram"`
	Exactly           int64            `json:"Exactly"`
	Jitter            bool             `json:"Jitter"`
	Uniform           bool             `json:"Uniform"`
	RunID             int64            `json:"RunID,omitempty"`
	RetCodes          map[string]int64 `json:"RetCodes"`
	Sizes             *Histogram       `json:"Sizes,omitempty"`
	URL               string           `json:"URL,omitempty"`
	SocketCount       int              `json:"SocketCount,omitempty"`
	AbortOn           int              `json:"AbortOn"`
}

// Histogram is Fortio's histogram: seconds for durations.
type Histogram struct {
	Count       int64        `json:"Count"`
	Min         float64      `json:"Min"`
	Max         float64      `json:"Max"`
	Sum         float64      `json:"Sum"`
	Avg         float64      `json:"Avg"`
	StdDev      float64      `json:"StdDev"`
	Data        []Bucket     `json:"Data"`
	Percentiles []Percentile `json:"Percentiles,omitempty"`
}

// Bucket is one histogram bucket: Count values in [Start, End); Percent
// is the cumulative percentage up to End.
type Bucket struct {
	Start   float64 `json:"Start"`
	End     float64 `json:"End"`
	Percent float64 `json:"Percent"`
	Count   int64   `json:"Count"`
}

// Percentile is one requested percentile and its value in seconds.
type Percentile struct {
	Percentile float64 `json:"Percentile"`
	Value      float64 `json:"Value"`
}

// ErrNotFortio is returned by Decode for JSON that is not a Fortio result.
var ErrNotFortio = errors.New("not a Fortio result")

// Detect reports whether data looks like a Fortio JSON result: an object
// with a DurationHistogram and either RetCodes or ActualQPS.
func Detect(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, dh := probe["DurationHistogram"]
	_, rc := probe["RetCodes"]
	_, qps := probe["ActualQPS"]
	return dh && (rc || qps)
}

// Decode parses a Fortio JSON result.
func Decode(data []byte) (*Result, error) {
	if !Detect(data) {
		return nil, fmt.Errorf("%w: expected an object with DurationHistogram and RetCodes or ActualQPS", ErrNotFortio)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("fortio result: %w", err)
	}
	if r.DurationHistogram == nil {
		return nil, fmt.Errorf("fortio result: DurationHistogram: got null, expected a histogram")
	}
	return &r, nil
}

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
func Import(r *Result, o ImportOptions) (*report.Report, error) {
	dh := r.DurationHistogram
	if dh == nil {
		return nil, fmt.Errorf("fortio result: DurationHistogram: got nothing, expected a histogram")
	}
	h, err := rebuild(dh)
	if err != nil {
		return nil, err
	}
	lat, err := report.NewLatency(h, report.Options{})
	if err != nil {
		return nil, err
	}
	window := time.Duration(r.ActualDuration)
	start := r.StartTime.UTC()
	c := report.Counts{Tally: report.Tally{StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{}}}
	for code, n := range r.RetCodes {
		if n < 0 {
			return nil, fmt.Errorf("fortio result: RetCodes[%q]: got %d, expected a count of 0 or more", code, n)
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
		c.Requests = dh.Count
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
	it := report.Iteration{Index: 0, StartTime: start, EndTime: start.Add(window), Counts: c, Latency: lat,
		Warnings: []string{"imported from Fortio: latency is the uncorrected (actual send) time; the histogram is rebuilt from Fortio's buckets"}}
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
		SchemaVersion: report.SchemaVersion, Tool: tool,
		Environment: report.Environment{Labels: map[string]string{"importedFrom": "fortio " + r.Version}},
		StartTime:   start, EndTime: start.Add(window),
		Warnings:  []string{"imported from a Fortio result: no resource figures, timeline or client cost"},
		Scenarios: []report.Scenario{{Name: name, Mesh: report.Mesh{Type: mesh}, Iterations: []report.Iteration{it}, Summary: sum}},
	}, nil
}

// rebuild spreads each Fortio bucket's count evenly over [Start, End]: up
// to maxImportPoints points per bucket, each carrying an equal share.
func rebuild(dh *Histogram) (*hist.Histogram, error) {
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

// Export turns scenario name of r (may be empty when r has a single
// scenario) into a Fortio result, from its pooled summary.
func Export(r *report.Report, name string) (*Result, error) {
	s, err := pick(r, name)
	if err != nil {
		return nil, err
	}
	sum := &s.Summary
	var window time.Duration
	for _, it := range s.Iterations {
		window += it.EndTime.Sub(it.StartTime)
	}
	out := &Result{
		RunType: "HTTP", Labels: s.Name, ActualQPS: sum.AchievedRate, ActualDuration: int64(window),
		Version: r.Tool.Name + " " + r.Tool.Version, RetCodes: map[string]int64{}, RequestedQPS: "max",
	}
	if r.Tool.Name == "" {
		out.Version = ""
	}
	if r.Test != nil {
		out.Labels = r.Test.Metadata.Name + " " + s.Name
		out.NumThreads = r.Test.Load.Connections
		out.RequestedDuration = time.Duration(r.Test.Load.Duration - r.Test.Load.Warmup).String()
		out.URL = r.Test.Workload.URL
	}
	if sum.RequestedRate > 0 {
		out.RequestedQPS = strconv.FormatFloat(sum.RequestedRate, 'f', -1, 64)
	}
	if len(s.Iterations) > 0 {
		out.StartTime = s.Iterations[0].StartTime
	} else {
		out.StartTime = r.StartTime
	}
	var coded int64
	for code, n := range sum.StatusCodes {
		out.RetCodes[code] = n
		coded += n
	}
	if rest := sum.Requests - coded; rest > 0 {
		out.RetCodes["-1"] = rest // Fortio's code for a request without a response
	}
	if out.DurationHistogram, err = exportHistogram(&sum.Latency); err != nil {
		return nil, fmt.Errorf("scenario %q: %w", s.Name, err)
	}
	if sum.Requests > 0 && sum.BytesReceived > 0 {
		out.Sizes = &Histogram{Count: sum.Requests, Sum: float64(sum.BytesReceived), Avg: float64(sum.BytesReceived) / float64(sum.Requests)}
	}
	return out, nil
}

func pick(r *report.Report, name string) (*report.Scenario, error) {
	var names []string
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name || (name == "" && len(r.Scenarios) == 1) {
			return &r.Scenarios[i], nil
		}
		names = append(names, strconv.Quote(r.Scenarios[i].Name))
	}
	if name == "" {
		return nil, fmt.Errorf("fortio export: the report has %d scenarios (%s): a Fortio result holds one; expected a scenario named", len(names), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("fortio export: scenario %q: no such scenario; expected one of %s", name, strings.Join(names, ", "))
}

// exportBounds are the bucket bounds of an exported histogram, in ms: 1,
// 2, 5 steps per decade from 1 µs to 1 h, coarse like Fortio's own.
func exportBounds() []time.Duration {
	var out []time.Duration
	for d := time.Microsecond; d <= time.Hour; d *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			out = append(out, d*m)
		}
	}
	return out
}

func exportHistogram(l *report.Latency) (*Histogram, error) {
	out := &Histogram{Count: l.Count, Min: l.Min / 1e3, Max: l.Max / 1e3, Avg: l.Mean / 1e3, StdDev: l.StdDev / 1e3,
		Sum: l.Mean / 1e3 * float64(l.Count), Data: []Bucket{}}
	keys := make([]string, 0, len(l.Percentiles))
	for k := range l.Percentiles {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return pnum(keys[i]) < pnum(keys[j]) })
	for _, k := range keys {
		out.Percentiles = append(out.Percentiles, Percentile{Percentile: pnum(k), Value: l.Percentiles[k] / 1e3})
	}
	if l.Count == 0 || l.HDR == "" {
		return out, nil
	}
	h, err := hist.Decode(l.HDR)
	if err != nil {
		return nil, err
	}
	bounds := exportBounds()
	cum := h.CumulativeCounts(bounds)
	var prev int64
	lo := out.Min
	for i, b := range bounds {
		n := cum[i] - prev
		if n == 0 {
			continue
		}
		end := math.Min(b.Seconds(), out.Max)
		out.Data = append(out.Data, Bucket{Start: lo, End: end, Count: n, Percent: 100 * float64(cum[i]) / float64(l.Count)})
		prev, lo = cum[i], end
	}
	if prev < l.Count { // values between the last bound and Max
		out.Data = append(out.Data, Bucket{Start: lo, End: out.Max, Count: l.Count - prev, Percent: 100})
	}
	return out, nil
}

func pnum(key string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimPrefix(key, "p"), 64)
	return v
}

// Write encodes a Fortio result as indented JSON.
func Write(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
