package loadgen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/target"
)

// fortioFake answers fortio version with ver and fortio load by copying
// the JSON result in file to its -json path.
func fortioFake(t *testing.T, file, ver string) *fakeCmder {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeCmder{respond: func(c Cmd) (*Output, error) {
		if c.Argv[1] == "version" {
			return &Output{Stdout: []byte(ver + "\n")}, nil
		}
		if p := flagValue(c.Argv, "-json"); p != "" {
			if err := os.WriteFile(p, data, 0o600); err != nil {
				return nil, err
			}
		}
		return &Output{CPU: time.Second, Wall: 2 * time.Second}, nil
	}}
}

func TestFortioRunArgs(t *testing.T) {
	f := fortioFake(t, "testdata/fortio/http.json", "1.66.5")
	p := basePlan()
	p.URL = "https://127.0.0.1:8443/x"
	p.Body = []byte("hello")
	p.Method = "PUT"
	p.TLS = &TLS{CACert: "ca.pem", Cert: "c.pem", Key: "k.pem", Insecure: true}
	g, err := New(Fortio, Options{Cmder: f, Work: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	loads := f.argvs("load")
	if len(loads) != 2 {
		t.Fatalf("got %d fortio load runs, want 2 (warmup, then measured): %q", len(loads), loads)
	}
	warm, run := loads[0], loads[1]
	for _, c := range []struct {
		argv       []string
		flag, want string
	}{
		{warm, "-t", "1s"},   // the warmup alone
		{run, "-t", "2s"},    // duration minus warmup
		{run, "-qps", "200"}, // the whole rate: fortio divides it over -c
		{run, "-c", "4"},
		{run, "-r", "0.0001"},
		{run, "-timeout", "2s"},
		{run, "-X", "PUT"},
		{run, "-cacert", "ca.pem"},
		{run, "-cert", "c.pem"},
		{run, "-key", "k.pem"},
	} {
		if got := flagValue(c.argv, c.flag); got != c.want {
			t.Errorf("%s: got %q, want %q in %q", c.flag, got, c.want, c.argv)
		}
	}
	if got := flagValues(run, "-H"); !slices.Equal(got, []string{"X-A: 1", "X-B: 2"}) {
		t.Errorf("headers: got %q", got)
	}
	if !slices.Contains(run, "-k") || !slices.Contains(run, "-allow-initial-errors") || run[len(run)-1] != p.URL {
		t.Errorf("argv %q: want -k, -allow-initial-errors and the URL last", run)
	}
	if flagValue(warm, "-json") != "" || flagValue(run, "-json") == "" {
		t.Errorf("want -json on the measured run only: %q / %q", warm, run)
	}
	if body := flagValue(run, "-payload-file"); body == "" || filepath.Dir(body) == "." {
		t.Errorf("body: got -payload-file %q, want a file in the work directory", body)
	}
	g2 := r.Generator
	if g2.Name != Fortio || g2.Version != "1.66.5" || g2.LatencyClock != record.ClockActual ||
		g2.Resolution != 100*time.Microsecond || g2.Histogram != record.HistNative || g2.Warmup != WarmupSeparate ||
		!slices.Equal(g2.Command, run) {
		t.Errorf("Generator: got %+v", g2)
	}
	if r.Client.CPUTime != time.Second || r.Client.CPUMcores != 500 {
		t.Errorf("client usage: got %+v, want the measured run's 1 s over 2 s", r.Client)
	}
}

func TestFortioClosedLoopAndProtocols(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*Plan)
		flags []string // in the argv
		want  map[string]string
	}{
		// Rate 0 is fortio's -qps 0: as fast as it goes; no warmup run.
		{"closed loop", func(p *Plan) { p.Rate, p.Warmup = 0, 0 }, nil, map[string]string{"-qps": "0", "-t": "3s"}},
		{"h2c", func(p *Plan) { p.Protocol = "h2c" }, []string{"-h2"}, nil},
		{"http2", func(p *Plan) { p.Protocol, p.URL = "http2", "https://h:1/" }, []string{"-h2"}, nil},
		{"new connection", func(p *Plan) { p.NewConnection = true }, []string{"-keepalive=false"}, nil},
		// gRPC health: host:port, streams per connection.
		{"grpc", func(p *Plan) {
			p.Protocol, p.URL, p.GRPCMethod, p.Streams = "grpc", "grpc://127.0.0.1:9090", "health", 2
		},
			[]string{"-grpc", "127.0.0.1:9090"}, map[string]string{"-s": "2"}},
		{"grpcs", func(p *Plan) { p.Protocol, p.URL, p.GRPCMethod = "grpc", "grpcs://h:9090/", "health" },
			[]string{"-grpc", "https://h:9090"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := fortioFake(t, "testdata/fortio/http.json", "1.66.5")
			p := basePlan()
			c.edit(p)
			if _, err := newFortio(Options{Cmder: f, Work: t.TempDir()}).Run(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			loads := f.argvs("load")
			run := loads[len(loads)-1]
			if p.Warmup == 0 && len(loads) != 1 {
				t.Errorf("no warmup: got %d runs", len(loads))
			}
			for _, fl := range c.flags {
				if !slices.Contains(run, fl) {
					t.Errorf("argv %q: want %q", run, fl)
				}
			}
			for fl, v := range c.want {
				if got := flagValue(run, fl); got != v {
					t.Errorf("%s: got %q, want %q", fl, got, v)
				}
			}
			if p.Protocol != "grpc" && slices.Contains(run, "-grpc") {
				t.Errorf("argv %q: -grpc for %s", run, p.Protocol)
			}
		})
	}
}

func TestFortioCheck(t *testing.T) {
	for _, c := range []struct {
		edit  func(*Plan)
		field string
	}{
		{func(p *Plan) { p.Protocol, p.URL = "tcp", "tcp://h:1" }, "load.protocol"},
		{func(p *Plan) { p.Arrival = "poisson" }, "load.arrival"},
		{func(p *Plan) { p.RequestMix = true }, "load.requests"},
		{func(p *Plan) { p.Streams = 4 }, "load.streams"},
		{func(p *Plan) { p.Protocol, p.GRPCMethod = "grpc", "ping" }, "load.grpc.method"},
		{func(p *Plan) { p.Protocol, p.NewConnection = "h2c", true }, "load.newConnection"},
		{func(p *Plan) { p.Warmup = p.Duration }, "load.duration"},
		{func(p *Plan) { p.Connections = 0 }, "load.connections"},
		{func(p *Plan) { p.Rate = -1 }, "load.rate"},
	} {
		p := basePlan()
		c.edit(p)
		f := &fakeCmder{}
		g := newFortio(Options{Cmder: f})
		checkPlanError(t, g.Check(p), c.field)
		_, err := g.Run(context.Background(), p)
		checkPlanError(t, err, c.field)
		if len(f.calls) != 0 {
			t.Errorf("%s: a rejected plan ran %q", c.field, f.argvs(""))
		}
	}
	if err := newFortio(Options{}).Check(basePlan()); err != nil {
		t.Errorf("base plan: %v", err)
	}
}

func TestFortioToolErrors(t *testing.T) {
	p := basePlan()
	p.Warmup = 0
	// fortio exits non-zero.
	_, err := newFortio(Options{Cmder: &fakeCmder{respond: failing(1, "", "Aborting because of error 503")}, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Fortio, 1, "Aborting because of error 503")
	// A failing warmup fails the run.
	p.Warmup = time.Second
	_, err = newFortio(Options{Cmder: &fakeCmder{respond: failing(2, "", "warmup broke")}, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Fortio, 2, "warmup broke")
	// fortio exits 0 but writes garbage as its JSON result.
	garbage := &fakeCmder{respond: func(c Cmd) (*Output, error) {
		if j := flagValue(c.Argv, "-json"); j != "" {
			_ = os.WriteFile(j, []byte(`{"DurationHistogram": 3, "RetCodes": {}}`), 0o600)
		}
		return &Output{Stderr: []byte("all done")}, nil
	}}
	_, err = newFortio(Options{Cmder: garbage, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Fortio, 0, "all done")
	// fortio exits 0 and writes nothing.
	_, err = newFortio(Options{Cmder: &fakeCmder{respond: failing(0, "nothing here", "")}, Work: t.TempDir()}).Run(context.Background(), p)
	checkToolError(t, err, Fortio, 0, "nothing here")
}

// TestParseFortio reads fortio 1.66.5's JSON results, captured on this
// machine (testdata/README.md).
func TestParseFortio(t *testing.T) {
	for _, c := range []struct {
		file             string
		requests, errors int64
		statuses         map[int]int64
		kinds            map[string]int64
		start            string
		window           time.Duration
		p50lo, p50hi     time.Duration
		bytes            int64
	}{
		// HTTP at 200/s to the target (2 ms delay, one answer in four 503).
		{"http.json", 400, 100, map[int]int64{200: 300, 503: 100}, map[string]int64{"http_5xx": 100},
			"2026-11-30T18:21:10.991796574Z", 2004185840, 2 * time.Millisecond, 3 * time.Millisecond, 458500},
		// gRPC health checks: SERVING is the engine's status 0 (OK).
		{"grpc-health.json", 100, 0, map[int]int64{0: 100}, map[string]int64{},
			"2026-11-30T18:20:57.367007031Z", 1002095731, 0, 2 * time.Millisecond, 0},
		// A refused port: fortio's -1, a socket error.
		{"refused.json", 20, 20, map[int]int64{}, map[string]int64{"other": 20},
			"2026-11-30T18:21:13.020052643Z", 1002668560, 0, time.Millisecond, 0},
	} {
		data, err := os.ReadFile(filepath.Join("testdata/fortio", c.file))
		if err != nil {
			t.Fatal(err)
		}
		g := record.Generator{Name: Fortio, LatencyClock: record.ClockActual}
		r, err := parseFortio(data, basePlan(), g, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if r.Requests != c.requests || r.Sent != c.requests || r.Errors != c.errors || !mapsEqual(r.StatusCodes, c.statuses) ||
			!mapsEqual(r.ErrorKinds, c.kinds) || r.BytesReceived != c.bytes {
			t.Errorf("%s: got requests %d, errors %d, statuses %v, kinds %v, bytes %d; want %d, %d, %v, %v, %d", c.file,
				r.Requests, r.Errors, r.StatusCodes, r.ErrorKinds, r.BytesReceived, c.requests, c.errors, c.statuses, c.kinds, c.bytes)
		}
		if got := r.Start.Format(time.RFC3339Nano); got != c.start || r.End.Sub(r.Start) != c.window {
			t.Errorf("%s: got window %s + %v, want %s + %v", c.file, got, r.End.Sub(r.Start), c.start, c.window)
		}
		if r.Latency.Count() != c.requests || r.Uncorrected.Count() != c.requests {
			t.Errorf("%s: latency holds %d values, want %d", c.file, r.Latency.Count(), c.requests)
		}
		if p50 := r.Latency.Quantile(50); p50 < c.p50lo || p50 > c.p50hi {
			t.Errorf("%s: p50 %v, want %v to %v", c.file, p50, c.p50lo, c.p50hi)
		}
	}
}

func mapsEqual[K comparable](a, b map[K]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func FuzzParseFortio(f *testing.F) {
	for _, file := range []string{"http.json", "grpc-health.json", "refused.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/fortio", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseFortio(data, basePlan(), record.Generator{Name: Fortio, LatencyClock: record.ClockActual}, nil)
		if err != nil {
			return
		}
		var sum int64
		for _, n := range r.StatusCodes {
			sum += n
		}
		if r.Requests < 0 || r.Errors < 0 || r.Errors > r.Requests || sum > r.Requests || r.End.Before(r.Start) {
			t.Errorf("inconsistent result: requests %d, errors %d, statuses %v, window %v to %v", r.Requests, r.Errors, r.StatusCodes, r.Start, r.End)
		}
	})
}

// TestFortioReal runs fortio against the built-in target.
func TestFortioReal(t *testing.T) {
	res := realRun(t, Fortio)
	if !strings.HasPrefix(res.Generator.Version, "1.") {
		t.Errorf("version: got %q, want fortio's 1.x", res.Generator.Version)
	}
}

// TestFortioRealGRPC runs fortio's gRPC health checks against the built-in
// target's gRPC server.
func TestFortioRealGRPC(t *testing.T) {
	bin := realTool(t, "fortio")
	ctx, cancel := context.WithCancel(context.Background())
	gs, err := target.StartGRPC(ctx, target.GRPCOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = gs.Wait() })
	p := basePlan()
	p.Protocol, p.URL, p.GRPCMethod = "grpc", "grpc://"+gs.Addr(), "health"
	p.Duration, p.Warmup = 2*time.Second, 500*time.Millisecond
	res, err := newFortio(Options{Path: bin, Cmder: Exec{}, Work: t.TempDir()}).Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := p.Rate * 1.5
	if res.Errors != 0 || res.StatusCodes[0] != res.Requests || float64(res.Requests) < 0.75*want || float64(res.Requests) > 1.25*want {
		t.Errorf("got %d requests (want %.0f), %d errors %v, statuses %v: want every one SERVING (status 0)",
			res.Requests, want, res.Errors, res.ErrorKinds, res.StatusCodes)
	}
	if !slices.Contains(res.Generator.Command, "-grpc") || res.Latency.Count() != res.Requests {
		t.Errorf("command %q, %d timed of %d", res.Generator.Command, res.Latency.Count(), res.Requests)
	}
}
