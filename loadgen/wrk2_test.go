package loadgen

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// testdata/wrk2 holds real output of wrk2 (see its README): runs at a
// fixed rate against nginx, a server that stalls, nginx answering 503,
// and nothing listening.

func spectrumMs(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func TestParseWrk2(t *testing.T) {
	t.Parallel()
	// at is a spectrum row: TotalCount values are at or below Value.
	type at struct {
		n int64
		v time.Duration
	}
	tests := []struct {
		file     string
		requests int64
		non2xx   int64
		count    int64 // the recorded spectrum's Total count
		// The spectrum's rows at percentiles 0.5, 0.990625 and 0.999023
		// (p50, about p99, about p99.9).
		rows []at
		// "50.000%" of the Latency Distribution, which wrk2 prints to two
		// decimals.
		p50 time.Duration
		// The uncorrected spectrum (--u_latency); count 0: none.
		ucount               int64
		urows                []at
		wantMaxAbove, maxTop time.Duration
	}{
		{file: "nginx-R2000-c8-latency.txt", requests: 9971, count: 9968, rows: []at{{4984, spectrumMs(0.813)}, {9875, spectrumMs(1.635)}, {9959, spectrumMs(2.119)}},
			p50: spectrumMs(0.813), wantMaxAbove: spectrumMs(3.6), maxTop: spectrumMs(3.609)},
		{file: "nginx-R5000-t2-c16-u_latency.txt", requests: 24920, count: 24914, rows: []at{{12463, spectrumMs(0.796)}, {24682, spectrumMs(1.531)}, {24890, spectrumMs(3.557)}},
			p50: spectrumMs(0.796), ucount: 24914, urows: []at{{12687, spectrumMs(0.040)}, {24686, spectrumMs(0.137)}, {24890, spectrumMs(0.839)}}, wantMaxAbove: spectrumMs(6.7), maxTop: spectrumMs(6.743)},
		// The stall holds the requests of the first 200ms of every 2s:
		// the corrected tail keeps them.
		{file: "stall-R2000-c8-latency.txt", requests: 19971, count: 19969, rows: []at{{9994, spectrumMs(0.887)}, {19784, spectrumMs(183.807)}, {19950, spectrumMs(200.191)}},
			p50: spectrumMs(0.89), wantMaxAbove: spectrumMs(200), maxTop: spectrumMs(201.983)},
		{file: "status503-R500-c4-latency.txt", requests: 1498, non2xx: 1498, count: 1497, rows: []at{{750, spectrumMs(0.818)}, {1483, spectrumMs(1.648)}, {1496, spectrumMs(2.261)}},
			p50: spectrumMs(0.818), wantMaxAbove: spectrumMs(4.3), maxTop: spectrumMs(4.323)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			out := readFixture(t, "wrk2", tt.file)
			s, err := ParseWrk2(out)
			if err != nil {
				t.Fatal(err)
			}
			if s.Requests != tt.requests || s.Non2xx != tt.non2xx || s.Recorded.Count != tt.count {
				t.Errorf("requests %d non-2xx %d count %d; want %d %d %d", s.Requests, s.Non2xx, s.Recorded.Count, tt.requests, tt.non2xx, tt.count)
			}
			run := &wrkRun{summary: s, out: &Output{Stdout: out}, argv: []string{"wrk2"}, window: 5 * time.Second, version: "4.0.0"}
			r, err := wrk2Result(run, &Plan{Rate: 2000})
			if err != nil {
				t.Fatal(err)
			}
			if r.Latency.Count() != tt.count {
				t.Errorf("latency count %d, want the spectrum's %d", r.Latency.Count(), tt.count)
			}
			for _, row := range tt.rows {
				if got := r.Latency.Quantile(100 * float64(row.n) / float64(tt.count)); !withinHDR(got, row.v) {
					t.Errorf("latency at %d of %d: %v, want the spectrum's %v", row.n, tt.count, got, row.v)
				}
			}
			// Every row of the spectrum: at its count, its value.
			for _, p := range s.Recorded.Points {
				if got := r.Latency.Quantile(p.Quantile * 100); p.Quantile > 0 && !withinHDR(got, p.Value) {
					t.Errorf("latency at row %v: %v, want %v", p.Quantile, got, p.Value)
				}
			}
			// The median wrk2 printed, to its two decimals and the
			// interpolation between rows.
			if got := r.Latency.Quantile(50); math.Abs(float64(got-tt.p50)) > 0.01*float64(tt.p50)+float64(5*time.Microsecond) {
				t.Errorf("p50 %v, want wrk2's %v", got, tt.p50)
			}
			if mx := r.Latency.Max(); mx < tt.wantMaxAbove || !withinHDR(mx, tt.maxTop) {
				t.Errorf("max %v, want the spectrum's top %v", mx, tt.maxTop)
			}
			if r.Uncorrected.Count() != tt.ucount {
				t.Errorf("uncorrected count %d, want %d", r.Uncorrected.Count(), tt.ucount)
			}
			for _, row := range tt.urows {
				if got := r.Uncorrected.Quantile(100 * float64(row.n) / float64(tt.ucount)); !withinHDR(got, row.v) {
					t.Errorf("uncorrected at %d of %d: %v, want the spectrum's %v", row.n, tt.ucount, got, row.v)
				}
			}
			if r.Requests != tt.requests || r.Errors != tt.non2xx || r.ErrorKinds[KindHTTPError] != tt.non2xx {
				t.Errorf("requests %d errors %d (%v); want %d and %d", r.Requests, r.Errors, r.ErrorKinds, tt.requests, tt.non2xx)
			}
			g := r.Generator
			if g.Name != WRK2 || g.LatencyClock != record.ClockIntended || g.Histogram != record.HistReconstructed || g.Resolution != time.Microsecond {
				t.Errorf("generator %+v", g)
			}
		})
	}
}

