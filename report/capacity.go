package report

// CapacityTrial is one trial of a capacity search: a run at a fixed rate
// and its verdict (package capacity).
type CapacityTrial struct {
	Rate         float64 `json:"rate"`     // requested, req/s
	Achieved     float64 `json:"achieved"` // sent per second in the window
	P50Ms        float64 `json:"p50Ms"`
	P99Ms        float64 `json:"p99Ms"`
	P999Ms       float64 `json:"p999Ms"`
	Requests     int64   `json:"requests"`
	Errors       int64   `json:"errors"`
	SendLagP99Ms float64 `json:"sendLagP99Ms"`
	// Pass is the run function's verdict; FailedBy says what failed
	// ("slo" or "errors") when it did not pass.
	Pass     bool   `json:"pass"`
	FailedBy string `json:"failedBy,omitempty"`
	// Valid is the search's: false when the generator fell behind the rate.
	Valid   bool     `json:"valid"`
	Reasons []string `json:"reasons,omitempty"`
}

// Capacity is what a capacity search found for a scenario (load.mode
// capacity, smp capacity; package capacity): the highest rate that passed
// under the SLO, the bracket around the boundary, and every trial.
type Capacity struct {
	// SLO are the objectives each passing trial met.
	SLO []string `json:"slo,omitempty"`
	// Rate is the highest rate that passed (0 if none did).
	Rate float64 `json:"rate"`
	// Bracket is [highest pass, lowest fail]; the fail is 0 when no
	// trial failed.
	Bracket   [2]float64 `json:"bracket"`
	Converged bool       `json:"converged"`
	LimitedBy string     `json:"limitedBy"`
	// Reason says in a sentence why the search stopped where it did.
	Reason string          `json:"reason"`
	Trials []CapacityTrial `json:"trials"`
	// Confirmations are the confirmation runs (Config.Confirm), in
	// order; Confirmed says the last one passed at Rate.
	Confirmations []CapacityTrial `json:"confirmations,omitempty"`
	Confirmed     bool            `json:"confirmed,omitempty"`
}
