package loadgen

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// heyFake answers hey by writing file to its standard output.
func heyFake(t *testing.T, file string) *fakeCmder {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeCmder{respond: func(c Cmd) (*Output, error) {
		if c.Stdout == nil {
			return &Output{Stdout: data}, nil
		}
		_, err := c.Stdout.Write(data)
		return &Output{}, err
	}}
}

func TestHeyRunArgs(t *testing.T) {
	f := heyFake(t, "testdata/hey/run.csv")
	p := basePlan()
	p.Duration = 2 * time.Second
	p.Body, p.Method = []byte("hello"), "POST"
	p.Headers["Host"] = "example.com"
	p.NewConnection = true
	g, err := New(Hey, Options{Cmder: f, Work: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 1 || f.calls[0].Stdout == nil {
		t.Fatalf("got %d runs, want one with its output to a file", len(f.calls))
	}
	a := f.calls[0].Argv
	for _, c := range []struct{ flag, want string }{
		{"-z", "2s"}, // the whole run: the warmup is cut by offset
		{"-c", "4"},
		{"-q", "50"}, // per worker: 200/s over 4 connections
		{"-t", "2"},  // whole seconds
		{"-o", "csv"},
		{"-m", "POST"},
		{"-host", "example.com"},
	} {
		if got := flagValue(a, c.flag); got != c.want {
			t.Errorf("%s: got %q, want %q in %q", c.flag, got, c.want, a)
		}
	}
	if got := flagValues(a, "-H"); !slices.Equal(got, []string{"X-A: 1", "X-B: 2"}) {
		t.Errorf("headers: got %q (Host goes to -host)", got)
	}
	if flagValue(a, "-D") == "" || !slices.Contains(a, "-disable-keepalive") || a[len(a)-1] != p.URL {
		t.Errorf("argv %q: want -D, -disable-keepalive and the URL last", a)
	}
	gen := r.Generator
	if gen.Name != Hey || gen.Version != "" || gen.LatencyClock != record.ClockActual || gen.Resolution != 100*time.Microsecond ||
		gen.Histogram != record.HistNative || gen.Warmup != WarmupByOffset || !slices.Equal(gen.Command, a) {
		t.Errorf("Generator: got %+v", gen)
	}
	// The captured run: 200 requests sent in its second second.
	if r.Requests != 200 || r.Errors != 50 {
		t.Errorf("got %d requests, %d errors; want 200, 50", r.Requests, r.Errors)
	}
}

func TestHeyClosedLoopAndProtocols(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(*Plan)
		has    []string
		hasNot []string
	}{
		{"closed loop", func(p *Plan) { p.Rate = 0 }, nil, []string{"-q"}},
		{"http2", func(p *Plan) { p.Protocol, p.URL = "http2", "https://h:1/" }, []string{"-h2"}, nil},
		{"no timeout", func(p *Plan) { p.Timeout = 0 }, nil, []string{"-t"}},
		{"insecure TLS", func(p *Plan) { p.URL, p.TLS = "https://h:1/", &TLS{Insecure: true} }, nil, []string{"-h2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := heyFake(t, "testdata/hey/run.csv")
			p := basePlan()
			c.edit(p)
			if _, err := newHey(Options{Cmder: f, Work: t.TempDir()}).Run(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			a := f.calls[0].Argv
			for _, fl := range c.has {
				if !slices.Contains(a, fl) {
					t.Errorf("argv %q: want %s", a, fl)
				}
			}
			for _, fl := range c.hasNot {
				if slices.Contains(a, fl) {
					t.Errorf("argv %q: want no %s", a, fl)
				}
			}
		})
	}
}

func TestHeyCheck(t *testing.T) {
	for _, c := range []struct {
		edit  func(*Plan)
		field string
	}{
		{func(p *Plan) { p.Protocol = "h2c" }, "load.protocol"},
		{func(p *Plan) { p.Protocol, p.URL = "grpc", "grpc://h:1" }, "load.protocol"},
		{func(p *Plan) { p.Protocol, p.URL = "tcp", "tcp://h:1" }, "load.protocol"},
		{func(p *Plan) { p.Protocol = "http2" }, "workload.url"}, // http2 needs https
		{func(p *Plan) { p.Arrival = "sine" }, "load.arrival"},
		{func(p *Plan) { p.RequestMix = true }, "load.requests"},
		{func(p *Plan) { p.Streams = 2 }, "load.streams"},
		{func(p *Plan) { p.Timeout = 1500 * time.Millisecond }, "load.timeout"},
		{func(p *Plan) { p.URL, p.TLS = "https://h:1/", &TLS{Cert: "c.pem", Key: "k.pem"} }, "load.tls.cert"},
		{func(p *Plan) { p.URL, p.TLS = "https://h:1/", &TLS{CACert: "ca.pem"} }, "load.tls.caCert"},
		// 30000/s over 1 connection: -q 30000 paces 33 µs apart, 30303 requests/s.
		{func(p *Plan) { p.Rate, p.Connections = 30000, 1 }, "load.rate"},
		{func(p *Plan) { p.Warmup = p.Duration }, "load.duration"},
		// 10000/s for 100 s: more responses than hey keeps.
		{func(p *Plan) { p.Rate, p.Duration = 10000, 100*time.Second }, "load.duration"},
	} {
		p := basePlan()
		c.edit(p)
		f := &fakeCmder{}
		g := newHey(Options{Cmder: f})
		checkPlanError(t, g.Check(p), c.field)
		_, err := g.Run(context.Background(), p)
		checkPlanError(t, err, c.field)
		if len(f.calls) != 0 {
			t.Errorf("%s: a rejected plan ran %q", c.field, f.argvs(""))
		}
	}
	// Rates hey paces exactly: per worker, a whole number of µs apart.
	for _, c := range []struct {
		rate  float64
		conns int
	}{{200, 4}, {1000, 8}, {1000, 3}, {300, 7}, {1, 1}} {
		p := basePlan()
		p.Rate, p.Connections = c.rate, c.conns
		if err := newHey(Options{}).Check(p); err != nil {
			t.Errorf("rate %v over %d: %v", c.rate, c.conns, err)
		}
	}
}

func TestHeyToolErrors(t *testing.T) {
	p := basePlan()
	_, err := newHey(Options{Cmder: &fakeCmder{respond: failing(1, "", "flag provided but not defined: -z")}, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Hey, 1, "-z")
	// Exit 0 with a summary instead of CSV.
	summary := &fakeCmder{respond: func(c Cmd) (*Output, error) {
		_, err := c.Stdout.Write([]byte("\nSummary:\n  Total:\t2.0 secs\n"))
		return &Output{Stderr: []byte("done")}, err
	}}
	_, err = newHey(Options{Cmder: summary, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Hey, 0, "done")
	var te *ToolError
	if !errors.As(err, &te) || !strings.Contains(te.Tail, "Summary") {
		t.Errorf("tail %q: want the start of hey's output", te.Tail)
	}
}

// TestParseHey reads hey 0.1.4's CSV, captured on this machine
// (testdata/README.md).
func TestParseHey(t *testing.T) {
	f, err := os.Open("testdata/hey/run.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	p := basePlan()
	p.Duration, p.Warmup = 2*time.Second, time.Second
	began := time.Date(2026, 11, 30, 18, 21, 0, 0, time.UTC)
	r, err := parseHey(f, p, record.Generator{Name: Hey, LatencyClock: record.ClockActual}, nil, began)
	if err != nil {
		t.Fatal(err)
	}
	// 4 workers at 50/s for 2 s, one answer in four 503: the 200 sent in
	// the second second are kept.
	if r.Requests != 200 || r.Errors != 50 || !mapsEqual(r.StatusCodes, map[int]int64{200: 150, 503: 50}) ||
		!mapsEqual(r.ErrorKinds, map[string]int64{"http_5xx": 50}) {
		t.Errorf("got requests %d, errors %d, statuses %v, kinds %v", r.Requests, r.Errors, r.StatusCodes, r.ErrorKinds)
	}
	if !r.Start.Equal(began.Add(time.Second)) || r.End.Sub(r.Start) != time.Second {
		t.Errorf("window: got %v + %v, want %v + 1s", r.Start, r.End.Sub(r.Start), began.Add(time.Second))
	}
	if p50 := r.Latency.Quantile(50); p50 < 2990*time.Microsecond || p50 > 3010*time.Microsecond {
		t.Errorf("p50: got %v, want 3.0 ms (the 100th of the 200 response times)", p50)
	}
	if len(r.Timeline) != 1 || r.Timeline[0].Requests != 200 {
		t.Errorf("timeline: got %+v", r.Timeline)
	}
	for _, bad := range []string{
		"",                                     // no header
		"a,b,c\n1,2,3\n",                       // not hey's columns
		heyHeader + "x,0,0,0,0,0,200,1.5\n",    // a time that is not a number
		heyHeader + "0.1,0,0,0,0,0,20,1.5\n",   // not an HTTP status
		heyHeader + "-0.1,0,0,0,0,0,200,1.5\n", // a negative time
	} {
		if _, err := parseHey(strings.NewReader(bad), p, record.Generator{}, nil, began); err == nil {
			t.Errorf("parse %q: no error", bad)
		}
	}
}

const heyHeader = "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n"

func FuzzParseHey(f *testing.F) {
	data, err := os.ReadFile("testdata/hey/run.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(heyHeader + "0.0038,0.0010,0.0000,0.0001,0.0024,0.0002,200,1.0236\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := basePlan()
		r, err := parseHey(strings.NewReader(string(data)), p, record.Generator{Name: Hey, LatencyClock: record.ClockActual}, nil, time.Unix(0, 0))
		if err != nil {
			return
		}
		var inTimeline int64
		for _, iv := range r.Timeline {
			inTimeline += iv.Requests
		}
		if r.Errors > r.Requests || inTimeline != r.Requests || r.Latency.Count() != r.Requests {
			t.Errorf("inconsistent: requests %d, errors %d, %d in the timeline, %d timed", r.Requests, r.Errors, inTimeline, r.Latency.Count())
		}
	})
}

// TestHeyReal runs hey against the built-in target.
func TestHeyReal(t *testing.T) {
	realRun(t, Hey)
}
