package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/smp-dev/smp/hist"
)

// ControlPlane is what the mesh's control plane did and cost during an
// iteration.
type ControlPlane struct {
	Name      string `json:"name"` // e.g. "istiod"
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Version   string `json:"version,omitempty"`
	// CPU in thousandths of a core and resident memory in MiB over the
	// measurement window: averages and largest samples, as a Component's.
	CPUMcores    float64 `json:"cpuMcores"`
	CPUMcoresMax float64 `json:"cpuMcoresMax"`
	MemMB        float64 `json:"memMB"`
	MemMBMax     float64 `json:"memMBMax"`
	Samples      int     `json:"samples"`
	Source       string  `json:"source"`
	// Note says why figures are missing: the resource zeros then mean
	// "not measured".
	Note        string       `json:"note,omitempty"`
	XDS         *XDS         `json:"xds,omitempty"`
	Propagation *Propagation `json:"propagation,omitempty"`
}

// XDS is what the control plane pushed to its proxies over the window,
// read from its own metrics before the load and after it (after the
// propagation change, when there is one).
type XDS struct {
	// Pushes counts pushes by xDS type (cds, eds, lds, rds, …; Istio's
	// pilot_xds_pushes also counts failed sends as cds_senderr, …).
	Pushes map[string]float64 `json:"pushes"`
	// PushesTotal is the sum of Pushes without the failed sends (*_senderr).
	PushesTotal float64 `json:"pushesTotal"`
	// Triggers counts what started pushes, by reason (endpoint, config, …).
	Triggers map[string]float64 `json:"triggers,omitempty"`
	// ConvergenceMs is the time from a change entering the control plane to
	// a proxy holding all of its configuration, per proxy push, in ms; nil
	// when no push completed in the window.
	ConvergenceMs *Quantiles `json:"convergenceMs,omitempty"`
	// PushTimeMs is the control plane's time to build and send one push.
	PushTimeMs *Quantiles `json:"pushTimeMs,omitempty"`
	// ConnectedProxies and Services are gauges read at the window's end.
	ConnectedProxies float64 `json:"connectedProxies"`
	Services         float64 `json:"services,omitempty"`
	Source           string  `json:"source"` // which families, which endpoint
}

// Quantiles summarize a bucket histogram: the percentiles are estimated
// linearly inside a bucket, as PromQL's histogram_quantile does. Buckets
// carries the cumulative counts (le in ms) so that windows can be pooled
// without averaging percentiles.
type Quantiles struct {
	Count   float64  `json:"count"`
	P50     float64  `json:"p50"`
	P90     float64  `json:"p90"`
	P99     float64  `json:"p99"`
	Buckets []Bucket `json:"buckets,omitempty"`
}

// NewQuantiles summarizes cumulative buckets (LE in ms, ascending) holding
// count observations in all, those above the last bound included. It is
// nil when count is not positive.
func NewQuantiles(buckets []Bucket, count float64) *Quantiles {
	if !(count > 0) || len(buckets) == 0 {
		return nil
	}
	bounds := make([]float64, len(buckets))
	cum := make([]float64, len(buckets))
	for i, b := range buckets {
		bounds[i], cum[i] = b.LE, float64(b.Count)
	}
	q := func(p float64) float64 { return round(hist.BucketQuantile(bounds, cum, count, p), 3) }
	return &Quantiles{Count: count, P50: q(0.5), P90: q(0.9), P99: q(0.99), Buckets: slices.Clone(buckets)}
}

// Propagation is how long a configuration change smp made took to reach
// every client.
type Propagation struct {
	Change  string    `json:"change"`  // what smp changed, e.g. "created Service svc-2-probe"
	Clients int       `json:"clients"` // how many observed it
	Ms      []float64 `json:"ms"`      // per client, from the change to the client's first success
	P50Ms   float64   `json:"p50Ms"`
	MaxMs   float64   `json:"maxMs"`
	// Failed counts the clients that never observed it within the timeout.
	Failed int    `json:"failed,omitempty"`
	Source string `json:"source"`
}

