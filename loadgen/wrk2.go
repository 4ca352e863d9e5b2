package loadgen

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// wrk2Gen is wrk2 (github giltene/wrk2), wrk's fork with a constant
// rate (-R): each connection sends on a fixed schedule, and with
// --latency it times every request from its scheduled send time, so a
// stall is charged to every request it delayed (coordinated omission
// corrected: record.ClockIntended). It is run with --u_latency too,
// which prints the spectrum timed from the actual send as well: the
// result's Uncorrected.
//
// wrk2 prints its HdrHistogram as a "Detailed Percentile spectrum" in ms
// to three decimals: the histogram is reconstructed from it
// (FromSpectrum), with a resolution of 1µs. Each row says that
// TotalCount values are at or below Value, so the reconstruction has
// exactly that: at each row's count, the row's value (to the
// histogram's 3 digits). Between two rows the values are spread: a
// percentile that falls between rows is interpolated (wrk2's own p99.9
// of 1.86ms in testdata/wrk2/nginx-R2000-c8-latency.txt lies between
// rows at 1.843 and 2.119ms, and is read back as about 1.98ms). Counts
// and errors are read
// as wrk's (see wrkGen). A run that measured nothing (wrk2 exits when it
// cannot connect at all: "unable to connect to ...") is a *ToolError,
// not a result of errors: there is no latency to report. The rate is
// whole requests per second, the duration and warmup whole seconds
// (rejected otherwise, not rounded).
type wrk2Gen struct{ o Options }

func newWRK2(o Options) Generator { return &wrk2Gen{o: o} }

// Name implements Generator.
func (*wrk2Gen) Name() string { return WRK2 }

// Check implements Generator.
func (*wrk2Gen) Check(p *Plan) error {
	if p.Rate <= 0 {
		return &PlanError{Tool: WRK2, Field: "load.rate", Value: fmt.Sprint(p.Rate),
			Why: "wrk2 needs a rate (-R): set load.rate above 0, or use wrk or builtin for a closed loop"}
	}
	if p.Rate != math.Trunc(p.Rate) || p.Rate > math.MaxInt32 {
		return &PlanError{Tool: WRK2, Field: "load.rate", Value: fmt.Sprint(p.Rate),
			Why: "wrk2 takes whole requests per second: expected a whole number"}
	}
	if p.Arrival != "" && p.Arrival != "constant" {
		return &PlanError{Tool: WRK2, Field: "load.arrival.type", Value: p.Arrival,
			Why: "wrk2 only paces requests evenly: expected constant, or use builtin"}
	}
	return checkWrkFamily(WRK2, p)
}

// Run implements Generator.
func (g *wrk2Gen) Run(ctx context.Context, p *Plan) (*record.Result, error) {
	if err := g.Check(p); err != nil {
		return nil, err
	}
	extra := []string{"-R", strconv.FormatInt(int64(p.Rate), 10), "--u_latency"}
	run, err := runWrkFamily(ctx, g.o, WRK2, p, extra, ParseWrk2)
	if err != nil {
		return nil, err
	}
	return wrk2Result(run, p)
}

// wrk2Result normalizes a wrk2 run.
func wrk2Result(run *wrkRun, p *Plan) (*record.Result, error) {
	s := run.summary
	gen := record.Generator{
		Name: WRK2, Version: run.version, LatencyClock: record.ClockIntended,
		Resolution: time.Microsecond, Histogram: record.HistReconstructed,
		Warmup: WarmupSeparate, Command: run.argv,
	}
	r := newResult(gen, p, run.start, run.window, run.out)
	r.Partial = run.partial
	wrkCounts(r, s)
	bad := func(which string, err error) error {
		return &ToolError{Tool: WRK2, Command: run.argv, Why: "its " + which + " spectrum: " + err.Error(), Tail: tail(run.out)}
	}
	h, err := FromSpectrum(s.Recorded.Points, s.Recorded.Count)
	if err != nil {
		return nil, bad("recorded latency", err)
	}
	setLatency(r, h)
	if s.Uncorrected != nil {
		u, err := FromSpectrum(s.Uncorrected.Points, s.Uncorrected.Count)
		if err != nil {
			return nil, bad("uncorrected latency", err)
		}
		r.Uncorrected = u
	}
	return r, nil
}
