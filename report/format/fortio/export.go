package fortio

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/report"
)

// Export turns scenario name of r (may be empty when r has a single
// scenario) into a Fortio result, from its pooled summary.
//
// Durations mean what they mean in Fortio: a Fortio result's
// RequestedDuration is the load duration asked for (-t), and its
// ActualDuration the time the measured calls took; neither includes
// Fortio's warmup (one untimed call per connection before the clock
// starts). smp's measured time is each iteration's window, warmup
// excluded, so the export's ActualDuration is the sum of the pooled
// iterations' windows (which ActualQPS divides the requests by) and its
// RequestedDuration is the measured time asked for, load.duration minus
// load.warmup, times the number of pooled iterations.
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
		out.Labels = strings.TrimSpace(r.Test.Metadata.Name + " " + s.Name)
		out.NumThreads = r.Test.Load.Connections
		out.RequestedDuration = requestedDuration(r.Test.Load.Duration.D()-r.Test.Load.Warmup.D(), len(s.Iterations))
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
		out.Sizes = exportSizes(sum.Requests, sum.BytesReceived)
	}
	return out, nil
}

// requestedDuration is Fortio's RequestedDuration for iterations runs of
// measured time each, written as Fortio writes it (time.Duration's
// String); empty when there is none.
func requestedDuration(measured time.Duration, iterations int) string {
	if measured <= 0 || iterations <= 0 {
		return ""
	}
	return (measured * time.Duration(iterations)).String()
}

// exportSizes is Fortio's Sizes histogram from what smp keeps of sizes:
// the total bytes received. That is a mean size per request only, so the
// histogram says every response had the mean size: Min = Max = Avg, one
// bucket [Avg, Avg] holding every request, as Fortio writes it when all
// responses are the same size.
func exportSizes(requests, bytes int64) *Histogram {
	avg := float64(bytes) / float64(requests)
	return &Histogram{Count: requests, Min: avg, Max: avg, Sum: float64(bytes), Avg: avg,
		Data: []Bucket{{Start: avg, End: avg, Percent: 100, Count: requests}}}
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

// exportBounds are the bucket bounds of an exported histogram: 1, 2, 5
// steps per decade from 1 µs to 1 h, coarse like Fortio's own.
func exportBounds() []time.Duration {
	var out []time.Duration
	for d := time.Microsecond; d <= time.Hour; d *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			out = append(out, d*m)
		}
	}
	return out
}

// exportHistogram writes l as Fortio's histogram, in seconds, keeping
// Fortio's invariants: Min <= Avg <= Max; buckets in order covering
// exactly [Min, Max] (the first starts at Min, the last ends at Max, each
// starts where the one before ended); bucket counts adding up to Count
// with the cumulative Percent ending at 100; percentiles ascending within
// [Min, Max]. The counts per bucket come from the HDR histogram, the
// figures (Min, Max, Avg, StdDev, percentiles) from l: when the two
// disagree a little (an imported report keeps the source's exact
// figures), bucket bounds are clamped into [Min, Max].
func exportHistogram(l *report.Latency) (*Histogram, error) {
	if l.Count < 0 {
		return nil, fmt.Errorf("latency count: got %d, expected 0 or more", l.Count)
	}
	out := &Histogram{Count: l.Count}
	if l.Count == 0 {
		return out, nil // as Fortio writes an empty histogram: zeros, no buckets
	}
	out.Min, out.Max, out.Avg, out.StdDev = l.Min/1e3, l.Max/1e3, l.Mean/1e3, l.StdDev/1e3
	for name, v := range map[string]float64{"min": out.Min, "max": out.Max, "mean": out.Avg, "stddev": out.StdDev} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("latency %s: got %v s, expected a finite duration of 0 or more", name, v)
		}
	}
	if out.Min > out.Max || out.Avg < out.Min || out.Avg > out.Max {
		return nil, fmt.Errorf("latency: got min %v, mean %v, max %v ms, expected min <= mean <= max", l.Min, l.Mean, l.Max)
	}
	out.Sum = out.Avg * float64(l.Count)
	keys := make([]string, 0, len(l.Percentiles))
	for k := range l.Percentiles {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return pnum(keys[i]) < pnum(keys[j]) })
	prev := out.Min
	for _, k := range keys {
		v := math.Max(prev, math.Min(l.Percentiles[k]/1e3, out.Max))
		out.Percentiles = append(out.Percentiles, Percentile{Percentile: pnum(k), Value: v})
		prev = v
	}
	data, err := exportBuckets(l, out.Min, out.Max)
	if err != nil {
		return nil, err
	}
	out.Data = data
	return out, nil
}

// exportBuckets spreads l's count over buckets covering [lo, hi] seconds.
func exportBuckets(l *report.Latency, lo, hi float64) ([]Bucket, error) {
	whole := []Bucket{{Start: lo, End: hi, Percent: 100, Count: l.Count}}
	if l.HDR == "" {
		return whole, nil // no histogram: one bucket holds every value
	}
	h, err := hist.Decode(l.HDR)
	if err != nil {
		return nil, err
	}
	if n := h.Count(); n != l.Count {
		return nil, fmt.Errorf("latency hdr: holds %d values, expected count %d", n, l.Count)
	}
	bounds := exportBounds()
	cum := h.CumulativeCounts(bounds)
	var out []Bucket
	var prev int64
	start := lo
	for i, b := range bounds {
		n := cum[i] - prev
		if n == 0 {
			continue
		}
		end := math.Max(start, math.Min(b.Seconds(), hi))
		out = append(out, Bucket{Start: start, End: end, Count: n, Percent: 100 * float64(cum[i]) / float64(l.Count)})
		prev, start = cum[i], end
	}
	if prev < l.Count { // values above the last bound
		out = append(out, Bucket{Start: start, End: hi, Count: l.Count - prev, Percent: 100})
	}
	if len(out) == 0 {
		return whole, nil
	}
	out[len(out)-1].End = hi // the last bucket ends at Max, as in Fortio
	out[len(out)-1].Percent = 100
	return out, nil
}

func pnum(key string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimPrefix(key, "p"), 64)
	return v
}
