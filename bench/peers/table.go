package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

// median is the median of f over the runs that did not fail and for which
// has is true; ok is false when there are none.
func median(rs []result, has func(result) bool, f func(result) float64) (v float64, ok bool) {
	var vs []float64
	for _, r := range rs {
		if r.failed == "" && has(r) {
			vs = append(vs, f(r))
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	return vs[len(vs)/2], true
}

func always(result) bool       { return true }
func hasLatency(r result) bool { return r.hasLatency }
func hasServer(r result) bool  { return r.serverMeasured }

// cell formats the median of f over rs with format, or "n/a".
func cell(rs []result, has func(result) bool, f func(result) float64, format string) string {
	v, ok := median(rs, has, f)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}

// ratio formats base/v, or "-" when either is missing.
func ratio(base float64, baseOK bool, v float64, ok bool) string {
	if !baseOK || !ok || v <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", base/v)
}

// printTables writes the markdown tables: the closed-loop one for every
// generator, the open-loop one for those with an open loop, and notes on
// what is not comparable and on failed runs and errors.
func printTables(w io.Writer, o options, gens []generator, closed, open map[string][]result) {
	cpuModel := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(data); m != nil {
			cpuModel = string(m[1])
		}
	}
	rps := func(r result) float64 { return r.rps }
	cpr := func(r result) float64 { return r.cpuPerReq() }
	p50 := func(r result) float64 { return r.p50 }
	p99 := func(r result) float64 { return r.p99 }
	busy := func(r result) float64 { return 100 * r.serverBusy }
	fmt.Fprintf(w, "Machine: %s, %d CPUs, %s; nginx on CPU %s, generators on CPU %s; %d connections, %v per run, median of %d runs.\n",
		cpuModel, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"), o.serverCPU, o.clientCPU, o.conns, o.duration, o.runs)
	if o.versions != "" {
		fmt.Fprintf(w, "Peers: %s.\n", o.versions)
	}

	fmt.Fprint(w, "\nClosed loop (as fast as possible):\n\n")
	fmt.Fprintln(w, "| generator | requests/s | ratio smp/peer | CPU µs per request | nginx busy % | latency p50 ms | latency p99 ms |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	base, baseOK := median(closed["smp"], always, rps)
	for _, g := range gens {
		rs := closed[g.name()]
		v, ok := median(rs, always, rps)
		r := "-"
		if g.name() != "smp" {
			r = ratio(base, baseOK, v, ok)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", g.name(), cell(rs, always, rps, "%.0f"), r,
			cell(rs, always, cpr, "%.2f"), cell(rs, hasServer, busy, "%.0f"), cell(rs, hasLatency, p50, "%.3f"), cell(rs, hasLatency, p99, "%.3f"))
	}

	fmt.Fprintf(w, "\nOpen loop at %d requests/s:\n\n", o.rate)
	fmt.Fprintln(w, "| generator | achieved/s | CPU µs per request | ratio smp/peer CPU | latency p50 ms | latency p99 ms | p99 from schedule ms | send lag p99 ms |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	base, baseOK = median(open["smp"], always, cpr)
	var notOpen []string
	for _, g := range gens {
		if ok, why := g.openLoop(); !ok {
			notOpen = append(notOpen, g.name()+", because "+why)
			continue
		}
		rs := open[g.name()]
		v, ok := median(rs, always, cpr)
		r, sched, lag := "-", "n/a", "n/a"
		if g.name() == "smp" || strings.HasPrefix(g.name(), "smp-") {
			sched = cell(rs, always, func(r result) float64 { return r.schedP99 }, "%.3f")
			lag = cell(rs, always, func(r result) float64 { return r.lagP99 }, "%.3f")
		}
		if g.name() != "smp" {
			r = ratio(base, baseOK, v, ok)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", g.name(), cell(rs, always, rps, "%.0f"),
			cell(rs, always, cpr, "%.2f"), r, cell(rs, hasLatency, p50, "%.3f"), cell(rs, hasLatency, p99, "%.3f"), sched, lag)
	}

	notes := []string{
		"Latency is as each tool reports it, timed from the actual send. smp's \"p99 from schedule\" is timed from the scheduled" +
			" send time (corrected for coordinated omission), which no peer reports. hey prints latency in 0.1 ms steps.",
		"nginx busy is the share of its one CPU nginx used during the run: near 100% in the closed loop, the server set the" +
			" rate and requests/s compares the server more than the generators; their CPU per request still compares them.",
		"vegeta's CPU is `vegeta attack` (which encodes every result to a file) plus `vegeta report` (which reads them back)," +
			" run one after the other so that the report takes no cycles from the attack.",
	}
	if len(notOpen) > 0 {
		notes = append(notes, "Not in the open-loop table: "+strings.Join(notOpen, "; ")+".")
	}
	for _, mode := range []struct {
		name string
		rs   map[string][]result
	}{{"closed-loop", closed}, {"open-loop", open}} {
		for _, g := range gens {
			rs := mode.rs[g.name()]
			failed, withErrors, most := 0, 0, 0.0
			for _, r := range rs {
				switch {
				case r.failed != "":
					failed++
				case r.errors > 0:
					withErrors++
					most = max(most, r.errors)
				}
			}
			if failed > 0 {
				notes = append(notes, fmt.Sprintf("%s: %d of %d %s runs failed (the errors are on stderr); its medians are over the rest.",
					g.name(), failed, len(rs), mode.name))
			}
			if withErrors > 0 {
				notes = append(notes, fmt.Sprintf("%s: in %d of %d %s runs requests failed or got a non-2xx status (at most %.0f in one run).",
					g.name(), withErrors, len(rs), mode.name, most))
			}
		}
	}
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, "- "+n)
	}
}
