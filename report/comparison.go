package report

// Comparison is one mesh scenario against the baseline scenario of the
// same run (or of another report).
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
}