func TestParseWrk2Rejects(t *testing.T) {
	t.Parallel()
	// Nothing listening: wrk2 prints one line and exits.
	if _, err := ParseWrk2(readFixture(t, "wrk2", "refused-R1000.txt")); err == nil {
		t.Error("refused: no error")
	}
	// wrk's output has no spectrum.
	if _, err := ParseWrk2(readFixture(t, "wrk", "wrk.txt")); err == nil || !strings.Contains(err.Error(), "spectrum") {
		t.Errorf("wrk's output: %v, want an error on the spectrum", err)
	}
	// A spectrum cut before its total.
	out := string(readFixture(t, "wrk2", "nginx-R2000-c8-latency.txt"))
	cut := strings.Replace(out, "#[Max     =        3.608, Total count    =         9968]", "", 1)
	if _, err := ParseWrk2([]byte(cut)); err == nil {
		t.Error("no total count: no error")
	}
	// Values that fall as the percentile grows cannot be a spectrum.
	bad := strings.Replace(out, "       0.813     0.500000         4984         2.00", "       9.813     0.500000         4984         2.00", 1)
	s, err := ParseWrk2([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	var te *ToolError
	if _, err := wrk2Result(&wrkRun{summary: s, argv: []string{"wrk2"}}, &Plan{Rate: 1}); !errors.As(err, &te) || !strings.Contains(te.Why, "grow") {
		t.Errorf("falling spectrum: %v, want a ToolError", err)
	}
}

func wrk2Plan() *Plan {
	return &Plan{URL: "http://127.0.0.1:18080/", Protocol: "http1", Rate: 2000, Arrival: "constant", Connections: 8, Duration: 5 * time.Second}
}

func TestWrk2Run(t *testing.T) {
	t.Parallel()
	c := &replayCmder{rules: []replayRule{
		// wrk's -v format; wrk2 keeps wrk's version line.
		{match: hasArg("-v"), out: &Output{ExitCode: 1, Stdout: []byte("wrk 4.0.0 [epoll] Copyright (C) 2012 Will Glozer\n")}},
		{match: anyArgv, out: &Output{Stdout: readFixture(t, "wrk2", "stall-R2000-c8-latency.txt")}},
	}}
	r, err := newWRK2(Options{Cmder: c}).Run(context.Background(), wrk2Plan())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"wrk2", "-t", strconv.Itoa(min(8, runtime.NumCPU())), "-c", "8", "-d", "5s", "-R", "2000", "--u_latency", "--latency", "http://127.0.0.1:18080/"}
	if runs := c.measured(); len(runs) != 1 || !slices.Equal(runs[0], want) {
		t.Errorf("ran %q, want %q", runs, want)
	}
	if r.Generator.Version != "4.0.0" || r.RequestedRate != 2000 || r.End.Sub(r.Start) != 10*time.Second {
		t.Errorf("version %q rate %v window %v", r.Generator.Version, r.RequestedRate, r.End.Sub(r.Start))
	}
	if p999 := r.Latency.Quantile(99.9); p999 < 190*time.Millisecond {
		t.Errorf("p99.9 %v: the stall's ~200ms tail is lost", p999)
	}
	// The binary given in Options.Path is the one run.
	c2 := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{Stdout: readFixture(t, "wrk2", "nginx-R2000-c8-latency.txt")}}}}
	if _, err := newWRK2(Options{Cmder: c2, Path: "/usr/local/bin/wrk"}).Run(context.Background(), wrk2Plan()); err != nil {
		t.Fatal(err)
	}
	if runs := c2.measured(); len(runs) != 1 || runs[0][0] != "/usr/local/bin/wrk" {
		t.Errorf("ran %q, want /usr/local/bin/wrk", runs)
	}
}

