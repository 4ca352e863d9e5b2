package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// fortioGen is fortio's load command, which writes a JSON result file.
// Its -qps is split evenly across the -c threads, each keeping its own
// schedule and catching up when late.
type fortioGen struct{ bin string }

var _ generator = fortioGen{}

func (fortioGen) name() string { return "fortio" }

func (fortioGen) openLoop() (bool, string) { return true, "" }

// run: fortio load -quiet -qps R|0 -c C -t D -json FILE URL
func (g fortioGen) run(ctx context.Context, b *bench, url string, rate int) (result, error) {
	js := filepath.Join(b.work, "fortio.json")
	_, cpu, err := b.measure(ctx, g.bin, "load", "-quiet", "-qps", strconv.Itoa(rate), "-c", strconv.Itoa(b.conns),
		"-t", b.duration.String(), "-json", js, url)
	if err != nil {
		return result{}, err
	}
	data, err := os.ReadFile(js)
	if err != nil {
		return result{}, fmt.Errorf("fortio: read its result file: %w", err)
	}
	_ = os.Remove(js) // read already; the work directory goes at the end anyway
	r, err := parseFortio(data)
	r.cpu = cpu
	return r, err
}

// parseFortio reads fortio's JSON result: ActualQPS, the duration
// histogram's count and percentiles (seconds), and the count per HTTP
// status (RetCodes; -1 for a socket error).
func parseFortio(data []byte) (result, error) {
	var f struct {
		ActualQPS         *float64
		DurationHistogram *struct {
			Count       float64
			Percentiles []struct{ Percentile, Value float64 }
		}
		RetCodes map[string]float64
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return result{}, &parseError{tool: "fortio", want: fmt.Sprintf("a JSON result (%v)", err), output: data}
	}
	if f.ActualQPS == nil || f.DurationHistogram == nil {
		return result{}, &parseError{tool: "fortio", want: "ActualQPS and DurationHistogram in the JSON result", output: data}
	}
	r := result{rps: *f.ActualQPS, reqs: f.DurationHistogram.Count}
	for code, n := range f.RetCodes {
		if !strings.HasPrefix(code, "2") {
			r.errors += n
		}
	}
	var got int
	for _, p := range f.DurationHistogram.Percentiles {
		switch p.Percentile {
		case 50:
			r.p50, got = p.Value*1e3, got|1
		case 99:
			r.p99, got = p.Value*1e3, got|2
		}
	}
	if got != 3 {
		return result{}, &parseError{tool: "fortio", want: "the 50th and 99th DurationHistogram percentiles", output: data}
	}
	r.hasLatency = true
	return r, nil
}
