package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// smpGen is smp's own generator, `smp load`, reporting JSON on stdout.
// driver, when set, forces how it drives connections (--driver): the
// benchmark runs the default (the event loop) as "smp", the base of every
// ratio, and the goroutine per connection beside it.
type smpGen struct{ bin, driver string }

var _ generator = smpGen{}

func (g smpGen) name() string {
	if g.driver != "" {
		return "smp-" + g.driver
	}
	return "smp"
}

func (smpGen) openLoop() (bool, string) { return true, "" }

// run: smp load URL -c C [--rate R] [--driver D] -d D --warmup 0s -o json
func (g smpGen) run(ctx context.Context, b *bench, url string, rate int) (result, error) {
	argv := []string{g.bin, "load", url, "-c", strconv.Itoa(b.conns)}
	if rate > 0 {
		argv = append(argv, "--rate", strconv.Itoa(rate))
	}
	if g.driver != "" {
		argv = append(argv, "--driver", g.driver)
	}
	argv = append(argv, "-d", b.duration.String(), "--warmup", "0s", "-o", "json")
	out, cpu, err := b.measure(ctx, argv...)
	if err != nil {
		return result{}, err
	}
	r, err := parseSmp(out)
	if rate == 0 {
		// Closed loop sends as soon as a connection is free: there is no
		// schedule to time from or lag behind.
		r.schedP99, r.lagP99 = 0, 0
	}
	r.cpu = cpu
	return r, err
}

// parseSmp reads the summary of the first scenario of smp's JSON report
// (latencies in ms).
func parseSmp(out []byte) (result, error) {
	type latency struct {
		Count       int64              `json:"count"`
		Percentiles map[string]float64 `json:"percentiles"`
	}
	var rep struct {
		Scenarios []struct {
			Summary struct {
				AchievedRate       float64 `json:"achievedRate"`
				Requests           float64 `json:"requests"`
				Errors             float64 `json:"errors"`
				Latency            latency `json:"latency"`
				UncorrectedLatency latency `json:"uncorrectedLatency"`
				SendLag            latency `json:"sendLag"`
			} `json:"summary"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return result{}, &parseError{tool: "smp", want: fmt.Sprintf("a JSON report (%v)", err), output: out}
	}
	if len(rep.Scenarios) == 0 {
		return result{}, &parseError{tool: "smp", want: "a scenario in the JSON report", output: out}
	}
	s := rep.Scenarios[0].Summary
	r := result{rps: s.AchievedRate, reqs: s.Requests, errors: s.Errors}
	if s.UncorrectedLatency.Count > 0 {
		p50, ok50 := s.UncorrectedLatency.Percentiles["p50"]
		p99, ok99 := s.UncorrectedLatency.Percentiles["p99"]
		if !ok50 || !ok99 {
			return result{}, &parseError{tool: "smp", want: "uncorrectedLatency percentiles p50 and p99", output: out}
		}
		r.hasLatency, r.p50, r.p99 = true, p50, p99
	}
	r.schedP99 = s.Latency.Percentiles["p99"]
	r.lagP99 = s.SendLag.Percentiles["p99"]
	return r, nil
}
