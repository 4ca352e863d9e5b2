package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/hist"
)

// Merge pools reports of the same test run at different times (or on
// different machines) into one. Scenarios of the same name are pooled: their
// iterations are concatenated (re-indexed in order) and their summaries
// recomputed from the merged HDR histograms, so percentiles stay exact
// (lossless: every recorded value is kept). Scenarios found in only some
// reports are kept as they are. Comparisons are recomputed; SLO results are
// dropped (evaluate the SLOs again on the merged report).
//
// The merged report takes the tool, test and environment of the first
// report; it warns when the others differ in host or requested rate.
func Merge(reps ...*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("merge: no reports: expected at least one")
	}
	first := reps[0]
	out := &Report{
		SchemaVersion: SchemaVersion, Tool: first.Tool, Test: first.Test,
		Environment: first.Environment, StartTime: first.StartTime, EndTime: first.EndTime,
	}
	hosts := map[string]bool{}
	var order []string
	groups := map[string][]*Scenario{}
	for i, r := range reps {
		if r.SchemaVersion != SchemaVersion {
			return nil, fmt.Errorf("merge: report %d: schemaVersion %q: expected %q", i+1, r.SchemaVersion, SchemaVersion)
		}
		if r.StartTime.Before(out.StartTime) {
			out.StartTime = r.StartTime
		}
		if r.EndTime.After(out.EndTime) {
			out.EndTime = r.EndTime
		}
		out.Partial = out.Partial || r.Partial
		hosts[r.Environment.Hostname] = true
		out.Warnings = appendNew(out.Warnings, r.Warnings...)
		for j := range r.Scenarios {
			s := &r.Scenarios[j]
			if g := groups[s.Name]; len(g) > 0 && g[0].Mesh != s.Mesh {
				return nil, fmt.Errorf("merge: report %d: scenario %q: mesh %+v: expected %+v as in an earlier report", i+1, s.Name, s.Mesh, g[0].Mesh)
			}
			if _, ok := groups[s.Name]; !ok {
				order = append(order, s.Name)
			}
			groups[s.Name] = append(groups[s.Name], s)
		}
	}
	if len(hosts) > 1 {
		hs := make([]string, 0, len(hosts))
		for h := range hosts {
			hs = append(hs, h)
		}
		sort.Strings(hs)
		out.Warnings = appendNew(out.Warnings, "merged reports come from different hosts: "+strings.Join(hs, ", "))
	}
	for _, name := range order {
		for _, g := range groups[name][1:] {
			if r0 := groups[name][0].Summary.RequestedRate; g.Summary.RequestedRate != r0 {
				out.Warnings = appendNew(out.Warnings, fmt.Sprintf("scenario %s: requested rates differ (%g and %g req/s): its pooled figures mix them",
					name, r0, g.Summary.RequestedRate))
			}
		}
		s, err := mergeScenario(groups[name])
		if err != nil {
			return nil, err
		}
		out.Scenarios = append(out.Scenarios, s)
	}
	cs, err := Compare(out)
	if err != nil {
		return nil, err
	}
	out.Comparisons = cs
	return out, nil
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, l := range list {
			found = found || l == it
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}

// mergeScenario pools scenarios of one name.
func mergeScenario(ss []*Scenario) (Scenario, error) {
	out := Scenario{Name: ss[0].Name, Mesh: ss[0].Mesh}
	if len(ss) == 1 {
		return *ss[0], nil
	}
	for _, s := range ss {
		for _, it := range s.Iterations {
			it.Index = len(out.Iterations)
			out.Iterations = append(out.Iterations, it)
		}
	}
	sums := make([]*Summary, len(ss))
	windows := make([]float64, len(ss))
	for i, s := range ss {
		sums[i] = &s.Summary
		windows[i] = scenarioWindow(s)
	}
	sum, err := mergeSummaries(out.Name, sums, windows)
	if err != nil {
		return out, err
	}
	out.Summary = sum
	return out, nil
}

// scenarioWindow is the measured time, in seconds, a scenario's summary
// stands for: the sum of its iterations' windows, or, when those carry no
// times, its requests over its achieved rate.
func scenarioWindow(s *Scenario) float64 {
	var w float64
	for _, it := range s.Iterations {
		w += it.EndTime.Sub(it.StartTime).Seconds()
	}
	if w <= 0 && s.Summary.AchievedRate > 0 {
		w = float64(s.Summary.Requests) / s.Summary.AchievedRate
	}
	return w
}

