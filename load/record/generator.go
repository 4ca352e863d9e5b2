package record

import "time"

// Latency clocks: where a generator starts timing a request.
const (
	// ClockIntended times from the request's scheduled send time
	// (coordinated omission corrected): a stall is charged to every
	// request it delayed.
	ClockIntended = "intended"
	// ClockActual times from when the request was actually written: a
	// generator that falls behind a stall sends later and times less.
	ClockActual = "actual"
)

// Histogram kinds: what a result's latency histogram was made from.
const (
	// HistNative: the generator's own values (every request's latency, or
	// its own bucketed histogram's exact counts).
	HistNative = "native"
	// HistReconstructed: rebuilt from a percentile spectrum or a few
	// percentiles the generator printed, not from its values.
	HistReconstructed = "reconstructed"
)

// Generator says which load generator measured a result and what its
// figures are, so a reader can tell a histogram timed from the schedule
// from one timed from the send, and a native one from a reconstruction.
type Generator struct {
	Name    string // builtin, fortio, wrk2, nighthawk, vegeta, wrk or hey
	Version string // as the tool reports it; empty when it does not
	// LatencyClock is ClockIntended or ClockActual; it says what Latency
	// holds.
	LatencyClock string
	// Resolution is the finest latency difference the generator's
	// figures can show (its histogram's bucket width at the low end, or
	// the unit it prints).
	Resolution time.Duration
	// Histogram is HistNative or HistReconstructed.
	Histogram string
	// Warmup says how the warmup was kept out of the figures.
	Warmup string
	// Command is the command line that ran the tool; nil for builtin.
	Command []string
}
