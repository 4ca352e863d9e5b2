package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// wrkGen is wrk (4.x, as Debian packages it): HTTP/1.1, closed loop only,
// each connection sending its next request when the last one is
// answered.
//
// wrk prints four latency percentiles (50, 75, 90 and 99%) and the
// maximum, to two decimals of µs or ms: the histogram is reconstructed
// from them (FromSpectrum; the values below the median all sit at the
// median), with a resolution of 10µs; it holds the responses wrk timed,
// which leave out those slower than --timeout (wrk counts them as
// timeouts). Latency is timed from the actual
// send, the only clock of a closed loop. Its connect errors count as
// refused connections, its read and write errors as resets, and its
// "Non-2xx or 3xx" responses as KindHTTPError (it does not give status
// codes). wrk runs for whole seconds: a plan whose duration or warmup is
// not whole seconds is rejected rather than rounded, so the window is
// the one asked for. A timeout is rounded up to whole seconds. Over
// https, wrk does not verify the server's certificate (load.tls.caCert
// and insecure change nothing) and has no client certificate (a plan
// with one is rejected).
type wrkGen struct{ o Options }

func newWRK(o Options) Generator { return &wrkGen{o: o} }

// Name implements Generator.
func (*wrkGen) Name() string { return WRK }

// Check implements Generator.
func (*wrkGen) Check(p *Plan) error {
	if p.Rate > 0 {
		return &PlanError{Tool: WRK, Field: "load.rate", Value: fmt.Sprint(p.Rate),
			Why: "wrk has no rate option (it runs a closed loop only): set load.rate to 0, or use wrk2 or builtin for a rate"}
	}
	return checkWrkFamily(WRK, p)
}

// Run implements Generator.
func (g *wrkGen) Run(ctx context.Context, p *Plan) (*record.Result, error) {
	if err := g.Check(p); err != nil {
		return nil, err
	}
	run, err := runWrkFamily(ctx, g.o, WRK, p, nil, ParseWrk)
	if err != nil {
		return nil, err
	}
	return wrkResult(run, p)
}

// wrkResult normalizes a wrk run.
func wrkResult(run *wrkRun, p *Plan) (*record.Result, error) {
	s := run.summary
	gen := record.Generator{
		Name: WRK, Version: run.version, LatencyClock: record.ClockActual,
		Resolution: 10 * time.Microsecond, Histogram: record.HistReconstructed,
		Warmup: WarmupSeparate, Command: run.argv,
	}
	r := newResult(gen, p, run.start, run.window, run.out)
	r.Partial = run.partial
	wrkCounts(r, s)
	points := append([]Point(nil), s.Percentiles...)
	top := time.Duration(0)
	for _, pt := range points {
		top = max(top, pt.Value)
	}
	if s.Max > 0 && s.Max >= top {
		points = append(points, Point{Quantile: 1, Value: s.Max})
	}
	// A response slower than --timeout counts as a request and a timeout,
	// and is left out of wrk's latency statistics.
	h, err := FromSpectrum(points, max(0, s.Requests-s.Timeout))
	if err != nil {
		return nil, &ToolError{Tool: WRK, Command: run.argv, Why: "its latency percentiles: " + err.Error(), Tail: tail(run.out)}
	}
	setLatency(r, h)
	return r, nil
}
