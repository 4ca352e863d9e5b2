package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// vegetaGen is vegeta v12: `vegeta attack` writes every result to a file,
// then `vegeta report -type json` reads them back and summarizes. Open
// loop, one pacer keeps the schedule for the whole attack and hands each
// send to the next free worker; when all are busy it waits, then hands out
// what is due as fast as workers free up (late, not skipped) until the
// duration is over, when what is still due is not sent. Latency is timed
// from when the worker sends. Closed loop is its "max" mode, -rate 0 with
// a fixed number of workers (v12.8 and later).
type vegetaGen struct{ bin string }

var _ generator = vegetaGen{}

func (vegetaGen) name() string { return "vegeta" }

func (vegetaGen) openLoop() (bool, string) { return true, "" }

// run: vegeta attack -targets FILE -output FILE -rate R/s|0 -duration D
// -connections C -max-connections C -workers C -max-workers C -keepalive,
// then vegeta report -type json FILE.
//
// -workers and -max-workers fix the pool at C workers, each with one
// request in flight; -max-connections caps the connections at C and
// -connections keeps C of them idle between requests, so the attack holds
// exactly C connections. Both commands run pinned and their CPU is added:
// attack encodes every result and report decodes and summarizes them, the
// work the other tools do in one process. Report runs after the attack, so
// it takes no cycles from it.
func (g vegetaGen) run(ctx context.Context, b *bench, url string, rate int) (result, error) {
	targets := filepath.Join(b.work, "vegeta.targets")
	if err := os.WriteFile(targets, []byte("GET "+url+"\n"), 0o644); err != nil {
		return result{}, fmt.Errorf("vegeta: write its targets file: %w", err)
	}
	results := filepath.Join(b.work, "vegeta.results")
	defer func() { _ = os.Remove(results) }() // in the work directory, removed with it anyway
	r, c := "0", strconv.Itoa(b.conns)
	if rate > 0 {
		r = strconv.Itoa(rate) + "/s"
	}
	_, attackCPU, err := b.measure(ctx, g.bin, "attack", "-targets", targets, "-output", results,
		"-rate", r, "-duration", b.duration.String(),
		"-connections", c, "-max-connections", c, "-workers", c, "-max-workers", c, "-keepalive")
	if err != nil {
		return result{}, err
	}
	out, reportCPU, err := b.measure(ctx, g.bin, "report", "-type", "json", results)
	if err != nil {
		return result{}, err
	}
	res, err := parseVegeta(out)
	res.cpu = attackCPU + reportCPU
	if res.reqs > 0 {
		res.detail = fmt.Sprintf("attack %.2f + report %.2f µs CPU/req",
			float64(attackCPU.Nanoseconds())/1e3/res.reqs, float64(reportCPU.Nanoseconds())/1e3/res.reqs)
	}
	return res, err
}

// parseVegeta reads vegeta's JSON report: requests, rate (sends per
// second between the first and the last send), status_codes (code "0"
// for a request that got no response) and latencies in ns.
func parseVegeta(out []byte) (result, error) {
	var m struct {
		Requests    *float64
		Rate        *float64
		StatusCodes map[string]float64 `json:"status_codes"`
		Latencies   struct {
			P50 *float64 `json:"50th"`
			P99 *float64 `json:"99th"`
		}
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return result{}, &parseError{tool: "vegeta", want: fmt.Sprintf("a JSON report (%v)", err), output: out}
	}
	if m.Requests == nil || m.Rate == nil || m.Latencies.P50 == nil || m.Latencies.P99 == nil {
		return result{}, &parseError{tool: "vegeta", want: `"requests", "rate" and latencies "50th" and "99th" in the JSON report`, output: out}
	}
	r := result{rps: *m.Rate, reqs: *m.Requests, hasLatency: true, p50: *m.Latencies.P50 / 1e6, p99: *m.Latencies.P99 / 1e6}
	// Any status but 2xx is an error here, 0 (no response) included.
	for code, n := range m.StatusCodes {
		if len(code) != 3 || code[0] != '2' {
			r.errors += n
		}
	}
	return r, nil
}