func TestWrk2Refused(t *testing.T) {
	t.Parallel()
	refused := readFixture(t, "wrk2", "refused-R1000.txt")
	for _, exit := range []int{1, 0} {
		c := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{ExitCode: exit, Stderr: refused}}}}
		_, err := newWRK2(Options{Cmder: c}).Run(context.Background(), wrk2Plan())
		var te *ToolError
		if !errors.As(err, &te) || te.Tool != WRK2 || te.ExitCode != exit || !strings.Contains(te.Tail, "Connection refused") {
			t.Errorf("exit %d: got %v, want a ToolError with the tool's words", exit, err)
		}
	}
}

func TestWrk2Check(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Plan)
		field string
	}{
		{"no rate", func(p *Plan) { p.Rate = 0 }, "load.rate"},
		{"fractional rate", func(p *Plan) { p.Rate = 2.5 }, "load.rate"},
		{"poisson arrivals", func(p *Plan) { p.Arrival = "poisson" }, "load.arrival.type"},
		{"h2c", func(p *Plan) { p.Protocol = "h2c" }, "load.protocol"},
		{"fractional duration", func(p *Plan) { p.Duration = 1500 * time.Millisecond }, "load.duration"},
	}
	for _, tt := range tests {
		p := wrk2Plan()
		tt.edit(p)
		var pe *PlanError
		if err := newWRK2(Options{}).Check(p); !errors.As(err, &pe) || pe.Field != tt.field || pe.Tool != WRK2 {
			t.Errorf("%s: got %v, want a *PlanError on %s", tt.name, err, tt.field)
		}
	}
	if err := newWRK2(Options{}).Check(wrk2Plan()); err != nil {
		t.Errorf("a plain plan: %v", err)
	}
}

func FuzzParseWrk2(f *testing.F) {
	for _, name := range []string{"nginx-R2000-c8-latency.txt", "nginx-R5000-t2-c16-u_latency.txt", "stall-R2000-c8-latency.txt",
		"status503-R500-c4-latency.txt", "refused-R1000.txt"} {
		f.Add(readFixture(f, "wrk2", name))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		s, err := ParseWrk2(out)
		if err != nil {
			return
		}
		if s.Recorded == nil {
			t.Fatalf("parsed %+v without its spectrum", s)
		}
		run := &wrkRun{summary: s, out: &Output{Stdout: out}, argv: []string{"wrk2"}, window: time.Second}
		if r, err := wrk2Result(run, &Plan{Rate: 1}); err == nil && r.Latency.Count() != s.Recorded.Count {
			t.Fatalf("histogram of %d values for a spectrum of %d", r.Latency.Count(), s.Recorded.Count)
		}
	})
}