// mergeSummaries pools summaries whose windows (seconds) are given: rates
// and CPU are averaged weighted by window, counts summed, histograms merged.
func mergeSummaries(name string, ss []*Summary, windows []float64) (Summary, error) {
	out := Summary{Counts: Counts{Tally: Tally{StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{}}}}
	var totalWindow, sent, cpu float64
	for i, s := range ss {
		out.Iterations += s.Iterations
		out.Add(&s.Tally) // Tally.Add, promoted through Counts
		w := windows[i]
		totalWindow += w
		sent += s.AchievedRate * w
		cpu += s.Client.CPUMcores * w
		out.Client.MaxRSSMB = max(out.Client.MaxRSSMB, s.Client.MaxRSSMB)
		out.Client.IncludesTarget = out.Client.IncludesTarget || s.Client.IncludesTarget
		if i == 0 {
			out.Client.Driver = s.Client.Driver
		} else if out.Client.Driver != s.Client.Driver {
			out.Client.Driver = "mixed"
		}
		out.Client.Source = s.Client.Source
		out.Client.SendToleranceMs = max(out.Client.SendToleranceMs, s.Client.SendToleranceMs)
		out.Client.EarlySends += s.Client.EarlySends
		out.Client.BatchedSends += s.Client.BatchedSends
		out.RequestedRate = s.RequestedRate
	}
	if totalWindow > 0 {
		out.AchievedRate = round(sent/totalWindow, 3)
		out.Client.CPUMcores = round(cpu/totalWindow, 1)
	}
	if out.Requests > 0 {
		out.ErrorRate = float64(out.Errors) / float64(out.Requests)
	}
	var err error
	if out.Latency, err = mergeLatency(name, "latency", ss, func(s *Summary) *Latency { return &s.Latency }); err != nil {
		return out, err
	}
	if out.UncorrectedLatency, err = mergeLatency(name, "uncorrectedLatency", ss, func(s *Summary) *Latency { return &s.UncorrectedLatency }); err != nil {
		return out, err
	}
	if out.SendLag, err = mergeLatency(name, "sendLag", ss, func(s *Summary) *Latency { return &s.SendLag }); err != nil {
		return out, err
	}
	if out.ConnectTime, err = mergeOptionalLatency(name, "connectTime", ss, func(s *Summary) *Latency { return s.ConnectTime }); err != nil {
		return out, err
	}
	if out.TLSHandshake, err = mergeOptionalLatency(name, "tlsHandshake", ss, func(s *Summary) *Latency { return s.TLSHandshake }); err != nil {
		return out, err
	}
	if out.FirstByte, err = mergeOptionalLatency(name, "firstByte", ss, func(s *Summary) *Latency { return s.FirstByte }); err != nil {
		return out, err
	}
	out.Resources = mergeResources(ss, windows, out.AchievedRate)
	out.Startup = mergeStartup(ss)
	out.ControlPlane = mergeControlPlane(ss, windows)
	return out, nil
}

// mergeLatency pools one latency object of every summary: it decodes each
// HDR histogram, merges them and summarizes the result with the union of
// the percentiles and the buckets of the first.
func mergeLatency(name, field string, ss []*Summary, pick func(*Summary) *Latency) (Latency, error) {
	h := hist.New()
	var o Options
	seen := map[float64]bool{}
	for i, s := range ss {
		l := pick(s)
		if l.Count == 0 && l.HDR == "" {
			continue
		}
		part, err := hist.Decode(l.HDR)
		if err != nil {
			return Latency{}, fmt.Errorf("merge: scenario %q, report %d: summary.%s.hdr: %w", name, i+1, field, err)
		}
		h.Merge(part)
		for k := range l.Percentiles {
			if p, err := strconv.ParseFloat(strings.TrimPrefix(k, "p"), 64); err == nil && !seen[p] {
				seen[p] = true
				o.Percentiles = append(o.Percentiles, p)
			}
		}
		if o.Buckets == nil && len(l.Buckets) > 0 {
			for _, b := range l.Buckets {
				o.Buckets = append(o.Buckets, time.Duration(b.LE*1e6))
			}
		}
	}
	return NewLatency(h, o)
}

// mergeOptionalLatency is mergeLatency for a latency object that is nil
// when not measured: nil unless some summary has it.
func mergeOptionalLatency(name, field string, ss []*Summary, pick func(*Summary) *Latency) (*Latency, error) {
	var some []*Summary
	for _, s := range ss {
		if pick(s) != nil {
			some = append(some, s)
		}
	}
	if len(some) == 0 {
		return nil, nil
	}
	l, err := mergeLatency(name, field, some, pick)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// mergeResources averages the per-role usage weighted by window time.
func mergeResources(ss []*Summary, windows []float64, rate float64) *Resources {
	roles := [3]func(*Resources) **RoleUsage{
		func(r *Resources) **RoleUsage { return &r.Proxy },
		func(r *Resources) **RoleUsage { return &r.App },
		func(r *Resources) **RoleUsage { return &r.Client },
	}
	var out *Resources
	for _, role := range roles {
		var acc RoleUsage
		var w float64
		for i, s := range ss {
			if s.Resources == nil || *role(s.Resources) == nil {
				continue
			}
			u := *role(s.Resources)
			sw := windows[i]
			acc.Count = max(acc.Count, u.Count)
			acc.CPUMcores += u.CPUMcores * sw
			acc.CPUMcoresTotal += u.CPUMcoresTotal * sw
			acc.MemMB += u.MemMB * sw
			acc.MemMBMax = max(acc.MemMBMax, u.MemMBMax)
			acc.Source = u.Source
			w += sw
		}
		if w == 0 {
			continue
		}
		acc.CPUMcores, acc.CPUMcoresTotal, acc.MemMB = round(acc.CPUMcores/w, 1), round(acc.CPUMcoresTotal/w, 1), round(acc.MemMB/w, 1)
		if rate > 0 {
			acc.CPUMcoresPer1kRps = round(acc.CPUMcores/(rate/1000), 1)
		}
		if out == nil {
			out = &Resources{}
		}
		u := acc
		*role(out) = &u
	}
	return out
}

func mergeStartup(ss []*Summary) *Startup {
	var out *Startup
	for _, role := range [2]func(*Startup) **StartupStats{
		func(s *Startup) **StartupStats { return &s.Proxy },
		func(s *Startup) **StartupStats { return &s.App },
	} {
		var acc StartupStats
		var total float64
		for _, s := range ss {
			if s.Startup == nil || *role(s.Startup) == nil {
				continue
			}
			st := *role(s.Startup)
			acc.Count += st.Count
			total += st.MeanMs * float64(st.Count)
			acc.MaxMs = max(acc.MaxMs, st.MaxMs)
		}
		if acc.Count == 0 {
			continue
		}
		acc.MeanMs = round(total/float64(acc.Count), 3)
		if out == nil {
			out = &Startup{}
		}
		*role(out) = &acc
	}
	return out
}
