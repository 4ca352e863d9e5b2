package report

import "math"

// MeshMark references: the overhead at which a component scores 50. The
// CPU and memory references are Istio's published sidecar cost (about
// 0.2 vCPU and 60 MB per 1000 rps), so a mesh costing that scores 50 on
// those components.
const (
	MeshMarkLatencyRefPct = 100.0 // +100% latency (twice the baseline) → 50
	MeshMarkCPURef        = 200.0 // mCores of all proxies per 1000 rps → 50
	MeshMarkMemRef        = 60.0  // MB of all proxies per 1000 rps → 50
)

// meshMarkWeights are the shares of latency, throughput, cpu and memory.
var meshMarkWeights = [...]float64{0.4, 0.3, 0.2, 0.1}

// NewMeshMark scores scenario s against the no-mesh baseline b, given
// their comparison c (which must hold the p50, p99, achievedRate and, when
// measured, proxy deltas). Each component maps an overhead x ≥ 0 to a
// sub-score in (0, 100]: latency 100/(1+x/100%), throughput 100−x (x the
// loss in %), cpu 100/(1+x/200), memory 100/(1+x/60). The score is the
// weighted geometric mean of the sub-scores (weights 0.4, 0.3, 0.2, 0.1,
// renormalized over the components measured). Overheads are the pooled
// point estimates, a negative one counting as 0; whether each is
// significant is shown beside the score, not folded into it (with two
// noisy iterations a 50× latency overhead can be "not significant", and a
// score of 100 would hide it). The score is therefore 100 exactly when no
// overhead was observed, and never rises when an overhead grows.
func NewMeshMark(b, s *Scenario, c *Comparison) *MeshMark {
	get := func(metric string) (Delta, bool) {
		for _, d := range c.Deltas {
			if d.Metric == metric {
				return d, true
			}
		}
		return Delta{}, false
	}
	// measured returns the overhead v, or 0 when there is none.
	measured := func(_ Delta, v float64) float64 {
		if !(v > 0) { // negative, zero (also -0) or NaN
			return 0
		}
		return v
	}
	m := &MeshMark{}
	var comps [4]*MeshMarkComponent

	// Latency: the mean relative overhead of p50 and p99.
	var lat float64
	var nlat int
	for _, key := range []string{"p50", "p99"} {
		if d, ok := get(key); ok && d.DeltaPct != nil {
			lat += measured(d, *d.DeltaPct)
			nlat++
		}
	}
	if nlat > 0 {
		x := lat / float64(nlat)
		comps[0] = &MeshMarkComponent{Name: "latency", Input: x, Unit: "%", Score: 100 / (1 + x/MeshMarkLatencyRefPct)}
	}
	if d, ok := get("achievedRate"); ok && d.DeltaPct != nil {
		x := math.Min(100, measured(d, -*d.DeltaPct))
		comps[1] = &MeshMarkComponent{Name: "throughput", Input: x, Unit: "%", Score: 100 - x}
	}
	rate := s.Summary.AchievedRate
	if pr := proxyUsage(s); pr != nil && rate > 0 {
		d, _ := get("proxy.cpuMcores")
		x := measured(d, pr.CPUMcoresTotal-baselineProxy(b, false)) / (rate / 1000)
		comps[2] = &MeshMarkComponent{Name: "cpu", Input: x, Unit: "mCores per 1k rps", Score: 100 / (1 + x/MeshMarkCPURef)}
		d, _ = get("proxy.memMB")
		x = measured(d, pr.MemMB*float64(pr.Count)-baselineProxy(b, true)) / (rate / 1000)
		comps[3] = &MeshMarkComponent{Name: "memory", Input: x, Unit: "MB per 1k rps", Score: 100 / (1 + x/MeshMarkMemRef)}
	}
	var wsum, logsum float64
	for i, cp := range comps {
		if cp == nil {
			m.Missing = append(m.Missing, [...]string{"latency", "throughput", "cpu", "memory"}[i])
			continue
		}
		wsum += meshMarkWeights[i]
	}
	if wsum == 0 {
		return nil
	}
	for i, cp := range comps {
		if cp == nil {
			continue
		}
		cp.Weight = round(meshMarkWeights[i]/wsum, 4)
		score := math.Max(cp.Score, 1e-9) // a total loss scores 0, not NaN
		logsum += meshMarkWeights[i] / wsum * math.Log(score/100)
		cp.Input, cp.Score = round(cp.Input, 3), round(cp.Score, 2)
		m.Components = append(m.Components, *cp)
	}
	m.Score = round(100*math.Exp(logsum), 1)
	return m
}

func proxyUsage(s *Scenario) *RoleUsage {
	if s.Summary.Resources == nil {
		return nil
	}
	return s.Summary.Resources.Proxy
}

// baselineProxy is the proxy total of the baseline (0 when it ran none).
func baselineProxy(b *Scenario, mem bool) float64 {
	pr := proxyUsage(b)
	if pr == nil {
		return 0
	}
	if mem {
		return pr.MemMB * float64(pr.Count)
	}
	return pr.CPUMcoresTotal
}
