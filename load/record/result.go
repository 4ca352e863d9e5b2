package record

import (
	"time"

	"github.com/smp-dev/smp/hist"
)

// Result is what one run measured, over the measurement window only
// (warmup excluded). Latencies are in the histograms.
type Result struct {
	Start, End    time.Time // the measurement window, wall clock
	RequestedRate float64   // 0 in closed loop
	Counts[int]

	// Latency is timed from the intended send time (coordinated-omission
	// corrected), or from the actual one when that was earlier (a send
	// made early within a send tolerance: its latency is never shortened
	// by it); Uncorrected from the actual send time; SendLag is actual
	// minus intended send time, 0 for an early send (counted in Early).
	// In closed loop all sends are "intended" when made, so Latency
	// equals Uncorrected and SendLag is zero.
	Latency     *hist.Histogram
	Uncorrected *hist.Histogram
	SendLag     *hist.Histogram
	// ConnectTime and TLSHandshake time the set-up of the connections
	// opened in the window (TCP connect; TLS handshake), when the protocol
	// client measures them (see Response): nil when not measured.
	ConnectTime  *hist.Histogram
	TLSHandshake *hist.Histogram
	// FirstByte is the time to first byte of each request (see Response),
	// nil when not measured.
	FirstByte *hist.Histogram

	Timeline []Interval
	Client   ClientUsage
	// Driver is how the connections were driven (load.DriverEventLoop or
	// load.DriverGoroutines).
	Driver string
	// SendTolerance is how early a send could go to leave with an earlier
	// one (load.Plan's, as applied: 0 when the driver does not batch).
	SendTolerance time.Duration
	// Partial is true when the run was cancelled before its end.
	Partial bool
	// Clients are the figures of each load-generating client when the
	// result merges several (see Merge); nil for a single in-process
	// client.
	Clients []ClientShare
	// Generator is the external tool that measured the result (see
	// package loadgen); nil for smp's own engine.
	Generator *Generator
}

// ClientShare is one client's part of a merged result.
type ClientShare struct {
	Index int    // the client's index, 0..N-1
	Pod   string // where it ran (a pod's name), if known
	// Start and End are the client's own measurement window.
	Start, End    time.Time
	RequestedRate float64
	AchievedRate  float64 // its sends over its own window
	Requests      int64
	Errors        int64
	SendLagP99    time.Duration
	// StartLate is how long after the shared start time the client began
	// its run (0 when it was ready in time).
	StartLate time.Duration
}

// Interval is one timeline step (by intended send time).
type Interval struct {
	Start    time.Duration // from the window start
	Requests int64
	Errors   int64
	P50, P99 time.Duration
}

// ClientUsage is the generator's own cost over the window, from getrusage.
type ClientUsage struct {
	CPUTime time.Duration // user + system
	// CPUMcores is CPUTime over the window's wall time, in thousandths of
	// a core.
	CPUMcores float64
	MaxRSSMB  float64
	// NotMeasured, when set, says why the generator's own cost is not
	// measured on this system (its zeros then mean "not measured").
	NotMeasured string
}

// NewResult makes an empty Result to add to: its maps and its Latency,
// Uncorrected and SendLag histograms made.
func NewResult() *Result {
	return &Result{
		Counts:  Counts[int]{StatusCodes: map[int]int64{}, ErrorKinds: map[string]int64{}},
		Latency: hist.New(), Uncorrected: hist.New(), SendLag: hist.New(),
	}
}

// Add adds o's counts and histograms to r (not its window, rate,
// timeline, client usage or driver). r's Latency, Uncorrected and SendLag
// must be made; its optional histograms are made when o has them.
func (r *Result) Add(o *Result) {
	r.Counts.Add(&o.Counts)
	r.Latency.Merge(o.Latency)
	r.Uncorrected.Merge(o.Uncorrected)
	r.SendLag.Merge(o.SendLag)
	r.ConnectTime = hist.MergeOptional(r.ConnectTime, o.ConnectTime)
	r.TLSHandshake = hist.MergeOptional(r.TLSHandshake, o.TLSHandshake)
	r.FirstByte = hist.MergeOptional(r.FirstByte, o.FirstByte)
}

// WindowSeconds is the length of the measurement window.
func (r *Result) WindowSeconds() float64 { return r.End.Sub(r.Start).Seconds() }

// AchievedRate is sends per second within the window.
func (r *Result) AchievedRate() float64 {
	w := r.WindowSeconds()
	if w <= 0 {
		return 0
	}
	return float64(r.Sent) / w
}
