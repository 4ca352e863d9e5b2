package loadgen

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// vegetaFake answers vegeta -version with ver, vegeta attack with
// nothing, and vegeta encode by copying file to its --output path.
func vegetaFake(t *testing.T, file, ver string) *fakeCmder {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeCmder{respond: func(c Cmd) (*Output, error) {
		switch c.Argv[1] {
		case "-version":
			return &Output{Stdout: []byte("Version: " + ver + "\nCommit: \nRuntime: go1.26\n")}, nil
		case "encode":
			if err := os.WriteFile(flagValue(c.Argv, "--output"), data, 0o600); err != nil {
				return nil, err
			}
		}
		return &Output{}, nil
	}}
}

func TestVegetaRunArgs(t *testing.T) {
	f := vegetaFake(t, "testdata/vegeta/attack.json", "v12.13.0")
	p := basePlan()
	p.URL = "https://127.0.0.1:8443/x"
	p.Protocol = "http2"
	p.Body, p.Method = []byte("hello"), "POST"
	p.TLS = &TLS{CACert: "ca.pem", Cert: "c.pem", Key: "k.pem", Insecure: true, SessionReuse: true}
	p.Rate = 12.5
	g, err := New(Vegeta, Options{Cmder: f, Work: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	attacks := f.argvs("attack")
	if len(attacks) != 1 {
		t.Fatalf("got %d attacks, want one (the warmup is cut from it): %q", len(attacks), attacks)
	}
	a := attacks[0]
	for _, c := range []struct{ flag, want string }{
		{"-rate", "12500/1000s"}, // 12.5/s, as vegeta's whole-number frequency
		{"-duration", "3s"},      // the whole run, warmup included
		{"-workers", "4"},
		{"-connections", "4"},
		{"-max-connections", "4"},
		{"-timeout", "2s"},
		{"-root-certs", "ca.pem"},
		{"-cert", "c.pem"},
		{"-key", "k.pem"},
		{"-max-body", "0"},
	} {
		if got := flagValue(a, c.flag); got != c.want {
			t.Errorf("%s: got %q, want %q in %q", c.flag, got, c.want, a)
		}
	}
	for _, fl := range []string{"-http2", "-insecure", "-session-tickets"} {
		if !slices.Contains(a, fl) {
			t.Errorf("argv %q: want %s", a, fl)
		}
	}
	if slices.Contains(a, "-max-workers") {
		t.Errorf("open loop: argv %q has -max-workers", a)
	}
	if got := flagValues(a, "-header"); !slices.Equal(got, []string{"X-A: 1", "X-B: 2"}) {
		t.Errorf("headers: got %q", got)
	}
	if flagValue(a, "-body") == "" {
		t.Errorf("argv %q: want -body", a)
	}
	if len(f.stdin) != 1 || f.stdin[0] != "POST https://127.0.0.1:8443/x\n" {
		t.Errorf("targets on stdin: got %q", f.stdin)
	}
	if enc := f.argvs("encode"); len(enc) != 1 || flagValue(enc[0], "--to") != "json" || enc[0][len(enc[0])-1] != flagValue(a, "-output") {
		t.Errorf("encode: got %q, want --to json of the attack's -output", enc)
	}
	gen := r.Generator
	if gen.Name != Vegeta || gen.Version != "v12.13.0" || gen.LatencyClock != record.ClockActual || gen.Resolution != time.Nanosecond ||
		gen.Histogram != record.HistNative || gen.Warmup != WarmupByTimestamp || !slices.Equal(gen.Command, a) {
		t.Errorf("Generator: got %+v", gen)
	}
}

func TestVegetaClosedLoopAndProtocols(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*Plan)
		flags []string
		want  map[string]string
	}{
		// Rate 0: -rate 0 bounded by one worker per connection.
		{"closed loop", func(p *Plan) { p.Rate = 0 }, nil, map[string]string{"-rate": "0", "-max-workers": "4"}},
		{"whole rate", func(p *Plan) {}, []string{"-http2=false"}, map[string]string{"-rate": "200/1s"}},
		{"h2c", func(p *Plan) { p.Protocol = "h2c" }, []string{"-h2c"}, nil},
		{"new connection", func(p *Plan) { p.NewConnection = true }, []string{"-keepalive=false"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := vegetaFake(t, "testdata/vegeta/attack.json", "")
			p := basePlan()
			c.edit(p)
			if _, err := newVegeta(Options{Cmder: f, Work: t.TempDir()}).Run(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			a := f.argvs("attack")[0]
			for _, fl := range c.flags {
				if !slices.Contains(a, fl) {
					t.Errorf("argv %q: want %q", a, fl)
				}
			}
			for fl, v := range c.want {
				if got := flagValue(a, fl); got != v {
					t.Errorf("%s: got %q, want %q", fl, got, v)
				}
			}
		})
	}
}

func TestVegetaCheck(t *testing.T) {
	for _, c := range []struct {
		edit  func(*Plan)
		field string
	}{
		{func(p *Plan) { p.Protocol, p.URL = "grpc", "grpc://h:1" }, "load.protocol"},
		{func(p *Plan) { p.Protocol, p.URL = "tcp", "tcp://h:1" }, "load.protocol"},
		{func(p *Plan) { p.Arrival = "ramp" }, "load.arrival"},
		{func(p *Plan) { p.RequestMix = true }, "load.requests"},
		{func(p *Plan) { p.Streams = 8 }, "load.streams"},
		{func(p *Plan) { p.Warmup = 5 * time.Second }, "load.duration"},
		{func(p *Plan) { p.Rate = 0.0001 }, "load.rate"},
	} {
		p := basePlan()
		c.edit(p)
		f := &fakeCmder{}
		g := newVegeta(Options{Cmder: f})
		checkPlanError(t, g.Check(p), c.field)
		_, err := g.Run(context.Background(), p)
		checkPlanError(t, err, c.field)
		if len(f.calls) != 0 {
			t.Errorf("%s: a rejected plan ran %q", c.field, f.argvs(""))
		}
	}
}

func TestVegetaToolErrors(t *testing.T) {
	p := basePlan()
	_, err := newVegeta(Options{Cmder: &fakeCmder{respond: failing(1, "", "error: bad rate")}, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Vegeta, 1, "bad rate")
	// The attack ends well, encode fails.
	enc := &fakeCmder{respond: func(c Cmd) (*Output, error) {
		if c.Argv[1] == "encode" {
			return &Output{ExitCode: 3, Stderr: []byte("decode: unexpected EOF")}, nil
		}
		return &Output{}, nil
	}}
	_, err = newVegeta(Options{Cmder: enc, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Vegeta, 3, "unexpected EOF")
	// Encode writes garbage.
	garbage := &fakeCmder{respond: func(c Cmd) (*Output, error) {
		if c.Argv[1] == "encode" {
			_ = os.WriteFile(flagValue(c.Argv, "--output"), []byte("{\"code\": \"x\"}\n"), 0o600)
		}
		return &Output{Stderr: []byte("attack done")}, nil
	}}
	_, err = newVegeta(Options{Cmder: garbage, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Vegeta, 0, "attack done")
}

// TestParseVegeta reads vegeta v12.13.0's results, captured on this
// machine (testdata/README.md).
func TestParseVegeta(t *testing.T) {
	p := basePlan()
	p.Duration, p.Warmup = 2*time.Second, time.Second
	f, err := os.Open("testdata/vegeta/attack.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r, err := parseVegeta(f, p, record.Generator{Name: Vegeta, LatencyClock: record.ClockActual}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 400 requests over 2 s, from 18:20:58.386036938: the second second's
	// 200 are kept, one in four a 503.
	if r.Requests != 200 || r.Errors != 50 || !mapsEqual(r.StatusCodes, map[int]int64{200: 150, 503: 50}) ||
		!mapsEqual(r.ErrorKinds, map[string]int64{"http_5xx": 50}) {
		t.Errorf("got requests %d, errors %d, statuses %v, kinds %v; want 200, 50, 150×200 and 50×503", r.Requests, r.Errors, r.StatusCodes, r.ErrorKinds)
	}
	if got := r.Start.Format(time.RFC3339Nano); got != "2026-11-30T18:20:59.386036938Z" || r.End.Sub(r.Start) != time.Second {
		t.Errorf("window: got %s + %v", got, r.End.Sub(r.Start))
	}
	if p50 := r.Latency.Quantile(50); p50 < 2490*time.Microsecond || p50 > 2520*time.Microsecond {
		t.Errorf("p50: got %v, want 2.503 ms (the 100th of the 200 latencies)", p50)
	}
	// Bodies kept out of the results (-max-body 0): their Content-Length
	// counts, 1 KiB each.
	if r.BytesReceived != 200*1024 {
		t.Errorf("bytes received %d, want 200 bodies of 1024", r.BytesReceived)
	}
	if len(r.Timeline) != 1 || r.Timeline[0].Requests != 200 || r.Timeline[0].Errors != 50 || r.Timeline[0].P50 == 0 {
		t.Errorf("timeline: got %+v, want one second of 200 requests, 50 errors", r.Timeline)
	}

	// Refused connections: counted as errors of their kind, not timed.
	rf, err := os.Open("testdata/vegeta/refused.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rf.Close() }()
	p.Duration, p.Warmup = 2*time.Second, 0
	r, err = parseVegeta(rf, p, record.Generator{Name: Vegeta}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 20 || r.Errors != 20 || r.ErrorKinds["connection_refused"] != 20 || len(r.StatusCodes) != 0 || r.Latency.Count() != 0 {
		t.Errorf("refused: got requests %d, errors %d, kinds %v, statuses %v, %d timed", r.Requests, r.Errors, r.ErrorKinds, r.StatusCodes, r.Latency.Count())
	}
}

func TestErrorKind(t *testing.T) {
	for msg, want := range map[string]string{
		`Get "http://h/": dial tcp 0.0.0.0:0->127.0.0.1:1: connect: connection refused`:                      "connection_refused",
		`Get "http://h/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`:        "timeout",
		`Get "https://h/": tls: failed to verify certificate: x509: certificate signed by unknown authority`: "tls",
		`Get "http://h/": read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer`:                 "reset",
		`Get "http://nohost.invalid/": dial tcp: lookup nohost.invalid: no such host`:                        "dns",
		`something new`: "other",
	} {
		if got := errorKind(msg); got != want {
			t.Errorf("errorKind(%q) = %q, want %q", msg, got, want)
		}
	}
}

func FuzzParseVegeta(f *testing.F) {
	for _, file := range []string{"testdata/vegeta/attack.json", "testdata/vegeta/refused.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := basePlan()
		r, err := parseVegeta(strings.NewReader(string(data)), p, record.Generator{Name: Vegeta, LatencyClock: record.ClockActual}, nil)
		if err != nil {
			return
		}
		var inTimeline int64
		for _, iv := range r.Timeline {
			inTimeline += iv.Requests
		}
		if r.Errors > r.Requests || inTimeline > r.Requests || r.Latency.Count() > r.Requests || r.End.Sub(r.Start) != p.Duration-p.Warmup {
			t.Errorf("inconsistent: requests %d, errors %d, %d in the timeline, %d timed, window %v",
				r.Requests, r.Errors, inTimeline, r.Latency.Count(), r.End.Sub(r.Start))
		}
	})
}

// TestVegetaReal runs vegeta against the built-in target.
func TestVegetaReal(t *testing.T) {
	res := realRun(t, Vegeta)
	if !strings.HasPrefix(res.Generator.Version, "v12.") {
		t.Errorf("version: got %q, want vegeta's v12", res.Generator.Version)
	}
	if len(res.Timeline) < 2 {
		t.Errorf("timeline: got %d intervals, want one a second", len(res.Timeline))
	}
}

// Interrupted, vegeta, hey and fortio stop on SIGINT and what they measured until
// then is kept, marked partial, its window ending at the interruption.
func TestInterruptedKeepsResult(t *testing.T) {
	for _, tool := range []string{Vegeta, Hey, Fortio} {
		t.Run(tool, func(t *testing.T) {
			bin := realTool(t, tool)
			srv := targettest.Start(t, target.Options{Addr: "127.0.0.1:0", Delay: time.Millisecond})
			p := basePlan()
			p.URL = srv.URL()
			p.Duration, p.Warmup = 20*time.Second, 500*time.Millisecond
			g, err := New(tool, Options{Path: bin, Work: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
			defer cancel()
			res, err := g.Run(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Partial || res.Requests < int64(p.Rate) || res.End.Sub(res.Start) > 5*time.Second {
				t.Errorf("partial %v, %d requests, window %v; want a partial result of about 2 s", res.Partial, res.Requests, res.End.Sub(res.Start))
			}
		})
	}
}
