package loadgen

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// testdata/wrk holds real output of Debian's wrk 4.1.0 (bench/peers
// captured it against nginx; wrk-non2xx.txt from a path nginx answered
// 404).

func TestParseWrk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file                      string
		requests, non2xx, bytes   int64
		seconds, rps              float64
		p50, p75, p90, p99, maxLt time.Duration
	}{
		{"wrk.txt", 80135, 0, 13222543 /* 12.61MB */, 1.10, 72824.91,
			100 * time.Microsecond, 144 * time.Microsecond, 201 * time.Microsecond, 291 * time.Microsecond, 2760 * time.Microsecond},
		{"wrk-non2xx.txt", 83355, 83355, 25669140 /* 24.48MB */, 1.10, 75858.58,
			96 * time.Microsecond, 141 * time.Microsecond, 194 * time.Microsecond, 269 * time.Microsecond, 2010 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			s, err := ParseWrk(readFixture(t, "wrk", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if s.Requests != tt.requests || s.Non2xx != tt.non2xx || s.Seconds != tt.seconds || s.RequestsPerSec != tt.rps {
				t.Errorf("got requests %d non-2xx %d in %vs at %v/s; want %d %d %v %v",
					s.Requests, s.Non2xx, s.Seconds, s.RequestsPerSec, tt.requests, tt.non2xx, tt.seconds, tt.rps)
			}
			if d := s.BytesRead - tt.bytes; d < -1 || d > 1 {
				t.Errorf("bytes read %d, want %d", s.BytesRead, tt.bytes)
			}
			want := []Point{{0.5, tt.p50}, {0.75, tt.p75}, {0.9, tt.p90}, {0.99, tt.p99}}
			if !slices.Equal(s.Percentiles, want) || s.Max != tt.maxLt {
				t.Errorf("percentiles %v max %v; want %v max %v", s.Percentiles, s.Max, want, tt.maxLt)
			}
			if s.Recorded != nil || s.Uncorrected != nil {
				t.Errorf("wrk has no spectrum; got %v %v", s.Recorded, s.Uncorrected)
			}
		})
	}
}

// A socket error line, as wrk 4 prints it (constructed: the captured
// runs had none).
const wrkSocketErrors = `Running 2s test @ http://127.0.0.1:8080/
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.50ms    2.00ms   1.00s    90.00%
    Req/Sec     1.00k   100.00     1.20k    70.00%
  Latency Distribution
     50%    1.00ms
     75%    2.00ms
     90%    3.00ms
     99%    5.00ms
  4000 requests in 2.00s, 500.00KB read
  Socket errors: connect 3, read 5, write 7, timeout 11
  Non-2xx or 3xx responses: 13
Requests/sec:   2000.00
Transfer/sec:    250.00KB
`

func TestParseWrkErrors(t *testing.T) {
	t.Parallel()
	s, err := ParseWrk([]byte(wrkSocketErrors))
	if err != nil {
		t.Fatal(err)
	}
	if s.Connect != 3 || s.Read != 5 || s.Write != 7 || s.Timeout != 11 || s.Non2xx != 13 || s.BytesRead != 500<<10 || s.Max != time.Second {
		t.Errorf("got %+v", s)
	}
	r := record.NewResult()
	wrkCounts(r, s)
	// Requests: the 4000 answered and the 15 lost to connect, read and
	// write errors; the 11 timeouts are among the answered.
	if r.Requests != 4015 || r.Sent != 4015 || r.Errors != 3+5+7+11+13 {
		t.Errorf("requests %d sent %d errors %d; want 4015, 4015, 39", r.Requests, r.Sent, r.Errors)
	}
	want := map[string]int64{"connection_refused": 3, "reset": 12, "timeout": 11, KindHTTPError: 13}
	if len(r.ErrorKinds) != len(want) {
		t.Errorf("error kinds %v, want %v", r.ErrorKinds, want)
	}
	for k, n := range want {
		if r.ErrorKinds[k] != n {
			t.Errorf("error kinds %v, want %v", r.ErrorKinds, want)
		}
	}
}

