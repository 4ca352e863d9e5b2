package loadgen

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// testdata/nighthawk is NOT captured from nighthawk_client (it cannot be
// built here): make_fixtures.py wrote it from Nighthawk's documented
// output schema (api/client/output.proto as proto3 JSON). See its README.

func TestParseNighthawk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file                  string
		count                 int64
		requests, errs, drops int64
		kinds                 map[string]int64
		bytes                 int64
		window                time.Duration
		p50Lo, p50Hi, p999Min time.Duration
	}{
		{file: "ok-rps1000-c4-concurrency2.json", count: 5000, requests: 5000, kinds: map[string]int64{}, bytes: 880000,
			window: 5*time.Second + 81*time.Microsecond, p50Lo: 150 * time.Microsecond, p50Hi: 220 * time.Microsecond},
		{file: "stall-rps200.json", count: 2000, requests: 2000, kinds: map[string]int64{}, bytes: 300000,
			window: 10*time.Second + 81*time.Microsecond, p50Lo: 300 * time.Microsecond, p50Hi: 500 * time.Microsecond, p999Min: 195 * time.Millisecond},
		{file: "errors-rps500.json", count: 1497, requests: 1200 + 30 + 250 + 12 + 5, errs: 30 + 250 + 12 + 5, drops: 7,
			kinds: map[string]int64{"http_4xx": 30, "http_5xx": 250, "connection_refused": 10, "timeout": 2, "reset": 5}, bytes: 250000,
			window: 3*time.Second + 81*time.Microsecond, p50Lo: 250 * time.Microsecond, p50Hi: 350 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			out := readFixture(t, "nighthawk", tt.file)
			c := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{Stdout: out}}}}
			p := nighthawkPlan()
			r, err := newNighthawk(Options{Cmder: c}).Run(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			nh, err := parseNighthawk(out)
			if err != nil {
				t.Fatal(err)
			}
			if r.Latency.Count() != tt.count || nh.latency.Count != tt.count {
				t.Errorf("latency count %d (statistic %d), want %d", r.Latency.Count(), nh.latency.Count, tt.count)
			}
			// At each percentile's count, its duration.
			for _, pt := range nh.latency.Points {
				if got := r.Latency.Quantile(pt.Quantile * 100); pt.Quantile > 0 && !withinHDR(got, pt.Value) {
					t.Errorf("at quantile %v: %v, want %v", pt.Quantile, got, pt.Value)
				}
			}
			if p50 := r.Latency.Quantile(50); p50 < tt.p50Lo || p50 > tt.p50Hi {
				t.Errorf("p50 %v, want within [%v, %v]", p50, tt.p50Lo, tt.p50Hi)
			}
			if p999 := r.Latency.Quantile(99.9); p999 < tt.p999Min {
				t.Errorf("p99.9 %v, want at least %v", p999, tt.p999Min)
			}
			if r.Requests != tt.requests || r.Sent != tt.requests || r.Errors != tt.errs || r.Dropped != tt.drops || r.BytesReceived != tt.bytes {
				t.Errorf("counts %+v; want requests %d errors %d dropped %d bytes %d", r.Counts, tt.requests, tt.errs, tt.drops, tt.bytes)
			}
			if len(r.ErrorKinds) != len(tt.kinds) {
				t.Errorf("error kinds %v, want %v", r.ErrorKinds, tt.kinds)
			}
			for k, n := range tt.kinds {
				if r.ErrorKinds[k] != n {
					t.Errorf("error kinds %v, want %v", r.ErrorKinds, tt.kinds)
				}
			}
			want := time.Date(2026, 11, 30, 10, 0, 0, 120000, time.UTC)
			if !r.Start.Equal(want) || r.End.Sub(r.Start) != tt.window {
				t.Errorf("window %v + %v, want %v + %v", r.Start, r.End.Sub(r.Start), want, tt.window)
			}
			g := r.Generator
			if g.Name != Nighthawk || g.Version != "0.3.0" || g.LatencyClock != record.ClockActual || g.Histogram != record.HistReconstructed ||
				g.Resolution != time.Nanosecond || g.Warmup != WarmupSeparate || len(g.Command) == 0 {
				t.Errorf("generator %+v", g)
			}
			// Timed from the actual send: the uncorrected histogram is the
			// same.
			if r.Uncorrected.Count() != r.Latency.Count() || r.Uncorrected.Quantile(99) != r.Latency.Quantile(99) {
				t.Errorf("uncorrected %d values, p99 %v; want the latency's", r.Uncorrected.Count(), r.Uncorrected.Quantile(99))
			}
		})
	}
}

