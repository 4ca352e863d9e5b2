package report

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load/record"
)

// Thresholds behind the report's warnings.
const (
	// ShortfallTolerance: an achieved rate below this fraction of the
	// requested one is flagged.
	ShortfallTolerance = 0.99
	// ClientCPUWarnMcores: above this the generator may be the bottleneck.
	ClientCPUWarnMcores = 800
	// SendLagWarn: a p99 send lag above this means corrected latencies carry
	// that much of the client's own lateness.
	SendLagWarn = time.Millisecond
)

// ClientSource names where client figures come from (getrusage on Linux
// and macOS; a result whose Client.NotMeasured is set says why not).
const ClientSource = "getrusage(RUSAGE_SELF) over the measurement window"

// clientSource is the source of r's client figures.
func clientSource(u record.ClientUsage) string {
	if u.NotMeasured != "" {
		return "not measured (" + u.NotMeasured + "): cpuMcores and maxRssMB read 0"
	}
	return ClientSource
}

// NewIteration turns one load result into an iteration of the report.
// includesTarget says the target ran in the generator's process.
func NewIteration(index int, r *record.Result, o Options, includesTarget bool) (Iteration, error) {
	it := Iteration{
		Index:     index,
		StartTime: r.Start.UTC(),
		EndTime:   r.End.UTC(),
		Counts:    counts(r.RequestedRate, r.AchievedRate(), &r.Counts),
		Partial:   r.Partial,
		Client: Client{
			CPUMcores:      round(r.Client.CPUMcores, 1),
			MaxRSSMB:       round(r.Client.MaxRSSMB, 1),
			Source:         clientSource(r.Client),
			IncludesTarget: includesTarget,
			Driver:         r.Driver,
			Generator:      generatorOf(r),

			SendToleranceMs: ms(r.SendTolerance),
			EarlySends:      r.Early,
			BatchedSends:    r.Batched,
		},
	}
	var err error
	if it.Latency, err = NewLatency(r.Latency, o); err != nil {
		return it, err
	}
	if it.UncorrectedLatency, err = NewLatency(r.Uncorrected, o); err != nil {
		return it, err
	}
	if it.SendLag, err = NewLatency(r.SendLag, o); err != nil {
		return it, err
	}
	if it.ConnectTime, err = optionalLatency(r.ConnectTime, o); err != nil {
		return it, err
	}
	if it.TLSHandshake, err = optionalLatency(r.TLSHandshake, o); err != nil {
		return it, err
	}
	if it.FirstByte, err = optionalLatency(r.FirstByte, o); err != nil {
		return it, err
	}
	it.Timeline = make([]TimelinePoint, len(r.Timeline))
	for i, iv := range r.Timeline {
		it.Timeline[i] = TimelinePoint{
			Second: iv.Start.Seconds(), Requests: iv.Requests, Errors: iv.Errors,
			P50: ms(iv.P50), P99: ms(iv.P99),
		}
	}
	for _, c := range r.Clients {
		it.Clients = append(it.Clients, ClientShare{
			Index: c.Index, Pod: c.Pod, RequestedRate: round(c.RequestedRate, 1), AchievedRate: round(c.AchievedRate, 1),
			Requests: c.Requests, Errors: c.Errors, SendLagP99Ms: ms(c.SendLagP99), StartLateMs: ms(c.StartLate),
		})
	}
	it.Warnings = warnings(&it.Counts, r.SendLag, it.Client, r.Client.NotMeasured, r.Partial)
	for _, c := range it.Clients {
		if c.StartLateMs > 0 {
			it.Warnings = append(it.Warnings, fmt.Sprintf("load client %d (%s) started %.0f ms after the shared start", c.Index, c.Pod, c.StartLateMs))
		}
	}
	return it, nil
}

// counts fills the counts of a run (or of pooled runs) from its tallies.
func counts(requested, achieved float64, r *record.Counts[int]) Counts {
	c := Counts{
		RequestedRate: round(requested, 3),
		AchievedRate:  round(achieved, 3),
		Tally: Tally{
			Requests: r.Requests, Sent: r.Sent, Errors: r.Errors, Late: r.Late, Dropped: r.Dropped,
			StatusCodes:   make(map[string]int64, len(r.StatusCodes)),
			ErrorKinds:    make(map[string]int64, len(r.ErrorKinds)),
			BytesReceived: r.BytesReceived,
		},
	}
	if r.Requests > 0 {
		c.ErrorRate = float64(r.Errors) / float64(r.Requests)
	}
	for k, v := range r.StatusCodes {
		c.StatusCodes[strconv.Itoa(k)] = v
	}
	maps.Copy(c.ErrorKinds, r.ErrorKinds)
	return c
}