// Real wrk runs with errors (testdata/wrk/README.md): the counts and
// the histogram they give.
func TestWrkResultErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file                    string
		requests, errs, latency int64
		kinds                   map[string]int64
		p50                     time.Duration
	}{
		// 12 answered, 4 of them after the 1s timeout: out of the latency.
		{"wrk-timeout.txt", 12, 4, 8, map[string]int64{"timeout": 4}, 4120 * time.Microsecond},
		// 6573 answered and 3286 connections closed instead of an answer.
		{"wrk-read-errors.txt", 6573 + 3286, 3286, 6573, map[string]int64{"reset": 3286}, 646 * time.Microsecond},
		// A quarter answered 500.
		{"wrk-500-mixed.txt", 100503, 25124, 100503, map[string]int64{KindHTTPError: 25124}, 46 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			out := readFixture(t, "wrk", tt.file)
			s, err := ParseWrk(out)
			if err != nil {
				t.Fatal(err)
			}
			r, err := wrkResult(&wrkRun{summary: s, out: &Output{Stdout: out}, argv: []string{"wrk"}, window: 2 * time.Second}, wrkPlan())
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests != tt.requests || r.Errors != tt.errs || r.Latency.Count() != tt.latency {
				t.Errorf("requests %d errors %d latencies %d; want %d %d %d", r.Requests, r.Errors, r.Latency.Count(), tt.requests, tt.errs, tt.latency)
			}
			if len(r.ErrorKinds) != len(tt.kinds) {
				t.Errorf("error kinds %v, want %v", r.ErrorKinds, tt.kinds)
			}
			for k, n := range tt.kinds {
				if r.ErrorKinds[k] != n {
					t.Errorf("error kinds %v, want %v", r.ErrorKinds, tt.kinds)
				}
			}
			if p50 := r.Latency.Quantile(50); !withinHDR(p50, tt.p50) {
				t.Errorf("p50 %v, want wrk's %v", p50, tt.p50)
			}
		})
	}
}

