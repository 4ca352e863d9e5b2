package main

import (
	"context"
	"strconv"
	"time"

	"github.com/smp-dev/smp/loadgen"
)

// wrkGen is wrk, closed loop only: it has no rate option (its fork wrk2
// has).
type wrkGen struct{ bin string }

var _ generator = wrkGen{}

func (wrkGen) name() string { return "wrk" }

func (wrkGen) openLoop() (bool, string) {
	return false, "it has no rate option (its fork wrk2 has one)"
}

// run: wrk -t1 -cC -dNs --latency URL (one thread, as the generators get
// one CPU; --latency only adds the percentile lines to the summary).
func (g wrkGen) run(ctx context.Context, b *bench, url string, _ int) (result, error) {
	secs := int(b.duration.Round(time.Second).Seconds())
	out, cpu, err := b.measure(ctx, g.bin, "-t1", "-c"+strconv.Itoa(b.conns), "-d"+strconv.Itoa(secs)+"s", "--latency", url)
	if err != nil {
		return result{}, err
	}
	r, err := parseWrk(out)
	r.cpu = cpu
	return r, err
}

// parseWrk reads wrk's text summary with loadgen.ParseWrk (the parser
// smp's wrk adapter uses): the request count, Requests/sec, the
// --latency percentiles and the error lines.
func parseWrk(out []byte) (result, error) {
	s, err := loadgen.ParseWrk(out)
	if err != nil {
		return result{}, &parseError{tool: "wrk", want: "its summary (" + err.Error() + ")", output: out}
	}
	r := result{
		rps:    s.RequestsPerSec,
		reqs:   float64(s.Requests),
		errors: float64(s.Non2xx + s.Connect + s.Read + s.Write + s.Timeout),
	}
	pct := map[float64]float64{}
	for _, p := range s.Percentiles {
		pct[p.Quantile] = float64(p.Value) / float64(time.Millisecond)
	}
	p50, ok50 := pct[0.5]
	p99, ok99 := pct[0.99]
	if !ok50 || !ok99 {
		return result{}, &parseError{tool: "wrk", want: `the --latency percentiles "50%" and "99%"`, output: out}
	}
	r.hasLatency, r.p50, r.p99 = true, p50, p99
	return r, nil
}
