package main

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The files in testdata are real output of the versions run.sh installs,
// from short runs against nginx (status 200 unless the name says
// otherwise).

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// near says whether got is want to within a part in a million (the
// parsers scale units).
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want))
}

func TestParsers(t *testing.T) {
	parsers := map[string]func([]byte) (result, error){
		"smp": parseSmp, "wrk": parseWrk, "fortio": parseFortio, "hey": parseHey, "vegeta": parseVegeta,
	}
	tests := []struct {
		tool, file string
		want       result
	}{
		// smp open loop at 2000/s: latency columns from uncorrectedLatency,
		// schedule and lag from latency and sendLag.
		{"smp", "smp.json", result{rps: 2000, reqs: 2000, hasLatency: true, p50: 0.115199, p99: 2.752511, schedP99: 3.141631, lagP99: 1.286143}},
		// wrk closed loop: us converted to ms.
		{"wrk", "wrk.txt", result{rps: 72824.91, reqs: 80135, hasLatency: true, p50: 0.1, p99: 0.291}},
		// wrk counts non-2xx answers in a line of their own.
		{"wrk", "wrk-non2xx.txt", result{rps: 75858.58, reqs: 83355, errors: 83355, hasLatency: true, p50: 0.096, p99: 0.269}},
		// fortio at 2000/s: seconds converted to ms.
		{"fortio", "fortio.json", result{rps: 1997.486897814279, reqs: 2000, hasLatency: true, p50: 0.48617245872936476, p99: 0.9370533491745873}},
		// hey: the count is Requests/sec × Total, rounded.
		{"hey", "hey.txt", result{rps: 26465.4101, reqs: 26516, hasLatency: true, p50: 0.6, p99: 1.5}},
		// hey: every answer a 404.
		{"hey", "hey-non2xx.txt", result{rps: 26460.3176, reqs: 26495, errors: 26496, hasLatency: true, p50: 0.6, p99: 1.6}},
		// hey: no answer at all, only the error section and no latency.
		{"hey", "hey-refused.txt", result{rps: 11571.0708, reqs: 40, errors: 40}},
		// vegeta at 2000/s: ns converted to ms.
		{"vegeta", "vegeta.json", result{rps: 1999.4502151732343, reqs: 2000, hasLatency: true, p50: 0.153772, p99: 1.380476}},
		// vegeta: 404s are errors, as with the other tools.
		{"vegeta", "vegeta-non2xx.json", result{rps: 201.01687946476014, reqs: 200, errors: 200, hasLatency: true, p50: 0.26549, p99: 0.555769}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parsers[tt.tool](readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			if !near(got.rps, w.rps) || !near(got.reqs, w.reqs) || !near(got.errors, w.errors) || got.hasLatency != w.hasLatency ||
				!near(got.p50, w.p50) || !near(got.p99, w.p99) || !near(got.schedP99, w.schedP99) || !near(got.lagP99, w.lagP99) {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
		})
	}
}

func TestParsersReject(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) (result, error)
		out   string
	}{
		// Nothing at all, as when a tool dies before its summary.
		{"smp empty", parseSmp, ""},
		// A report with no scenario.
		{"smp no scenario", parseSmp, `{"scenarios":[]}`},
		// Answered requests but no percentiles.
		{"smp no percentiles", parseSmp, `{"scenarios":[{"summary":{"achievedRate":1,"requests":1,"uncorrectedLatency":{"count":1}}}]}`},
		// wrk run without --latency.
		{"wrk no latency", parseWrk, "  10 requests in 1.00s, 1KB read\nRequests/sec:  10.00\n"},
		// wrk's usage text.
		{"wrk usage", parseWrk, "Usage: wrk <options> <url>\n"},
		// fortio's JSON without the histogram.
		{"fortio no histogram", parseFortio, `{"ActualQPS": 10}`},
		// fortio asked for other percentiles.
		{"fortio no p99", parseFortio, `{"ActualQPS": 10, "DurationHistogram": {"Count": 10, "Percentiles": [{"Percentile": 50, "Value": 0.001}]}}`},
		// hey's usage text.
		{"hey usage", parseHey, "Usage: hey [options...] <url>\n"},
		// hey answered requests but printed no latency distribution.
		{"hey no latency", parseHey, "  Total:\t1.0000 secs\n  Requests/sec:\t10.0000\nStatus code distribution:\n  [200]\t10 responses\n"},
		// vegeta's text report instead of JSON.
		{"vegeta text", parseVegeta, "Requests      [total, rate, throughput]  2000, 1999.45, 1999.17\n"},
		// vegeta JSON from another version, without latencies.
		{"vegeta no latencies", parseVegeta, `{"requests": 10, "rate": 10}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.parse([]byte(tt.out))
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("got error %v, want a *parseError", err)
			}
			// The message names the tool and quotes what it printed.
			msg := err.Error()
			if !strings.HasPrefix(msg, pe.tool+": ") || !strings.Contains(msg, clip([]byte(tt.out))) {
				t.Errorf("message %q does not name the tool and quote its output", msg)
			}
		})
	}
}

func TestClip(t *testing.T) {
	if got := clip(nil); got != "(nothing)" {
		t.Errorf("clip(nil) = %q", got)
	}
	long := strings.Repeat("x", clipLen+10)
	if got := clip([]byte(long)); !strings.HasSuffix(got, "(cut; 2010 bytes in all)") || len(got) > clipLen+40 {
		t.Errorf("clip(long) = %q", got)
	}
}

func TestCPUListLen(t *testing.T) {
	tests := []struct {
		list string
		want int // 0: an error
	}{
		{"1", 1},        // one CPU
		{"1-3", 3},      // a range
		{"0,2-3", 3},    // a list with a range
		{"", 0},         // empty
		{"3-1", 0},      // a range backwards
		{"a", 0},        // not a number
		{"1,", 0},       // a trailing comma
		{"-1", 0},       // a negative CPU
		{"1-2-3", 0},    // two dashes
		{"0-1,4-7", 6},  // two ranges
		{"1,1", 2},      // repeats count twice, as taskset is given them
		{"10-11,12", 3}, // many digits
	}
	for _, tt := range tests {
		got, err := cpuListLen(tt.list)
		if tt.want == 0 && err == nil {
			t.Errorf("cpuListLen(%q) = %d, want an error", tt.list, got)
		}
		if tt.want != 0 && (err != nil || got != tt.want) {
			t.Errorf("cpuListLen(%q) = %d, %v; want %d", tt.list, got, err, tt.want)
		}
	}
}

// The parsers read other programs' output: whatever it is, they return a
// result or a *parseError, never panic.
func fuzzParser(f *testing.F, parse func([]byte) (result, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(readTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		if _, err := parse(out); err != nil {
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *parseError", err)
			}
		}
	})
}

func FuzzParseSmp(f *testing.F)    { fuzzParser(f, parseSmp, "smp.json") }
func FuzzParseWrk(f *testing.F)    { fuzzParser(f, parseWrk, "wrk.txt", "wrk-non2xx.txt") }
func FuzzParseFortio(f *testing.F) { fuzzParser(f, parseFortio, "fortio.json") }
func FuzzParseHey(f *testing.F) {
	fuzzParser(f, parseHey, "hey.txt", "hey-non2xx.txt", "hey-refused.txt")
}
func FuzzParseVegeta(f *testing.F) { fuzzParser(f, parseVegeta, "vegeta.json", "vegeta-non2xx.json") }