func TestParseWrkRejects(t *testing.T) {
	t.Parallel()
	for name, out := range map[string]string{
		"empty":             "",
		"usage":             "Usage: wrk <options> <url>\n",
		"refused":           "unable to connect to 127.0.0.1:1 Connection refused\n",
		"without --latency": "  10 requests in 1.00s, 1.00KB read\nRequests/sec:     10.00\n",
		"no Requests/sec":   "  Latency Distribution\n     50%    1.00ms\n  10 requests in 1.00s, 1.00KB read\n",
		"huge count":        "  Latency Distribution\n     50%    1.00ms\n  99999999999999999999 requests in 1.00s, 1.00KB read\nRequests/sec: 1\n",
	} {
		if _, err := ParseWrk([]byte(out)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// wrkVersionOutput is what Debian's wrk prints for -v (it exits 1).
var wrkVersionOutput = &Output{ExitCode: 1, Stdout: []byte("wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer\nUsage: wrk <options> <url>\n")}

func wrkPlan() *Plan {
	return &Plan{URL: "http://127.0.0.1:8080/x", Protocol: "http1", Connections: 16,
		Duration: 6 * time.Second, Warmup: time.Second, Timeout: 1500 * time.Millisecond}
}

func TestWrkRun(t *testing.T) {
	t.Parallel()
	c := &replayCmder{rules: []replayRule{
		{match: hasArg("-v"), out: wrkVersionOutput},
		{match: anyArgv, out: &Output{Stdout: readFixture(t, "wrk", "wrk.txt"), CPU: 550 * time.Millisecond, Wall: 1100 * time.Millisecond}},
	}}
	p := wrkPlan()
	p.Method, p.Body = "POST", []byte("a\"b\n")
	p.Headers = map[string]string{"X-B": "2", "X-A": "1"}
	r, err := newWRK(Options{Path: "/opt/wrk", Cmder: c, Work: t.TempDir()}).Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	runs := c.measured()
	if len(runs) != 2 {
		t.Fatalf("ran %v; want a warmup run and a measured run", runs)
	}
	threads := strconv.Itoa(min(16, runtime.NumCPU()))
	for i, secs := range []string{"1s", "5s"} {
		got := runs[i]
		script := got[slices.Index(got, "-s")+1]
		want := []string{"/opt/wrk", "-t", threads, "-c", "16", "-d", secs, "--timeout", "2s", "--latency",
			"-s", script, "-H", "X-A: 1", "-H", "X-B: 2", "http://127.0.0.1:8080/x"}
		if !slices.Equal(got, want) {
			t.Errorf("run %d: argv\n%q\nwant\n%q", i, got, want)
		}
		if _, err := os.Stat(script); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the script %s is left behind (%v)", script, err)
		}
	}
	if len(c.files) != 2 || !strings.Contains(c.files[1], `wrk.method = "POST"`) || !strings.Contains(c.files[1], `wrk.body = "a\034b\010"`) {
		t.Errorf("scripts %q: want the method and the body, escaped", c.files)
	}
	g := r.Generator
	if g == nil || g.Name != WRK || g.Version != "debian/4.1.0-3+b2" || g.LatencyClock != record.ClockActual ||
		g.Histogram != record.HistReconstructed || g.Resolution != 10*time.Microsecond || g.Warmup != WarmupSeparate || !slices.Equal(g.Command, runs[1]) {
		t.Errorf("generator %+v", g)
	}
	if r.Requests != 80135 || r.Errors != 0 || r.BytesReceived == 0 || r.RequestedRate != 0 {
		t.Errorf("counts %+v", r.Counts)
	}
	if w := r.End.Sub(r.Start); w != 1100*time.Millisecond {
		t.Errorf("window %v, want wrk's 1.10s", w)
	}
	if r.Latency.Count() != 80135 || !withinHDR(r.Latency.Quantile(50), 100*time.Microsecond) ||
		!withinHDR(r.Latency.Quantile(99), 291*time.Microsecond) || !withinHDR(r.Latency.Max(), 2760*time.Microsecond) {
		t.Errorf("latency count %d p50 %v p99 %v max %v", r.Latency.Count(), r.Latency.Quantile(50), r.Latency.Quantile(99), r.Latency.Max())
	}
	// Timed from the actual send: the uncorrected histogram is the same.
	if r.Uncorrected.Count() != r.Latency.Count() || r.Uncorrected.Quantile(99) != r.Latency.Quantile(99) || r.SendLag.Count() != 0 {
		t.Errorf("uncorrected %d values, send lag %d", r.Uncorrected.Count(), r.SendLag.Count())
	}
	if r.Client.CPUTime != 550*time.Millisecond || math.Abs(r.Client.CPUMcores-500) > 1e-6 {
		t.Errorf("client %+v", r.Client)
	}
}

func TestWrkGetNoScript(t *testing.T) {
	t.Parallel()
	c := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{Stdout: readFixture(t, "wrk", "wrk.txt")}}}}
	p := wrkPlan()
	p.Warmup, p.Timeout = 0, 0
	if _, err := newWRK(Options{Cmder: c}).Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	runs := c.measured()
	if len(runs) != 1 || runs[0][0] != "wrk" || slices.Contains(runs[0], "-s") || slices.Contains(runs[0], "--timeout") || runs[0][6] != "6s" {
		t.Errorf("ran %q; want one 6s run of wrk without a script or timeout", runs)
	}
}

func TestWrkCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Plan)
		field string
	}{
		{"a rate", func(p *Plan) { p.Rate = 100 }, "load.rate"},
		{"h2c", func(p *Plan) { p.Protocol = "h2c" }, "load.protocol"},
		{"http2", func(p *Plan) { p.Protocol = "http2" }, "load.protocol"},
		{"grpc", func(p *Plan) { p.Protocol = "grpc" }, "load.protocol"},
		{"tcp", func(p *Plan) { p.Protocol = "tcp" }, "load.protocol"},
		{"client certificate", func(p *Plan) {
			p.URL = "https://127.0.0.1:8443/"
			p.TLS = &TLS{Cert: "c.pem", Key: "k.pem"}
		}, "load.tls.cert"},
		{"request mix", func(p *Plan) { p.RequestMix = true }, "load.requests"},
		{"new connection per request", func(p *Plan) { p.NewConnection = true }, "load.newConnection"},
		{"no connections", func(p *Plan) { p.Connections = 0 }, "load.connections"},
		{"fractional duration", func(p *Plan) { p.Duration = 5500 * time.Millisecond }, "load.duration"},
		{"fractional warmup", func(p *Plan) { p.Warmup = 500 * time.Millisecond }, "load.warmup"},
		{"warmup as long as the run", func(p *Plan) { p.Warmup = p.Duration }, "load.warmup"},
		{"not http", func(p *Plan) { p.URL = "tcp://127.0.0.1:1" }, "target URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := wrkPlan()
			tt.edit(p)
			g := newWRK(Options{Cmder: &replayCmder{}})
			err := g.Check(p)
			var pe *PlanError
			if !errors.As(err, &pe) || pe.Field != tt.field || pe.Tool != WRK {
				t.Fatalf("got %v, want a *PlanError on %s", err, tt.field)
			}
			// Run checks too, and runs nothing.
			c := &replayCmder{}
			if _, err := newWRK(Options{Cmder: c}).Run(context.Background(), p); !errors.As(err, &pe) || len(c.ran) != 0 {
				t.Errorf("Run: %v after running %v; want the PlanError and nothing run", err, c.ran)
			}
		})
	}
	if err := newWRK(Options{}).Check(wrkPlan()); err != nil {
		t.Errorf("a plain plan: %v", err)
	}
	var pe *PlanError
	p := wrkPlan()
	p.Rate = 100
	if err := newWRK(Options{}).Check(p); !errors.As(err, &pe) || !strings.Contains(pe.Why, "wrk2") || !strings.Contains(pe.Why, "builtin") {
		t.Errorf("a rate: %v; want it to point to wrk2 and builtin", err)
	}
}

func TestWrkToolErrors(t *testing.T) {
	t.Parallel()
	refused := &Output{ExitCode: 1, Stderr: []byte("unable to connect to 127.0.0.1:1 Connection refused\n")}
	garbage := &Output{Stdout: []byte("something else entirely\n")}
	tests := []struct {
		name     string
		rules    []replayRule
		exitCode int
		why      string
	}{
		{"exits non-zero", []replayRule{{match: hasArg("5s"), out: refused}, {match: anyArgv, out: &Output{}}}, 1, "exited with status 1"},
		{"unreadable output", []replayRule{{match: hasArg("5s"), out: garbage}, {match: anyArgv, out: &Output{}}}, 0, "cannot read its output"},
		{"warmup fails", []replayRule{{match: hasArg("1s"), out: refused}, {match: anyArgv, out: &Output{}}}, 1, "warmup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &replayCmder{rules: tt.rules}
			_, err := newWRK(Options{Cmder: c}).Run(context.Background(), wrkPlan())
			var te *ToolError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *ToolError", err)
			}
			if te.Tool != WRK || te.ExitCode != tt.exitCode || !strings.Contains(te.Why, tt.why) || len(te.Command) == 0 || te.Command[0] != "wrk" {
				t.Errorf("got %+v; want tool wrk, exit %d, saying %q", te, tt.exitCode, tt.why)
			}
			if !strings.Contains(te.Tail, "unable to connect") && !strings.Contains(te.Tail, "something else") {
				t.Errorf("tail %q does not hold the tool's output", te.Tail)
			}
		})
	}
	// Failing to start is an error, not a ToolError.
	c := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{}, err: errors.New("start wrk: no such file")}}}
	p := wrkPlan()
	p.Warmup = 0
	_, err := newWRK(Options{Cmder: c}).Run(context.Background(), p)
	var te *ToolError
	if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("got %v, want the start error", err)
	}
	// The operating system's Cmder looks the binary up first.
	if _, err := New(WRK, Options{Path: "/nonexistent/wrk"}); err != nil {
		t.Fatal(err)
	}
	g, _ := New(WRK, Options{Path: "/nonexistent/wrk"})
	if _, err := g.Run(context.Background(), wrkPlan()); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing binary: %v, want ErrNotFound", err)
	}
}

