package loadgen

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load/record"
)

// newResult is an empty result of the tool's measured run: its window
// (start, start+window), the plan's rate and the tool's own cost from
// out (nil: not measured).
func newResult(g record.Generator, p *Plan, start time.Time, window time.Duration, out *Output) *record.Result {
	r := record.NewResult()
	r.Start, r.End = start, start.Add(window)
	r.RequestedRate = p.Rate
	r.Generator = &g
	if out != nil {
		r.Client.CPUTime = out.CPU
		if w := out.Wall.Seconds(); w > 0 {
			r.Client.CPUMcores = float64(out.CPU) / float64(time.Second) / w * 1000
		}
		r.Client.MaxRSSMB = out.MaxRSSMB
	}
	return r
}

// setLatency makes h the result's latency. A tool timing from the actual
// send gives both histograms the same values (it has no other); one
// timing from the intended send time gives only Latency, uncorrected left
// as uncorrected is set by the caller. Send lag is not measured by any
// tool here and stays empty.
func setLatency(r *record.Result, h *hist.Histogram) {
	r.Latency = h
	if r.Generator != nil && r.Generator.LatencyClock == record.ClockActual {
		u := hist.New()
		u.Merge(h)
		r.Uncorrected = u
	}
}

// Point is one entry of a percentile spectrum: Quantile (0 to 1) of the
// values are at or below Value.
type Point struct {
	Quantile float64
	Value    time.Duration
}

// maxSpreadPoints bounds the distinct values FromSpectrum spreads the
// count between two spectrum entries over.
const maxSpreadPoints = 200

// FromSpectrum rebuilds a histogram of count values from a percentile
// spectrum (wrk2's detailed spectrum, Nighthawk's percentiles, wrk's
// four percentiles): the values between two consecutive points are
// spread evenly between their two latencies. The result is a
// reconstruction: its quantiles at the spectrum's points match the
// spectrum (to the histogram's precision), between them they are
// interpolated. Points must have quantiles in [0, 1] and values that do
// not decrease as the quantile grows.
func FromSpectrum(points []Point, count int64) (*hist.Histogram, error) {
	h := hist.New()
	if count == 0 {
		return h, nil
	}
	if count < 0 {
		return nil, fmt.Errorf("spectrum: count %d: expected 0 or more", count)
	}
	if len(points) == 0 {
		return nil, fmt.Errorf("spectrum: no percentiles for %d values", count)
	}
	ps := append([]Point(nil), points...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Quantile < ps[j].Quantile })
	for i, p := range ps {
		if math.IsNaN(p.Quantile) || p.Quantile < 0 || p.Quantile > 1 {
			return nil, fmt.Errorf("spectrum: quantile %v: expected 0 to 1", p.Quantile)
		}
		if p.Value < 0 {
			return nil, fmt.Errorf("spectrum: value %v at quantile %v: expected 0 or more", p.Value, p.Quantile)
		}
		if i > 0 && p.Value < ps[i-1].Value {
			return nil, fmt.Errorf("spectrum: value %v at quantile %v is below %v at quantile %v: expected values that grow with the quantile",
				p.Value, p.Quantile, ps[i-1].Value, ps[i-1].Quantile)
		}
	}
	// The values up to the first point's quantile sit at its value (the
	// spectrum says nothing below it); the top point closes the spectrum
	// at quantile 1.
	if last := ps[len(ps)-1]; last.Quantile < 1 {
		ps = append(ps, Point{Quantile: 1, Value: last.Value})
	}
	placed := int64(0)
	prev := Point{Quantile: 0, Value: ps[0].Value}
	for _, p := range ps {
		upto := int64(math.Round(p.Quantile * float64(count)))
		n := upto - placed
		if n <= 0 {
			prev = p
			continue
		}
		spread(h, prev.Value, p.Value, n)
		placed, prev = upto, p
	}
	return h, nil
}

// spread records n values evenly over (lo, hi]: up to maxSpreadPoints
// distinct values, each with an equal share.
func spread(h *hist.Histogram, lo, hi time.Duration, n int64) {
	points := min(n, maxSpreadPoints)
	if hi == lo {
		points = 1
	}
	for i := int64(0); i < points; i++ {
		share := n / points
		if i < n%points {
			share++
		}
		v := lo + time.Duration(float64(hi-lo)*float64(i+1)/float64(points))
		h.RecordN(v, share)
	}
}

// warmup runs argv (the tool set to run for the plan's warmup) and throws
// its figures away: for tools whose output cannot be cut at the end of the
// warmup. A warmup that fails fails the run, with the tool's output.
func warmup(ctx context.Context, c Cmder, tool string, argv []string) error {
	out, err := c.Run(ctx, Cmd{Argv: argv})
	if err != nil {
		return fmt.Errorf("load generator %s: warmup: %w", tool, err)
	}
	if out.ExitCode != 0 {
		return &ToolError{Tool: tool, Command: argv, ExitCode: out.ExitCode, Why: "the warmup run failed", Tail: tail(out)}
	}
	return nil
}

// WarmupSeparate is record.Generator.Warmup for tools whose warmup is a
// run of its own before the measured one.
const WarmupSeparate = "a separate run of the tool for load.warmup before the measured run, its figures discarded; connections are opened again for the measured run"

// stopped reports whether a tool's run ended because ctx was cancelled
// with its output there: the tool was interrupted (SIGINT) and may have
// written what it measured until then.
func stopped(ctx context.Context, out *Output, err error) bool {
	return err != nil && ctx.Err() != nil && out != nil
}

// markPartial marks r as cut short by an interruption: its window ends
// now, if that is before the planned end.
func markPartial(r *record.Result) {
	r.Partial = true
	if now := time.Now(); now.Before(r.End) && now.After(r.Start) {
		r.End = now
	}
}
