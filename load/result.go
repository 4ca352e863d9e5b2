package load

import (
	"time"

	"github.com/smp-dev/smp/hist"
)

// Result is what one run measured, over the measurement window only
// (warmup excluded). Latencies are in the histograms.
type Result struct {
	Start, End    time.Time // the measurement window, wall clock
	RequestedRate float64   // 0 in closed loop
	// Requests counts every request intended in the window that was sent
	// (successes and errors); Sent counts those actually sent before the
	// window ended, the numerator of AchievedRate.
	Requests      int64
	Sent          int64
	Errors        int64
	Late          int64 // sends whose slot was already due when a connection became free
	Dropped       int64 // open-loop sends never sent (backlog bound, or run over)
	StatusCodes   map[int]int64
	ErrorKinds    map[string]int64
	BytesReceived int64

	// Latency is timed from the intended send time (coordinated-omission
	// corrected); Uncorrected from the actual send time; SendLag is actual
	// minus intended send time. In closed loop all sends are "intended"
	// when made, so Latency equals Uncorrected and SendLag is zero.
	Latency     *hist.Histogram
	Uncorrected *hist.Histogram
	SendLag     *hist.Histogram
	// ConnectTime and TLSHandshake time the set-up of the connections
	// opened in the window (TCP connect; TLS handshake), when the protocol
	// client measures them (see HandshakeTimer): nil when not measured.
	ConnectTime  *hist.Histogram
	TLSHandshake *hist.Histogram
	// FirstByte is the time to first byte of each request (FirstByteTimer),
	// nil when not measured.
	FirstByte *hist.Histogram

	Timeline []Interval
	Client   ClientUsage
	// Driver is how the connections were driven: DriverEventLoop or
	// DriverGoroutines.
	Driver string
	// Partial is true when the run was cancelled before its end.
	Partial bool
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