func FuzzParseWrk(f *testing.F) {
	for _, name := range []string{"wrk.txt", "wrk-non2xx.txt", "wrk-timeout.txt", "wrk-read-errors.txt", "wrk-500-mixed.txt"} {
		f.Add(readFixture(f, "wrk", name))
	}
	f.Add([]byte(wrkSocketErrors))
	f.Fuzz(func(t *testing.T, out []byte) {
		s, err := ParseWrk(out)
		if err != nil {
			return
		}
		if len(s.Percentiles) == 0 || s.Requests < 0 {
			t.Fatalf("parsed %+v", s)
		}
		// Normalizing what parsed returns a result or an error, never
		// panics.
		run := &wrkRun{summary: s, out: &Output{Stdout: out}, argv: []string{"wrk"}, window: time.Second}
		if r, err := wrkResult(run, wrkPlan()); err == nil && r.Latency.Count() != max(0, s.Requests-s.Timeout) {
			t.Fatalf("histogram of %d values for %d requests, %d timeouts", r.Latency.Count(), s.Requests, s.Timeout)
		}
	})
}

// TestWrkReal runs the real wrk against the built-in target answering
// after 2ms.
func TestWrkReal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs wrk for 4s")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not on PATH")
	}
	const delay = 2 * time.Millisecond
	srv := targettest.Start(t, target.Options{Addr: "127.0.0.1:0", Delay: delay})
	g, err := New(WRK, Options{Work: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	p := &Plan{URL: srv.URL() + "/", Protocol: "http1", Connections: 4, Duration: 3 * time.Second, Warmup: time.Second, Timeout: 2 * time.Second}
	r, err := g.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	// 4 connections, 2ms each: at most 2000/s, and surely more than 100/s.
	secs := r.WindowSeconds()
	if secs < 1.5 || secs > 3 {
		t.Errorf("window %.2fs, want about the 2s measured", secs)
	}
	if r.Requests < int64(100*secs) || r.Requests > int64(2100*secs) || r.Errors != 0 {
		t.Errorf("requests %d errors %d (%v) in %.2fs", r.Requests, r.Errors, r.ErrorKinds, secs)
	}
	if p50 := r.Latency.Quantile(50); p50 < delay || p50 > 20*delay {
		t.Errorf("p50 %v, want about the target's %v", p50, delay)
	}
	if r.Generator.Version == "" || r.Client.CPUTime <= 0 {
		t.Errorf("version %q, client %+v", r.Generator.Version, r.Client)
	}
	// The target saw the warmup and the measured run, no more.
	if n := int64(srv.Requests()); n < r.Requests {
		t.Errorf("target counted %d requests, wrk %d", n, r.Requests)
	}

	// A POST with a body goes through the Lua script wrk loads.
	p = &Plan{URL: srv.URL() + "/", Connections: 2, Duration: time.Second, Method: "POST", Body: []byte("hello \"wrk\"\n")}
	r, err = g.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Errors != 0 {
		t.Errorf("POST: requests %d errors %d (%v)", r.Requests, r.Errors, r.ErrorKinds)
	}
}

// A run stopped by its context keeps what wrk printed on SIGINT, marked
// partial; one stopped before its summary is an error.
func TestWrkCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := wrkPlan()
	p.Warmup = 0
	c := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{Stdout: readFixture(t, "wrk", "wrk.txt"), ExitCode: -1}, err: context.Canceled}}}
	r, err := newWRK(Options{Cmder: c}).Run(ctx, p)
	if err != nil || !r.Partial || r.Requests != 80135 {
		t.Fatalf("got %+v, %v; want the partial result", r, err)
	}
	c = &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{ExitCode: -1}, err: context.Canceled}}}
	if _, err := newWRK(Options{Cmder: c}).Run(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("stopped before the summary: %v, want context.Canceled", err)
	}
}