func TestParseNighthawkShapes(t *testing.T) {
	t.Parallel()
	ok := string(readFixture(t, "nighthawk", "ok-rps1000-c4-concurrency2.json"))
	// Log lines before the JSON, as when stderr and stdout are one.
	if nh, err := parseNighthawk([]byte("[21:28:12.690578][27849][I] [source/client/client.cc:71] Detected 2 (v)CPUs with affinity..\n" + ok)); err != nil || nh.latency.Count != 5000 {
		t.Errorf("with log lines before: %v", err)
	}
	// Counts as JSON numbers rather than strings.
	nh, err := parseNighthawk([]byte(`{"results":[{"name":"global","counters":[{"name":"benchmark.http_2xx","value":3}],
		"statistics":[{"id":"benchmark_http_client.request_to_response","count":3,"percentiles":[
		{"percentile":0,"count":1,"duration":"0.001s"},{"percentile":0.5,"count":2,"duration":"0.002s"},{"percentile":1,"count":3,"duration":"0.003s"}]}]}]}`))
	if err != nil || nh.counters["benchmark.http_2xx"] != 3 || nh.latency.Count != 3 || len(nh.latency.Points) != 3 || nh.version != "" || !nh.start.IsZero() {
		t.Errorf("numbers: %+v, %v", nh, err)
	}
	for name, out := range map[string]string{
		"empty":           "",
		"human output":    "Nighthawk - A layer 7 protocol benchmarking tool.\n",
		"not JSON":        "{results: nope}",
		"no global":       `{"results":[{"name":"worker_0"}]}`,
		"no latency":      `{"results":[{"name":"global","statistics":[{"id":"sequencer.blocking","count":"0"}]}]}`,
		"bad duration":    `{"results":[{"name":"global","statistics":[{"id":"benchmark_http_client.request_to_response","count":"1","percentiles":[{"percentile":1,"count":"1","duration":"fast"}]}]}]}`,
		"count past all":  `{"results":[{"name":"global","statistics":[{"id":"benchmark_http_client.request_to_response","count":"1","percentiles":[{"percentile":1,"count":"2","duration":"1s"}]}]}]}`,
		"negative count":  `{"results":[{"name":"global","counters":[{"name":"x","value":"-1"}]}]}`,
		"bad window":      `{"results":[{"name":"global","execution_duration":"5 seconds"}]}`,
		"bad start":       `{"results":[{"name":"global","execution_start":"yesterday"}]}`,
		"negative length": `{"results":[{"name":"global","execution_duration":"-5s"}]}`,
	} {
		if _, err := parseNighthawk([]byte(out)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func nighthawkPlan() *Plan {
	return &Plan{URL: "http://127.0.0.1:10000/", Protocol: "http1", Rate: 1000, Arrival: "constant", Connections: 4,
		Duration: 6 * time.Second, Warmup: time.Second, Timeout: 1500 * time.Millisecond}
}

func TestNighthawkArgv(t *testing.T) {
	t.Parallel()
	// Workers: the most, up to the CPUs and connections, that split the
	// rate and the connections evenly.
	workers := map[int]int{1: 1, 2: 2, 3: 2, 4: 4}[min(runtime.NumCPU(), 4)]
	c := &replayCmder{rules: []replayRule{{match: anyArgv, out: &Output{Stdout: readFixture(t, "nighthawk", "ok-rps1000-c4-concurrency2.json")}}}}
	p := nighthawkPlan()
	p.Method, p.Headers, p.NewConnection = "put", map[string]string{"X-B": "2", "X-A": "1"}, true
	if _, err := newNighthawk(Options{Cmder: c, Path: "/opt/nh/nighthawk_client"}).Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	runs := c.measured()
	if len(runs) != 2 {
		t.Fatalf("ran %q; want a warmup and a measured run", runs)
	}
	for i, secs := range []string{"1", "5"} {
		want := []string{"/opt/nh/nighthawk_client", "--rps", strconv.Itoa(1000 / workers), "--connections", strconv.Itoa(4 / workers),
			"--concurrency", strconv.Itoa(workers), "--duration", secs, "--output-format", "json", "--no-default-failure-predicates",
			"--protocol", "http1", "--timeout", "2", "--request-method", "PUT", "--request-header", "X-A: 1", "--request-header", "X-B: 2",
			"--max-requests-per-connection", "1", "http://127.0.0.1:10000/"}
		if !slices.Equal(runs[i], want) {
			t.Errorf("run %d:\n%q\nwant\n%q", i, runs[i], want)
		}
	}
	// HTTP/2 without TLS: one stream per connection unless asked, and
	// several connections per worker need Nighthawk's experimental flag.
	p = &Plan{URL: "http://127.0.0.1:10000/", Protocol: "h2c", Rate: 7, Connections: 3, Duration: 2 * time.Second, Streams: 4}
	got := nighthawkArgv("nighthawk_client", p, time.Second)
	want := []string{"nighthawk_client", "--rps", "7", "--connections", "3", "--concurrency", "1", "--duration", "1", "--output-format", "json",
		"--no-default-failure-predicates", "--protocol", "http2", "--max-concurrent-streams", "4", "--experimental-h2-use-multiple-connections",
		"http://127.0.0.1:10000/"}
	if !slices.Equal(got, want) {
		t.Errorf("h2c:\n%q\nwant\n%q", got, want)
	}
}

func TestNighthawkCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Plan)
		field string
	}{
		{"no rate", func(p *Plan) { p.Rate = 0 }, "load.rate"},
		{"fractional rate", func(p *Plan) { p.Rate = 99.5 }, "load.rate"},
		{"poisson", func(p *Plan) { p.Arrival = "poisson" }, "load.arrival.type"},
		{"grpc", func(p *Plan) { p.Protocol = "grpc" }, "load.protocol"},
		{"tcp", func(p *Plan) { p.Protocol = "tcp" }, "load.protocol"},
		{"h2c over https", func(p *Plan) { p.Protocol, p.URL = "h2c", "https://127.0.0.1:1/" }, "load.protocol"},
		{"http2 over http", func(p *Plan) { p.Protocol = "http2" }, "load.protocol"},
		{"client certificate", func(p *Plan) { p.URL, p.TLS = "https://127.0.0.1:1/", &TLS{Cert: "c.pem", Key: "k.pem"} }, "load.tls.cert"},
		{"request mix", func(p *Plan) { p.RequestMix = true }, "load.requests"},
		{"PATCH", func(p *Plan) { p.Method = "PATCH" }, "load.request.method"},
		{"a body", func(p *Plan) { p.Method, p.Body = "POST", []byte("{}") }, "load.request.body"},
		{"no connections", func(p *Plan) { p.Connections = 0 }, "load.connections"},
		{"fractional duration", func(p *Plan) { p.Duration = 2500 * time.Millisecond }, "load.duration"},
		{"not http", func(p *Plan) { p.URL = "127.0.0.1:80" }, "target URL"},
	}
	for _, tt := range tests {
		p := nighthawkPlan()
		tt.edit(p)
		var pe *PlanError
		c := &replayCmder{}
		if err := newNighthawk(Options{Cmder: c}).Check(p); !errors.As(err, &pe) || pe.Field != tt.field || pe.Tool != Nighthawk {
			t.Errorf("%s: got %v, want a *PlanError on %s", tt.name, err, tt.field)
		}
		if _, err := newNighthawk(Options{Cmder: c}).Run(context.Background(), p); !errors.As(err, &pe) || len(c.ran) != 0 {
			t.Errorf("%s: Run gave %v after running %q; want the PlanError and nothing run", tt.name, err, c.ran)
		}
	}
	for _, proto := range []string{"", "http1", "h2c"} {
		p := nighthawkPlan()
		p.Protocol = proto
		if err := newNighthawk(Options{}).Check(p); err != nil {
			t.Errorf("protocol %q: %v", proto, err)
		}
	}
	p := nighthawkPlan()
	p.Protocol, p.URL = "http2", "https://127.0.0.1:1/"
	if err := newNighthawk(Options{}).Check(p); err != nil {
		t.Errorf("http2 over https: %v", err)
	}
}

func TestNighthawkToolErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		out  *Output
		exit int
		why  string
	}{
		{"exits non-zero", &Output{ExitCode: 1, Stderr: []byte("[E] Bad argument: --rps\n")}, 1, "exited with status 1"},
		{"human output", &Output{Stdout: []byte("Nighthawk - A layer 7 protocol benchmarking tool.\n")}, 0, "cannot read its output"},
		{"falling percentiles", &Output{Stdout: []byte(`{"results":[{"name":"global","statistics":[{"id":"benchmark_http_client.request_to_response","count":"2",
			"percentiles":[{"percentile":0.5,"count":"1","duration":"0.002s"},{"percentile":1,"count":"2","duration":"0.001s"}]}]}]}`)}, 0, "percentiles"},
	} {
		c := &replayCmder{rules: []replayRule{{match: anyArgv, out: tt.out}}}
		p := nighthawkPlan()
		p.Warmup = 0
		_, err := newNighthawk(Options{Cmder: c}).Run(context.Background(), p)
		var te *ToolError
		if !errors.As(err, &te) || te.Tool != Nighthawk || te.ExitCode != tt.exit || !strings.Contains(te.Why, tt.why) ||
			len(te.Command) == 0 || te.Command[0] != "nighthawk_client" || te.Tail == "(nothing)" {
			t.Errorf("%s: got %v; want a ToolError, exit %d, saying %q", tt.name, err, tt.exit, tt.why)
		}
	}
}

func FuzzParseNighthawk(f *testing.F) {
	for _, name := range []string{"ok-rps1000-c4-concurrency2.json", "stall-rps200.json", "errors-rps500.json"} {
		f.Add(readFixture(f, "nighthawk", name))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		nh, err := parseNighthawk(out)
		if err != nil {
			return
		}
		if nh.latency.Count < 0 || nh.window < 0 {
			t.Fatalf("parsed %+v", nh)
		}
		h, err := FromSpectrum(nh.latency.Points, nh.latency.Count)
		if err == nil && h.Count() != nh.latency.Count {
			t.Fatalf("histogram of %d values for a statistic of %d", h.Count(), nh.latency.Count)
		}
	})
}
