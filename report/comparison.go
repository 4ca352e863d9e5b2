package report

// Comparison is one scenario against a baseline scenario of the same run
// (or of another report). Point estimates come from the pooled data of
// each side (the summary, whose percentiles are read from the merged HDR
// histogram); confidence intervals come from the per-iteration values. See
// docs/results.md for the method.
type Comparison struct {
	Scenario string `json:"scenario"`
	Baseline string `json:"baseline"`
	// LatencyDeltaMs and LatencyDeltaPct are scenario minus baseline for
	// p50, p90, p99 and p99.9 of the pooled latency.
	LatencyDeltaMs     map[string]float64 `json:"latencyDeltaMs"`
	LatencyDeltaPct    map[string]float64 `json:"latencyDeltaPct"`
	ThroughputDeltaPct float64            `json:"throughputDeltaPct"`
	CPUMcoresPerProxy  float64            `json:"cpuMcoresPerProxy"`
	MemMBPerProxy      float64            `json:"memMBPerProxy"`
	ErrorRateDelta     float64            `json:"errorRateDelta"`

	// BaselineIterations and ScenarioIterations are the sample sizes
	// behind the confidence intervals.
	BaselineIterations int `json:"baselineIterations"`
	ScenarioIterations int `json:"scenarioIterations"`
	// Confidence is the level of every interval, 0.95.
	Confidence float64 `json:"confidence"`
	// Deltas hold every compared metric with its interval and verdict, in
	// a fixed order: p50, p90, p99, p99.9, achievedRate, errorRate, then
	// proxy.cpuMcores and proxy.memMB when proxies were measured.
	Deltas []Delta `json:"deltas"`
	// MeshMark scores a mesh scenario against a no-mesh baseline.
	MeshMark *MeshMark `json:"meshmark,omitempty"`
}

// Verdicts of a Delta.
const (
	VerdictSignificant  = "significant"
	VerdictNot          = "not significant"
	VerdictInsufficient = "insufficient iterations"
)

// Delta is one metric of a Comparison.
type Delta struct {
	// Metric is the SLO name of the metric: "p50", "p99.9", "achievedRate",
	// "errorRate", "proxy.cpuMcores", "proxy.memMB".
	Metric string `json:"metric"`
	Unit   string `json:"unit"` // "ms", "req/s", "ratio" (0..1), "mCores", "MB"
	// Baseline and Value are the pooled values of each side; Delta is
	// Value - Baseline and DeltaPct the same relative to Baseline (absent
	// when Baseline is 0).
	Baseline float64  `json:"baseline"`
	Value    float64  `json:"value"`
	Delta    float64  `json:"delta"`
	DeltaPct *float64 `json:"deltaPct,omitempty"`
	// CILow and CIHigh bound the difference of the per-iteration means
	// (Welch's t interval); absent with fewer than 2 iterations a side.
	CILow  *float64 `json:"ciLow,omitempty"`
	CIHigh *float64 `json:"ciHigh,omitempty"`
	// DF is the Welch–Satterthwaite degrees of freedom of the interval.
	DF      float64 `json:"df,omitempty"`
	Verdict string  `json:"verdict"`
}

// MeshMark is smp's value index of a mesh scenario, 0..100: 100 means no
// measurable overhead against the no-mesh baseline. Each component is a
// sub-score in 0..100 beside the input it was computed from; the formula
// is in docs/results.md.
type MeshMark struct {
	Score float64 `json:"score"`
	// Components in the order latency, throughput, cpu, memory.
	Components []MeshMarkComponent `json:"components"`
	// Missing lists components that were not measured (and so left out of
	// the score, whose weights are renormalized over the rest).
	Missing []string `json:"missing,omitempty"`
}

// MeshMarkComponent is one input of MeshMark.
type MeshMarkComponent struct {
	Name   string  `json:"name"`   // latency | throughput | cpu | memory
	Input  float64 `json:"input"`  // the overhead measured, in Unit
	Unit   string  `json:"unit"`   // "%", "mCores per 1k rps", "MB per 1k rps"
	Score  float64 `json:"score"`  // 0..100
	Weight float64 `json:"weight"` // share in the overall score
}

// SLOResult is one SLO assertion judged against one scenario.
type SLOResult struct {
	Assertion string  `json:"assertion"` // as written, e.g. "p99 < 20ms"
	Scenario  string  `json:"scenario"`
	Value     float64 `json:"value"` // the measured value, in Unit
	Unit      string  `json:"unit"`  // "ms", "%", "ratio", "req/s", "mCores", "MB", ""
	// Threshold is the assertion's bound, in Unit.
	Threshold float64 `json:"threshold"`
	Pass      bool    `json:"pass"`
	// Note says why a value is missing (not measured, no baseline).
	Note string `json:"note,omitempty"`
}
