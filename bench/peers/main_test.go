package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeGen returns what it is given, for testing runOne and printTables.
type fakeGen struct {
	n    string
	r    result
	err  error
	open bool
}

func (g fakeGen) name() string { return g.n }
func (g fakeGen) run(context.Context, *bench, string, int) (result, error) {
	return g.r, g.err
}
func (g fakeGen) openLoop() (bool, string) { return g.open, "it cannot" }

func TestRunOne(t *testing.T) {
	ok := result{rps: 10, reqs: 100}
	tests := []struct {
		name      string
		g         fakeGen
		wantErr   bool   // the benchmark stops
		wantFail  string // the run is kept as failed, with this in the reason
		wantValue bool   // the run is kept as it came
	}{
		// A good run is kept as it is.
		{"ok", fakeGen{n: "a", r: ok}, false, "", true},
		// Output the parser cannot read stops the benchmark.
		{"unparsed", fakeGen{n: "a", err: &parseError{tool: "a", want: "x"}}, true, "", false},
		// A tool that exits with an error fails that run only.
		{"exit", fakeGen{n: "a", err: errors.New("a: exit status 1")}, false, "exit status 1", false},
		// No request completed: a failed run.
		{"none", fakeGen{n: "a", r: result{rps: 0}}, false, "no request completed", false},
		// Every request failed: a failed run.
		{"all errors", fakeGen{n: "a", r: result{rps: 10, reqs: 100, errors: 100}}, false, "every request failed", false},
		// Some requests failed: kept, the notes count them.
		{"some errors", fakeGen{n: "a", r: result{rps: 10, reqs: 100, errors: 1}}, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := runOne(context.Background(), tt.g, &bench{}, "http://127.0.0.1:1/", 0)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if tt.wantFail != "" && !strings.Contains(r.failed, tt.wantFail) {
				t.Errorf("failed %q, want it to say %q", r.failed, tt.wantFail)
			}
			if tt.wantValue && r != tt.g.r {
				t.Errorf("got %+v, want %+v", r, tt.g.r)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := runOne(ctx, fakeGen{n: "a", r: ok}, &bench{}, "", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: got %v", err)
	}
}

func TestPrintTables(t *testing.T) {
	gens := []generator{
		fakeGen{n: "smp", open: true},
		fakeGen{n: "closedonly"},
		fakeGen{n: "peer", open: true},
	}
	closed := map[string][]result{
		"smp":        {{rps: 200, reqs: 2000, hasLatency: true, p50: 0.1, p99: 1, serverBusy: 0.5, serverMeasured: true}, {rps: 100, reqs: 1000, serverBusy: 0.97, serverMeasured: true}, {rps: 300, reqs: 3000, serverBusy: 0.9, serverMeasured: true}},
		"closedonly": {{rps: 100, reqs: 1000}, {failed: "boom"}},
		"peer":       {{rps: 400, reqs: 4000, errors: 3}},
	}
	open := map[string][]result{
		"smp":  {{rps: 50, reqs: 500, hasLatency: true, p50: 0.2, p99: 2, schedP99: 3, lagP99: 1}},
		"peer": {{rps: 50, reqs: 500, hasLatency: true, p50: 0.3, p99: 4}},
	}
	var buf bytes.Buffer
	printTables(&buf, options{runs: 3, conns: 16, rate: 50, serverCPU: "0", clientCPU: "1"}, gens, closed, open)
	out := buf.String()
	for _, want := range []string{
		"| smp | 200 | - | 0.00 | 90 | 0.100 | 1.000 |",           // median of three runs; latency from the one run that has it
		"| closedonly | 100 | 2.00 | 0.00 | n/a | n/a | n/a |",    // the failed run is left out; the server not measured
		"| peer | 400 | 0.50 | 0.00 | n/a | n/a | n/a |",          // ratio smp/peer
		"| smp | 50 | 0.00 | - | 0.200 | 2.000 | 3.000 | 1.000 |", // schedule and lag for smp only
		"| peer | 50 | 0.00 | - | 0.300 | 4.000 | n/a | n/a |",    // no CPU, so no ratio
		"Not in the open-loop table: closedonly, because it cannot.",
		"closedonly: 1 of 2 closed-loop runs failed",
		"peer: in 1 of 1 closed-loop runs requests failed or got a non-2xx status (at most 3 in one run).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| closedonly | 100 | 0.00 |") {
		t.Errorf("closed-loop-only generator in the open-loop table:\n%s", out)
	}
}

func TestGenerators(t *testing.T) {
	gens, err := options{only: "wrk, smp-uring"}.generators()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(gens), ","); got != "smp,smp-uring,wrk" {
		t.Errorf("-generators 'wrk, smp-uring' runs %s, want smp,smp-uring,wrk (smp always, in the order of a round)", got)
	}
	if gens, _ := (options{}).generators(); len(gens) != len(options{}.all()) {
		t.Errorf("no -generators runs %d, want all %d", len(gens), len(options{}.all()))
	}
	if _, err := (options{only: "wrk2"}).generators(); err == nil || !strings.Contains(err.Error(), `"wrk2"`) {
		t.Errorf("unknown generator: %v, want an error naming it", err)
	}
}
