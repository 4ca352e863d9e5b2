package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/report/render"
)

// runResult is one run of one generator at one rate.
type runResult struct {
	cpu    time.Duration // the generator's user+system time
	e      evenness      // what the server saw
	failed string        // why the run failed; empty when it did not
}

// cpuPerReq is the generator's CPU per request the server received, µs.
func (r runResult) cpuPerReq() float64 {
	if r.e.Requests <= 0 {
		return math.NaN()
	}
	return float64(r.cpu.Nanoseconds()) / 1e3 / float64(r.e.Requests)
}

// serverPerReq is the server's CPU per request it received, µs.
func (r runResult) serverPerReq() float64 {
	if r.e.Requests <= 0 {
		return math.NaN()
	}
	return float64(r.e.ServerCPU) / 1e3 / float64(r.e.Requests)
}

// serverBusy is the share of the run the server spent on CPU, 0..1.
func (r runResult) serverBusy() float64 {
	if r.e.ServerWall <= 0 {
		return math.NaN()
	}
	return float64(r.e.ServerCPU) / float64(r.e.ServerWall)
}

// busyLimit is the server's CPU share above which its arrival times may
// include its own delay in getting to the requests.
const busyLimit = 0.8

// String is the progress line of one run.
func (r runResult) String() string {
	if r.failed != "" {
		return "FAILED: " + r.failed
	}
	s := fmt.Sprintf("achieved %8.0f/s  %6.2f µs CPU/req  CV %.3f  p99 %.0f  max %.0f  >2x %.4f  server %.2f µs/req (%.0f%% busy)",
		r.e.Rate, r.cpuPerReq(), r.e.CV, r.e.P99, r.e.Max, r.e.Above2x, r.serverPerReq(), 100*r.serverBusy())
	if r.e.Unrecorded > 0 {
		s += fmt.Sprintf("  (%d arrivals not timestamped: buffer full)", r.e.Unrecorded)
	}
	return s
}

// key is one point of the frontier: a curve at a rate.
type key struct {
	curve string
	rate  int
}

// results collects the runs of every point.
type results map[key][]runResult

func (rs results) add(curve string, rate int, r runResult) {
	k := key{curve, rate}
	rs[k] = append(rs[k], r)
}

// point is the medians of one point's successful runs, each figure on its
// own; n is how many runs succeeded.
type point struct {
	n                                   int
	failed                              []string
	achieved, cpu, cv, p99, max, above2 float64
	server, busy                        float64
}

func (rs results) point(curve string, rate int) point {
	runs := rs[key{curve, rate}]
	var p point
	var ok []runResult
	for _, r := range runs {
		if r.failed != "" {
			p.failed = append(p.failed, r.failed)
		} else {
			ok = append(ok, r)
		}
	}
	p.n = len(ok)
	med := func(f func(runResult) float64) float64 {
		vs := make([]float64, 0, len(ok))
		for _, r := range ok {
			vs = append(vs, f(r))
		}
		return median(vs)
	}
	p.achieved = med(func(r runResult) float64 { return r.e.Rate })
	p.cpu = med(runResult.cpuPerReq)
	p.cv = med(func(r runResult) float64 { return r.e.CV })
	p.p99 = med(func(r runResult) float64 { return r.e.P99 })
	p.max = med(func(r runResult) float64 { return r.e.Max })
	p.above2 = med(func(r runResult) float64 { return r.e.Above2x })
	p.server = med(runResult.serverPerReq)
	p.busy = med(runResult.serverBusy)
	return p
}

// median of vs (the mean of the middle two for an even count); NaN for
// none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cell formats v with digits decimals; "n/a" for NaN.
func cell(v float64, digits int) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// writeTable prints the medians as a markdown table, one row per
// generator, setting and rate, then a note per failed run and per point
// where the server was busy enough to blur what it measured.
func writeTable(w io.Writer, o options, gens []generator, rs results) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Arrivals at the server (%s, on CPU %s), counted per %v window after a %v warmup; generators on CPU %s, %d connections, %v runs, median of %d.\n\n",
		o.server, o.serverCPU, o.window, o.warmup, o.clientCPU, o.conns, o.duration, o.runs)
	b.WriteString("| generator | setting | rate | achieved/s | CPU µs per request | arrival CV | p99 window | max window | share > 2× mean | server CPU µs per request |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var notes []string
	for _, g := range gens {
		for _, rate := range o.rates {
			p := rs.point(curve(g), rate)
			setting := g.setting()
			if setting == "" {
				setting = "-"
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
				g.name(), setting, rate, cell(p.achieved, 0), cell(p.cpu, 2), cell(p.cv, 3),
				cell(p.p99, 0), cell(p.max, 0), cell(p.above2, 4), cell(p.server, 2))
			if p.busy > busyLimit {
				notes = append(notes, fmt.Sprintf("- %s at %d/s: the server was on CPU %.0f%% of the run (median): its arrival times may include its own delay in reading the requests",
					curve(g), rate, 100*p.busy))
			}
			for _, f := range p.failed {
				notes = append(notes, fmt.Sprintf("- %s at %d/s: a run failed: %s", curve(g), rate, f))
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSVG draws the frontier: CPU µs per request against arrival CV, one
// line per curve through its rates, each point labelled with its rate.
func writeSVG(w io.Writer, o options, gens []generator, rs results) error {
	c := render.Scatter{
		ID:     "frontier",
		Title:  fmt.Sprintf("Generator CPU per request against arrival evenness (%v windows, %d connections)", o.window, o.conns),
		XLabel: fmt.Sprintf("arrival CV (counts per %v window)", o.window),
		YLabel: "generator CPU µs per request",
	}
	for _, g := range gens {
		s := render.ScatterSeries{Name: curve(g)}
		for _, rate := range o.rates {
			p := rs.point(curve(g), rate)
			s.Points = append(s.Points, render.Point{X: p.cv, Y: p.cpu, Label: rateLabel(rate)})
		}
		c.Series = append(c.Series, s)
	}
	return c.SVG(w)
}

// rateLabel writes a rate briefly: 25000 as "25k".
func rateLabel(rate int) string {
	if rate >= 1000 && rate%1000 == 0 {
		return strconv.Itoa(rate/1000) + "k"
	}
	return strconv.Itoa(rate)
}
