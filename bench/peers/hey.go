package main

import (
	"bytes"
	"context"
	"math"
	"regexp"
	"strconv"
)

// heyGen is hey, closed loop only. Its -q is a rate limit per worker, not
// a schedule: each worker waits on its own ticker before every request,
// and a ticker drops the ticks a busy worker misses, so a request that
// falls behind is never sent rather than sent late, and latency is timed
// from the actual send. That caps the rate; it does not hold one.
type heyGen struct{ bin string }

var _ generator = heyGen{}

func (heyGen) name() string { return "hey" }

func (heyGen) openLoop() (bool, string) {
	return false, "its -q is a rate limit per worker, not a schedule: each worker waits on its own ticker, which drops the ticks a busy worker misses, so a send that falls behind is skipped rather than made late, and latency is timed from the actual send"
}

// run: hey -z D -c C -cpus N URL. Keep-alive stays on (no
// -disable-keepalive): C workers share one client whose idle pool holds C
// connections, each worker with one request in flight.
func (g heyGen) run(ctx context.Context, b *bench, url string, _ int) (result, error) {
	out, cpu, err := b.measure(ctx, g.bin, "-z", b.duration.String(), "-c", strconv.Itoa(b.conns), "-cpus", strconv.Itoa(b.cpus), url)
	if err != nil {
		return result{}, err
	}
	r, err := parseHey(out)
	r.cpu = cpu
	return r, err
}

// parseHey reads hey's text summary: "Total: S secs", "Requests/sec: R"
// (every result, failed ones included, over Total), the latency
// distribution ("50%% in 0.0002 secs": hey prints 0.1 ms steps), the
// status code distribution ("[200]	N responses") and, when requests
// failed, the error distribution ("[N]	message").
func parseHey(out []byte) (result, error) {
	total := regexp.MustCompile(`Total:\s+([0-9.]+) secs`).FindSubmatch(out)
	if total == nil {
		return result{}, &parseError{tool: "hey", want: `"Total: S secs"`, output: out}
	}
	rps := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	if rps == nil {
		return result{}, &parseError{tool: "hey", want: `"Requests/sec:"`, output: out}
	}
	var r result
	secs, err := parseFloat("hey", "Total", total[1], out)
	if err != nil {
		return result{}, err
	}
	if r.rps, err = parseFloat("hey", "Requests/sec", rps[1], out); err != nil {
		return result{}, err
	}
	// hey prints no request count; Total has four decimals, so this is
	// the count to within a few requests in a million.
	r.reqs = math.Round(r.rps * secs)

	// The status lines count the requests answered (with a status other
	// than 2xx, an error here); the error section, printed only when
	// some failed, counts those that got no response.
	status, failed, _ := bytes.Cut(out, []byte("Error distribution:"))
	answered := 0.0
	for _, l := range regexp.MustCompile(`\[([0-9]+)\]\s+([0-9]+) responses`).FindAllSubmatch(status, -1) {
		v, err := parseFloat("hey", "a status count", l[2], out)
		if err != nil {
			return result{}, err
		}
		answered += v
		if l[1][0] != '2' {
			r.errors += v
		}
	}
	for _, l := range regexp.MustCompile(`(?m)^\s*\[([0-9]+)\]\s`).FindAllSubmatch(failed, -1) {
		v, err := parseFloat("hey", "an error count", l[1], out)
		if err != nil {
			return result{}, err
		}
		r.errors += v
	}

	// Latency comes from the answered requests; with none there is none.
	pct := map[string]float64{}
	for _, l := range regexp.MustCompile(`(?m)^\s*(50|99)% in ([0-9.]+) secs`).FindAllSubmatch(status, -1) {
		v, err := parseFloat("hey", "a latency percentile", l[2], out)
		if err != nil {
			return result{}, err
		}
		pct[string(l[1])] = v * 1e3
	}
	switch {
	case len(pct) == 2:
		r.hasLatency, r.p50, r.p99 = true, pct["50"], pct["99"]
	case answered > 0:
		return result{}, &parseError{tool: "hey", want: `the latency distribution lines "50% in" and "99% in"`, output: out}
	}
	return r, nil
}