// Summarize pools the results of a scenario's iterations.
func Summarize(results []*record.Result, o Options, includesTarget bool) (Summary, error) {
	pooled := record.NewResult()
	var window, cpu time.Duration
	var requested, rss float64
	var notMeasured string
	for _, r := range results {
		pooled.Add(r)
		window += r.End.Sub(r.Start)
		cpu += r.Client.CPUTime
		requested = r.RequestedRate
		rss = max(rss, r.Client.MaxRSSMB)
		notMeasured = cmp.Or(notMeasured, r.Client.NotMeasured)
	}
	var achieved, mcores float64
	if window > 0 {
		achieved = float64(pooled.Sent) / window.Seconds()
		mcores = 1000 * cpu.Seconds() / window.Seconds()
	}
	s := Summary{
		Iterations: len(results),
		Counts:     counts(requested, achieved, &pooled.Counts),
		Client: Client{
			CPUMcores: round(mcores, 1), MaxRSSMB: round(rss, 1),
			Source: clientSource(record.ClientUsage{NotMeasured: notMeasured}), IncludesTarget: includesTarget,
			Driver: driverOf(results),

			EarlySends: pooled.Early, BatchedSends: pooled.Batched,
		},
	}
	if len(results) > 0 {
		s.Client.Generator = generatorOf(results[0])
	}
	for _, r := range results {
		s.Client.SendToleranceMs = max(s.Client.SendToleranceMs, ms(r.SendTolerance))
	}
	var err error
	if s.Latency, err = NewLatency(pooled.Latency, o); err != nil {
		return s, err
	}
	if s.UncorrectedLatency, err = NewLatency(pooled.Uncorrected, o); err != nil {
		return s, err
	}
	if s.SendLag, err = NewLatency(pooled.SendLag, o); err != nil {
		return s, err
	}
	if s.ConnectTime, err = optionalLatency(pooled.ConnectTime, o); err != nil {
		return s, err
	}
	if s.TLSHandshake, err = optionalLatency(pooled.TLSHandshake, o); err != nil {
		return s, err
	}
	if s.FirstByte, err = optionalLatency(pooled.FirstByte, o); err != nil {
		return s, err
	}
	return s, nil
}

// optionalLatency summarizes a histogram that is nil when not measured.
func optionalLatency(h *hist.Histogram, o Options) (*Latency, error) {
	if h == nil {
		return nil, nil
	}
	l, err := NewLatency(h, o)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// warnings says what a reader must know before trusting an iteration.
func warnings(c *Counts, sendLag *hist.Histogram, cl Client, notMeasured string, partial bool) []string {
	var w []string
	if partial {
		w = append(w, "run interrupted: this iteration covers only part of its window")
	}
	if c.RequestedRate > 0 && c.AchievedRate < ShortfallTolerance*c.RequestedRate {
		w = append(w, fmt.Sprintf("achieved rate %.1f/s is %.1f%% below the requested %.1f/s",
			c.AchievedRate, 100*(1-c.AchievedRate/c.RequestedRate), c.RequestedRate))
	}
	if c.Dropped > 0 {
		w = append(w, fmt.Sprintf("%d sends dropped: the backlog of overdue sends exceeded its bound", c.Dropped))
	}
	if c.Late > 0 && c.Requests > 0 {
		w = append(w, fmt.Sprintf("%d sends (%.2f%%) were late: no connection was free when they were due; add connections if the target is not saturated",
			c.Late, 100*float64(c.Late)/float64(c.Requests)))
	}
	if p99 := sendLag.Quantile(99); p99 > SendLagWarn {
		w = append(w, fmt.Sprintf("client send lag p99 is %v: corrected latencies include up to that much of the client's own lateness", p99.Round(time.Microsecond)))
	}
	if notMeasured != "" {
		w = append(w, "load generator CPU and memory not measured ("+notMeasured+"): client cpuMcores and maxRssMB read 0")
	}
	if cl.CPUMcores > ClientCPUWarnMcores && !cl.IncludesTarget {
		w = append(w, fmt.Sprintf("load generator used %.0f mCores: it may be the bottleneck", cl.CPUMcores))
	}
	if c.Requests > 0 && c.Errors == c.Requests {
		w = append(w, "every request failed")
	}
	return w
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// builtinResolution is the finest difference smp's engine records: its
// timestamps are nanoseconds; the HDR histogram keeps 3 significant
// digits of each value.
const builtinResolution = time.Nanosecond

// generatorOf describes the generator that measured r: the external
// tool it names, or smp's own engine.
func generatorOf(r *record.Result) *Generator {
	g := r.Generator
	if g == nil {
		return &Generator{Name: "builtin", LatencyClock: record.ClockIntended,
			ResolutionMs: ms(builtinResolution), Histogram: record.HistNative}
	}
	return &Generator{Name: g.Name, Version: g.Version, LatencyClock: g.LatencyClock,
		ResolutionMs: ms(g.Resolution), Histogram: g.Histogram, Warmup: g.Warmup, Command: g.Command}
}

// driverOf is the driver of every result, or "mixed".
func driverOf(results []*record.Result) string {
	d := ""
	for i, r := range results {
		if i > 0 && r.Driver != d {
			return "mixed"
		}
		d = r.Driver
	}
	return d
}