// NewPropagation records a change that len(ms) clients observed after ms
// milliseconds each, and failed clients never did. P50Ms is the median
// (the mean of the middle two for an even count), MaxMs the largest.
func NewPropagation(change, source string, ms []float64, failed int) *Propagation {
	p := &Propagation{Change: change, Source: source, Clients: len(ms), Ms: slices.Clone(ms), Failed: max(failed, 0)}
	if p.Ms == nil {
		p.Ms = []float64{}
	}
	if len(ms) == 0 {
		return p
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	p.P50Ms, p.MaxMs = round(med, 3), round(s[n-1], 3)
	return p
}

// PoolControlPlane pools the iterations' control planes, each weighing the
// same (as PoolResources does); nil when no iteration has one.
func PoolControlPlane(its []Iteration) *ControlPlane {
	var cps []*ControlPlane
	var w []float64
	for _, it := range its {
		if it.ControlPlane != nil {
			cps = append(cps, it.ControlPlane)
			w = append(w, 1)
		}
	}
	return poolControlPlanes(cps, w)
}

// mergeControlPlane pools summaries' control planes weighted by window.
func mergeControlPlane(ss []*Summary, windows []float64) *ControlPlane {
	var cps []*ControlPlane
	var w []float64
	for i, s := range ss {
		if s.ControlPlane != nil {
			cps = append(cps, s.ControlPlane)
			w = append(w, max(windows[i], 0))
		}
	}
	return poolControlPlanes(cps, w)
}

// poolControlPlanes pools control planes in time order: CPU and memory
// averages weighted by weights, maxima the largest, samples summed; xDS
// counters summed and gauges from the last; propagation over every
// client. Identity comes from the first; other pods seen are noted.
func poolControlPlanes(cps []*ControlPlane, weights []float64) *ControlPlane {
	if len(cps) == 0 {
		return nil
	}
	first := cps[0]
	out := &ControlPlane{Name: first.Name, Namespace: first.Namespace, Pod: first.Pod, Version: first.Version}
	var pods, notes []string
	var xds []*XDS
	var props []*Propagation
	var measured []int
	var wsum float64
	for i, cp := range cps {
		if cp.Pod != "" && !slices.Contains(pods, cp.Pod) {
			pods = append(pods, cp.Pod)
		}
		out.Version = cmp.Or(out.Version, cp.Version)
		if cp.XDS != nil {
			xds = append(xds, cp.XDS)
		}
		if cp.Propagation != nil {
			props = append(props, cp.Propagation)
		}
		if cp.Note != "" && cp.Samples == 0 {
			notes = appendNew(notes, cp.Note)
			continue // not measured: left out rather than counted as zero
		}
		measured = append(measured, i)
		wsum += weights[i]
	}
	for _, i := range measured {
		cp, w := cps[i], weights[i]
		if wsum <= 0 {
			w = 1 // windows of no length: weigh alike
		}
		out.CPUMcores += cp.CPUMcores * w
		out.MemMB += cp.MemMB * w
		out.CPUMcoresMax = max(out.CPUMcoresMax, cp.CPUMcoresMax)
		out.MemMBMax = max(out.MemMBMax, cp.MemMBMax)
		out.Samples += cp.Samples
		out.Source = cmp.Or(out.Source, cp.Source)
	}
	if wsum <= 0 {
		wsum = float64(len(measured))
	}
	if len(measured) > 0 {
		out.CPUMcores, out.MemMB = round(out.CPUMcores/wsum, 1), round(out.MemMB/wsum, 1)
	} else {
		out.Source = first.Source
	}
	if len(pods) > 1 {
		notes = append(notes, "pooled over pods "+strings.Join(pods, ", "))
	}
	out.Note = strings.Join(notes, "; ")
	out.XDS = poolXDS(xds)
	out.Propagation = poolPropagation(props)
	return out
}

// poolXDS sums the counters and pools the histograms of windows in time
// order; gauges come from the last window.
func poolXDS(xs []*XDS) *XDS {
	if len(xs) == 0 {
		return nil
	}
	last := xs[len(xs)-1]
	out := &XDS{Pushes: map[string]float64{}, ConnectedProxies: last.ConnectedProxies, Services: last.Services, Source: xs[0].Source}
	var conv, push []*Quantiles
	for _, x := range xs {
		for k, v := range x.Pushes {
			out.Pushes[k] += v
		}
		out.PushesTotal += x.PushesTotal
		for k, v := range x.Triggers {
			if out.Triggers == nil {
				out.Triggers = map[string]float64{}
			}
			out.Triggers[k] += v
		}
		conv = append(conv, x.ConvergenceMs)
		push = append(push, x.PushTimeMs)
	}
	out.ConvergenceMs = poolQuantiles(conv)
	out.PushTimeMs = poolQuantiles(push)
	return out
}

// poolQuantiles adds the bucket counts of windows that share the same
// bounds and recomputes the percentiles from the sum. Percentiles cannot be
// averaged, so when the windows' buckets differ (or some carry none) the
// pool keeps the window with the largest p99 whole: the worst case, not a
// pooled estimate. Windows with no observation (nil) are skipped.
func poolQuantiles(qs []*Quantiles) *Quantiles {
	var some []*Quantiles
	for _, q := range qs {
		if q != nil {
			some = append(some, q)
		}
	}
	if len(some) == 0 {
		return nil
	}
	if len(some) == 1 {
		return some[0]
	}
	bounds := func(q *Quantiles) []float64 {
		b := make([]float64, len(q.Buckets))
		for i := range q.Buckets {
			b[i] = q.Buckets[i].LE
		}
		return b
	}
	same := len(some[0].Buckets) > 0
	for _, q := range some[1:] {
		same = same && slices.Equal(bounds(q), bounds(some[0]))
	}
	if !same {
		worst := some[0]
		for _, q := range some[1:] {
			if q.P99 > worst.P99 {
				worst = q
			}
		}
		return worst
	}
	sum := slices.Clone(some[0].Buckets)
	count := some[0].Count
	for _, q := range some[1:] {
		for i := range sum {
			sum[i].Count += q.Buckets[i].Count
		}
		count += q.Count
	}
	return NewQuantiles(sum, count)
}

// poolPropagation pools every client of every change.
func poolPropagation(ps []*Propagation) *Propagation {
	if len(ps) == 0 {
		return nil
	}
	var ms []float64
	var changes []string
	failed := 0
	for _, p := range ps {
		ms = append(ms, p.Ms...)
		failed += p.Failed
		changes = appendNew(changes, p.Change)
	}
	return NewPropagation(strings.Join(changes, "; "), ps[0].Source, ms, failed)
}
