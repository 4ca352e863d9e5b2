package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// generator is one load generator under test. Implementations are plain
// values holding the path of the tool's binary; one per file.
type generator interface {
	name() string
	// run drives url from b.conns connections for b.duration: as fast as
	// the connections allow when rate is 0 (closed loop), else at rate
	// requests/s (open loop; only called when openLoop says yes). It
	// returns a *parseError when the tool's output cannot be read.
	run(ctx context.Context, b *bench, url string, rate int) (result, error)
	// openLoop says whether the tool has a mode comparable to smp's open
	// loop: send times fixed in advance by the rate asked for, a send that
	// falls behind made late rather than skipped. When it has not, why
	// says so for the note under the open-loop table.
	openLoop() (ok bool, why string)
}

// measureFunc runs argv pinned to the generators' CPUs and returns its
// standard output and the user+system CPU time it used.
type measureFunc func(ctx context.Context, argv ...string) (out []byte, cpu time.Duration, err error)

// bench is what every generator run shares. It is read-only during runs.
type bench struct {
	conns    int
	duration time.Duration
	cpus     int    // CPUs the generators are pinned to (for tools that size a thread pool)
	work     string // scratch directory for the tools' files; removed at the end
	measure  measureFunc
	// server is the CPU time nginx has used so far (all its processes),
	// so that a run can say how busy the server was; nil: not measured.
	server func() (time.Duration, error)
}

// result is one generator run, as the tool itself reports it.
type result struct {
	rps    float64       // achieved requests/s
	reqs   float64       // requests completed
	errors float64       // of those, failed or answered with a non-2xx status
	cpu    time.Duration // user+system time of the generator

	// Latency percentiles in ms, timed from when the request was actually
	// sent; hasLatency is false when the tool does not report them.
	hasLatency bool
	p50, p99   float64

	// smp only, open loop: latency p99 timed from the scheduled send time
	// (coordinated-omission corrected) and send lag p99 (actual minus
	// scheduled send time), ms.
	schedP99, lagP99 float64

	// serverBusy is the share of one CPU nginx used during the run (0-1),
	// when serverMeasured. Near 1 in the closed loop, the server set the
	// rate, not the generator.
	serverBusy     float64
	serverMeasured bool

	detail string // for the progress line only: how the figures were made up
	failed string // why the run failed; empty when it did not
}

// cpuPerReq is the generator's CPU time per completed request, µs.
func (r result) cpuPerReq() float64 {
	if r.reqs <= 0 {
		return 0
	}
	return float64(r.cpu.Nanoseconds()) / 1e3 / r.reqs
}

// String is the progress line of one run.
func (r result) String() string {
	if r.failed != "" {
		return "FAILED: " + r.failed
	}
	s := fmt.Sprintf("%10.0f req/s  %6.2f µs CPU/req", r.rps, r.cpuPerReq())
	if r.hasLatency {
		s += fmt.Sprintf("  p50 %.3f ms  p99 %.3f ms", r.p50, r.p99)
	}
	if r.lagP99 > 0 || r.schedP99 > 0 {
		s += fmt.Sprintf("  p99 from schedule %.3f ms  lag p99 %.3f ms", r.schedP99, r.lagP99)
	}
	if r.serverMeasured {
		s += fmt.Sprintf("  nginx busy %.0f%%", 100*r.serverBusy)
	}
	if r.errors > 0 {
		s += fmt.Sprintf("  %.0f errors", r.errors)
	}
	if r.detail != "" {
		s += "  (" + r.detail + ")"
	}
	return s
}

// parseError says that a tool printed something its parser cannot read:
// most likely a version whose output differs from the one this runner
// was written against.
type parseError struct {
	tool   string // the generator
	want   string // what could not be read
	output []byte // what the tool printed
}

func (e *parseError) Error() string {
	return fmt.Sprintf("%s: cannot read %s from its output, which was: %s", e.tool, e.want, clip(e.output))
}

// clipLen bounds how much of a tool's output goes into an error message.
const clipLen = 2000

// clip quotes at most clipLen bytes of a tool's output for an error
// message.
func clip(out []byte) string {
	s := strings.TrimSpace(string(out))
	switch {
	case s == "":
		return "(nothing)"
	case len(s) > clipLen:
		return strconv.Quote(s[:clipLen]) + fmt.Sprintf(" (cut; %d bytes in all)", len(s))
	}
	return strconv.Quote(s)
}

// parseFloat reads a number a regular expression picked out of a tool's
// output; the expressions only match digits and dots, so an error here is
// a number too long to hold.
func parseFloat(tool, what string, s []byte, out []byte) (float64, error) {
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return 0, &parseError{tool: tool, want: what + " (" + err.Error() + ")", output: out}
	}
	return v, nil
}
