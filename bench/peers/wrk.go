package main

import (
	"context"
	"regexp"
	"strconv"
	"time"
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

// parseWrk reads wrk's text summary: "N requests in", "Requests/sec:",
// the --latency percentiles ("50%  205.00us"), and the error lines
// ("Non-2xx or 3xx responses: N", "Socket errors: connect N, read N,
// write N, timeout N") when present.
func parseWrk(out []byte) (result, error) {
	m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return result{}, &parseError{tool: "wrk", want: `"Requests/sec:"`, output: out}
	}
	n := regexp.MustCompile(`([0-9]+) requests in`).FindSubmatch(out)
	if n == nil {
		return result{}, &parseError{tool: "wrk", want: `"N requests in"`, output: out}
	}
	var r result
	var err error
	if r.rps, err = parseFloat("wrk", "Requests/sec", m[1], out); err != nil {
		return result{}, err
	}
	if r.reqs, err = parseFloat("wrk", "the request count", n[1], out); err != nil {
		return result{}, err
	}
	if e := regexp.MustCompile(`Non-2xx or 3xx responses:\s+([0-9]+)`).FindSubmatch(out); e != nil {
		v, err := parseFloat("wrk", "the non-2xx count", e[1], out)
		if err != nil {
			return result{}, err
		}
		r.errors += v
	}
	if e := regexp.MustCompile(`Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)`).FindSubmatch(out); e != nil {
		for _, s := range e[1:] {
			v, err := parseFloat("wrk", "the socket error counts", s, out)
			if err != nil {
				return result{}, err
			}
			r.errors += v
		}
	}
	pct := map[string]float64{}
	for _, l := range regexp.MustCompile(`(?m)^\s*(50|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m|h)\s*$`).FindAllSubmatch(out, -1) {
		v, err := parseFloat("wrk", "a latency percentile", l[2], out)
		if err != nil {
			return result{}, err
		}
		pct[string(l[1])] = v * map[string]float64{"us": 1e-3, "ms": 1, "s": 1e3, "m": 60e3, "h": 3600e3}[string(l[3])]
	}
	if len(pct) != 2 {
		return result{}, &parseError{tool: "wrk", want: `the --latency percentiles "50%" and "99%"`, output: out}
	}
	r.hasLatency, r.p50, r.p99 = true, pct["50"], pct["99"]
	return r, nil
}
