package spec

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// valid returns a defaulted test that passes Validate, for rows to break.
func valid() *Test {
	t := Default()
	t.Metadata.Name = "t"
	return t
}

// TestValidate breaks one rule per row on a valid test built in code (as
// the CLI builds one from flags) and checks the exact problems.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Test)
		want   []string // problems, in order; none means valid
	}{
		// The defaults with a name are valid.
		{"defaults", func(*Test) {}, nil},
		// The message the CLI shows for --rate -5.
		{"negative rate", func(t *Test) { t.Load.Rate = -5 },
			[]string{"load.rate: got -5, expected a number >= 0 (requests per second; 0 = closed loop)"}},
		// Closed loop is legal.
		{"rate 0", func(t *Test) { t.Load.Rate = 0 }, nil},
		// Rates must be finite and bounded.
		{"rate NaN", func(t *Test) { t.Load.Rate = math.NaN() },
			[]string{"load.rate: got NaN, expected a number >= 0 (requests per second; 0 = closed loop)"}},
		{"rate +Inf", func(t *Test) { t.Load.Rate = math.Inf(1) },
			[]string{"load.rate: got +Inf, expected a number up to 10000000 (requests per second; 0 = closed loop)"}},
		{"rate too high", func(t *Test) { t.Load.Rate = 1e7 + 1 },
			[]string{"load.rate: got 10000001, expected a number up to 10000000 (requests per second; 0 = closed loop)"}},
		// Connections bounds.
		{"zero connections", func(t *Test) { t.Load.Connections = 0 },
			[]string{"load.connections: got 0, expected an integer from 1 to 10000"}},
		{"too many connections", func(t *Test) { t.Load.Connections = 10001 },
			[]string{"load.connections: got 10001, expected an integer from 1 to 10000"}},
		// Header of the document.
		{"missing apiVersion and kind", func(t *Test) { t.APIVersion, t.Kind = "", "test" },
			[]string{"apiVersion: got nothing, expected smp/v1alpha1", `kind: got "test", expected Test`}},
		// Names: pattern and length.
		{"bad names", func(t *Test) {
			t.Metadata.Name = strings.Repeat("a", 64)
			t.Meshes = []Mesh{{Name: "-x", Type: MeshNone}, {Name: "", Type: MeshNone}}
		}, []string{
			`metadata.name: got "` + strings.Repeat("a", 60) + `"..., expected ` + expName,
			`meshes[0].name: got "-x", expected ` + expName,
			`meshes[1].name: got nothing, expected ` + expName,
		}},
		{"63 characters is fine", func(t *Test) { t.Metadata.Name = strings.Repeat("a", 63) }, nil},
		// Workload: exactly one of app and url.
		{"neither app nor url", func(t *Test) { t.Workload = Workload{} },
			[]string{"workload: got nothing, expected app: builtin, or a url"}},
		{"app and url", func(t *Test) { t.Workload.URL = "http://h/" },
			[]string{"workload: got both app and url, expected only one of them"}},
		{"other app", func(t *Test) { t.Workload.App = "bookinfo" },
			[]string{`workload.app: got "bookinfo", expected builtin or sample`}},
		{"sample app with defaults", func(t *Test) { t.Workload = Workload{App: AppSample}; t.ApplyDefaults() }, nil},
		{"sample app out of range", func(t *Test) {
			t.Workload = Workload{App: AppSample, Services: 21, Topology: "star"}
		}, []string{
			"workload.services: got 21, expected an integer from 1 to 20",
			`workload.topology: got "star", expected chain or fanout`,
		}},
		{"sample fields on the builtin app", func(t *Test) { t.Workload.Services, t.Workload.Topology = 2, "chain" }, []string{
			"workload.services: got 2, expected nothing (only for app: sample)",
			`workload.topology: got "chain", expected nothing (only for app: sample)`,
		}},
		{"a mesh needs the sample app", func(t *Test) { t.Meshes = append(t.Meshes, Mesh{Name: "hp", Type: MeshHAProxy}) },
			[]string{`meshes[1].type: got "haproxy", expected none unless workload.app is sample (sidecars are deployed around the sample app's services)`}},
		{"mtls without sidecars", func(t *Test) { t.Meshes[0].MTLS = true },
			[]string{"meshes[0].mtls: got true, expected false for type none (mTLS needs sidecars)"}},
		{"placement", func(t *Test) { t.Environment.Placement = &Placement{Client: "1", Mesh: "0-x"} },
			[]string{`environment.placement.mesh: got "0-x", expected ` + expCPUList}},
		{"sample interval", func(t *Test) { t.Metrics.SampleInterval = Duration(time.Millisecond) },
			[]string{"metrics.sampleInterval: got 1ms, expected a duration from 10ms to 1m (0 means 1s)"}},
		{"url without host", func(t *Test) { t.Workload = Workload{URL: "http:///x"} },
			[]string{`workload.url: got "http:///x", expected ` + expURL}},
		{"url with path and https", func(t *Test) { t.Workload = Workload{URL: "https://example.com:8443/a/b?c=d"} }, nil},
		{"url with builtin-only fields", func(t *Test) {
			t.Workload = Workload{URL: "http://h/", ResponseSize: 10, ServiceTime: Duration(time.Millisecond)}
		}, []string{
			"workload.responseSize: got 10B, expected nothing with url (only for an app)",
			"workload.serviceTime: got 1ms, expected nothing with url (only for an app)",
		}},
		{"builtin ranges", func(t *Test) {
			t.Workload.ResponseSize = 64*MiB + 1
			t.Workload.ServiceTime = Duration(-time.Millisecond)
		}, []string{
			"workload.responseSize: got 67108865B, expected a size from 0 to 64MiB",
			"workload.serviceTime: got -1ms, expected a duration from 0s to 1h",
		}},
		// Load: not supported yet versus unknown.
		{"generator and protocol", func(t *Test) { t.Load.Generator, t.Load.Protocol = "jmeter", "sctp" },
			[]string{
				`load.generator: got "jmeter", expected one of builtin, fortio, wrk2, nighthawk, vegeta, wrk, hey`,
				`load.protocol: got "sctp", expected one of http1, h2c, http2, tcp, grpc`,
			}},
		// What only smp's engine does is refused with another generator;
		// a generator path with the builtin one.
		{"engine settings with an external generator", func(t *Test) {
			t.Load.Generator, t.Load.Driver, t.Load.MaxBacklog, t.Load.Clients = "fortio", DriverGoroutines, 10, 2
		}, []string{
			`load.driver: got "goroutines", expected nothing with generator fortio (drivers are smp's own engine's)`,
			`load.maxBacklog: got 10, expected nothing with generator fortio (smp's own engine's bound on overdue sends)`,
			`load.clients: got 2, expected 1 with generator fortio (several clients run smp's own engine in client pods)`,
			`load.clients: got 2, expected 1 unless environment.platform is kubernetes (more clients run as pods)`,
		}},
		// Capacity mode needs its search, and fixed mode refuses one.
		{"capacity mode without capacity", func(t *Test) { t.Load.Mode = ModeCapacity },
			[]string{"load.capacity: got nothing, expected a mapping with at least slo, with mode capacity"}},
		{"capacity with mode fixed", func(t *Test) { t.Load.Capacity = &Capacity{SLO: []string{"p99 < 1ms"}} },
			[]string{"load.capacity: got a mapping, expected nothing with mode fixed (set load.mode: capacity to search)"}},
		{"unknown mode", func(t *Test) { t.Load.Mode = "max" }, []string{`load.mode: got "max", expected fixed or capacity`}},
		{"capacity out of range", func(t *Test) {
			t.Load.Mode, t.Load.Arrival.Type = ModeCapacity, ArrivalRamp
			t.Load.Arrival.From, t.Load.Arrival.To = 1, 2
			t.Load.Capacity = &Capacity{SLO: []string{" "}, MaxErrors: 2, Start: 100, MaxRate: 50, Bracket: 1, MaxTrials: 0, Repeats: 11,
				Cooldown: Duration(2 * time.Minute)}
		}, []string{
			`load.arrival.type: got "ramp", expected constant or poisson with mode capacity (each trial holds one rate)`,
			`load.capacity.slo[0]: got " ", expected an objective such as "p99 < 10ms"`,
			"load.capacity.maxErrors: got 2, expected a fraction from 0 to 1",
			"load.capacity.maxRate: got 50, expected 0 (no bound) or a rate from load.capacity.start (100) to 10000000",
			"load.capacity.bracket: got 1, expected a fraction > 0 and < 1",
			"load.capacity.maxTrials: got 0, expected an integer from 1 to 1000",
			"load.capacity.repeats: got 11, expected an integer from 1 to 10",
			"load.capacity.cooldown: got 2m0s, expected a duration from 0 to 1m0s",
		}},
		{"generator path with builtin", func(t *Test) { t.Load.GeneratorPath = "/usr/bin/wrk" },
			[]string{`load.generatorPath: got "/usr/bin/wrk", expected nothing with generator builtin (the path of an external generator's binary)`}},
		{"arrival", func(t *Test) { t.Load.Arrival.Type = "pareto" },
			[]string{`load.arrival.type: got "pareto", expected one of constant, poisson, ramp, step, sine, burst`}},
		// Protocols without TLS refuse load.tls, naming their TLS twin
		// where they have one (load/protocol's table).
		{"tcp with tls", func(t *Test) { t.Load.Protocol, t.Load.TLS = ProtocolTCP, &TLS{} },
			[]string{
				"load.tls: got a mapping, expected nothing with protocol tcp (cleartext)",
				"load.tls: got a mapping, expected an https (or grpcs) workload.url with it (the built-in target and http:// URLs are cleartext)",
			}},
		{"h2c with tls", func(t *Test) { t.Load.Protocol, t.Load.TLS = ProtocolH2C, &TLS{} },
			[]string{
				"load.tls: got a mapping, expected nothing with protocol h2c (cleartext); use http2 with an https URL",
				"load.tls: got a mapping, expected an https (or grpcs) workload.url with it (the built-in target and http:// URLs are cleartext)",
			}},
		// Only protocols with an event loop take driver eventloop; the
		// reason names them.
		{"eventloop with grpc", func(t *Test) {
			t.Workload = Workload{URL: "grpc://127.0.0.1:9090"}
			t.Load.Protocol, t.Load.Driver = ProtocolGRPC, DriverEventLoop
		}, []string{`load.driver: got "eventloop", expected goroutines or nothing with protocol grpc (the event loop drives plain-text HTTP/1.1 and TCP echo keep-alive connections)`}},
		{"eventloop with tcp", func(t *Test) {
			t.Workload = Workload{URL: "tcp://127.0.0.1:9000"}
			t.Load.Protocol, t.Load.Driver = ProtocolTCP, DriverEventLoop
		}, nil},
		// Durations.
		{"warmup equals duration", func(t *Test) { t.Load.Warmup = t.Load.Duration },
			[]string{"load.warmup: got 10s, expected less than load.duration (10s)"}},
		{"zero duration", func(t *Test) { t.Load.Duration = 0 },
			[]string{"load.duration: got 0s, expected a duration > 0 and at most 24h, such as 10s"}},
		{"duration over a day, negative warmup", func(t *Test) {
			t.Load.Duration = Duration(25 * time.Hour)
			t.Load.Warmup = -1
		}, []string{
			"load.duration: got 25h0m0s, expected a duration > 0 and at most 24h, such as 10s",
			"load.warmup: got -1ns, expected a duration >= 0, less than load.duration",
		}},
		{"timeout", func(t *Test) { t.Load.Timeout = Duration(11 * time.Minute) },
			[]string{"load.timeout: got 11m0s, expected a duration > 0 and at most 10m"}},
		{"max backlog", func(t *Test) { t.Load.MaxBacklog = -1 },
			[]string{"load.maxBacklog: got -1, expected an integer >= 0 (0 = the engine's default)"}},
		// Send tolerance: 0 to 10ms, open loop, the event loop, smp's engine.
		{"send tolerance at its bound", func(t *Test) { t.Load.SendTolerance = Duration(10 * time.Millisecond) }, nil},
		{"send tolerance negative", func(t *Test) { t.Load.SendTolerance = -1 },
			[]string{"load.sendTolerance: got -1ns, expected " + expSendTolerance}},
		{"send tolerance over 10ms", func(t *Test) { t.Load.SendTolerance = Duration(10*time.Millisecond + 1) },
			[]string{"load.sendTolerance: got 10.000001ms, expected " + expSendTolerance}},
		{"send tolerance in closed loop", func(t *Test) { t.Load.Rate, t.Load.SendTolerance = 0, Duration(time.Millisecond) },
			[]string{"load.sendTolerance: got 1ms, expected 0 in closed loop (load.rate 0: there is no schedule to send ahead of)"}},
		{"send tolerance with goroutines", func(t *Test) {
			t.Load.Driver, t.Load.SendTolerance = DriverGoroutines, Duration(200*time.Microsecond)
		}, []string{"load.sendTolerance: got 200us, expected 0 with driver goroutines (only the event loop batches sends)"}},
		{"send tolerance with an external generator", func(t *Test) {
			t.Load.Generator, t.Load.SendTolerance = "fortio", Duration(time.Millisecond)
		}, []string{"load.sendTolerance: got 1ms, expected nothing with generator fortio (smp's own engine's batching of sends)"}},
		// Request.
		{"request", func(t *Test) {
			t.Load.Request = Request{
				Method: "Get", Path: "",
				Headers: map[string]string{"X-A": "ok", "B(": "v", "X-C": "a\nb"},
				Body:    "x", BodySize: 1,
			}
		}, []string{
			`load.request.method: got "Get", expected ` + expMethod,
			"load.request.path: got nothing, expected " + expPath,
			`load.request.headers["B("]: got "B(", expected ` + expHeaderName,
			`load.request.headers["X-C"]: got "a\nb", expected ` + expHeaderValue,
			"load.request.bodySize: got 1B, expected nothing when body is set (body and bodySize are exclusive)",
		}},
		{"custom method", func(t *Test) { t.Load.Request.Method = "PURGE" }, nil},
		// Meshes.
		{"no meshes", func(t *Test) { t.Meshes = nil },
			[]string{"meshes: got nothing, expected " + expMeshes}},
		{"empty meshes", func(t *Test) { t.Meshes = []Mesh{} },
			[]string{"meshes: got an empty list, expected " + expMeshes}},
		{"mesh types and names", func(t *Test) {
			t.Meshes = []Mesh{
				{Name: "a", Type: "istio"}, {Name: "a", Type: MeshNone}, {Name: "a", Type: ""},
				{Name: "b", Type: "none", Concurrency: -1},
			}
		}, []string{
			`meshes[0].type: got "istio", expected one of none, reference, haproxy, nginx, envoy with platform local (istio is a mesh installed in a cluster, which smp detects: set environment.platform: kubernetes)`,
			`meshes[1].name: got "a", expected a name no other mesh has (meshes[0] has it)`,
			`meshes[2].name: got "a", expected a name no other mesh has (meshes[0] has it)`,
			"meshes[2].type: got nothing, expected " + expMeshType,
			"meshes[3].concurrency: got -1, expected " + expConcurrency,
		}},
		// Iterations.
		{"iterations", func(t *Test) { t.Iterations = 1001 },
			[]string{"iterations: got 1001, expected an integer from 1 to 1000"}},
		// Metrics.
		{"percentiles", func(t *Test) { t.Metrics.Percentiles = []float64{99.99, 100, -1, math.Inf(-1)} },
			[]string{
				"metrics.percentiles[1]: got 100, expected " + expPercentile,
				"metrics.percentiles[2]: got -1, expected " + expPercentile,
				"metrics.percentiles[3]: got -Inf, expected " + expPercentile,
			}},
		{"buckets", func(t *Test) {
			t.Metrics.Buckets = []Duration{-1, Duration(time.Millisecond), Duration(time.Millisecond)}
		}, []string{
			"metrics.buckets[0]: got -1ns, expected a duration > 0",
			"metrics.buckets[2]: got 1ms, expected more than metrics.buckets[1] (1ms): buckets must be strictly ascending",
		}},
		// SLO and labels.
		{"slo and labels", func(t *Test) {
			t.SLO = []string{"p99 < 1ms", " "}
			t.Metadata.Labels = map[string]string{"": "x", "a": ""}
			t.Environment.Labels = map[string]string{"": ""}
		}, []string{
			`metadata.labels[""]: got "", expected a non-empty label name`,
			`slo[1]: got " ", expected an objective such as "p99 < 10ms"`,
			`environment.labels[""]: got "", expected a non-empty label name`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test := valid()
			tt.mutate(test)
			err := test.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate() = %v (%T), want Problems", err, err)
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Validate():\ngot\n%s\nwant\n%s", got, want)
			}
			for _, p := range ps {
				if p.File != "" || p.Line != 0 || p.Col != 0 {
					t.Errorf("problem has a position: %+v", p)
				}
			}
		})
	}
}

// TestValidateNilWhenValid checks that the error is an untyped nil, so
// that err != nil means problems.
func TestValidateNilWhenValid(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("Validate() = %#v", err)
	}
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		ok   bool
	}{
		{"1", []int{1}, true},             // one CPU
		{"0-3", []int{0, 1, 2, 3}, true},  // a range
		{"4,0-1,1", []int{0, 1, 4}, true}, // sorted, no duplicates
		{"", nil, false},                  // empty
		{"3-1", nil, false},               // backwards range
		{"a", nil, false},                 // not a number
		{"-1", nil, false},                // negative
		{"5000", nil, false},              // beyond maxCPU
	}
	for _, tc := range tests {
		got, err := ParseCPUList(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseCPUList(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
