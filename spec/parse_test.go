package spec

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the testdata/invalid-*.err golden files")

// TestParseValid parses every valid spec and checks what sets it apart.
func TestParseValid(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, got *Test)
	}{
		// Only apiVersion, kind and metadata.name: TestParseMinimalDefaults
		// checks the rest.
		{"valid-minimal.yaml", func(t *testing.T, got *Test) {}},
		// Every field set: each must arrive, none replaced by a default.
		{"valid-full.yaml", func(t *testing.T, got *Test) {
			want := &Test{
				APIVersion: APIVersion, Kind: KindTest,
				Metadata: Metadata{Name: "full-1.0_x", Labels: map[string]string{"team": "mesh", "purpose": "schema coverage"}},
				Workload: Workload{App: AppBuiltin, ResponseSize: 2 * KiB, ServiceTime: Duration(500 * time.Microsecond)},
				Load: Load{
					Generator: GeneratorBuiltin, Mode: ModeFixed, Protocol: ProtocolHTTP1, Connections: 16, Rate: 2500.5,
					Arrival:  Arrival{Type: ArrivalConstant},
					Duration: Duration(90 * time.Second), Warmup: Duration(15 * time.Second), Timeout: Duration(2 * time.Second),
					MaxBacklog: 100, Clients: 1, SendTolerance: Duration(200 * time.Microsecond),
					Request: Request{
						Method: "POST", Path: "/echo?x=1",
						Headers: map[string]string{
							"Content-Type": "application/json", "Authorization": "Bearer secret-token", "X-Request-Id": "42",
						},
						Body: `{"hello": "world"}`,
					},
				},
				Meshes: []Mesh{
					{Name: "baseline", Type: MeshNone},
					{Name: "baseline-tuned", Type: MeshNone, Concurrency: 2},
				},
				Iterations: 5,
				Metrics: Metrics{
					Percentiles: []float64{99.5, 99.95, 1},
					Buckets: []Duration{
						Duration(100 * time.Microsecond), Duration(time.Millisecond),
						Duration(10 * time.Millisecond), Duration(time.Second),
					},
				},
				SLO:         []string{"p99 < 10ms", "errorRate < 0.1%"},
				Environment: Environment{Labels: map[string]string{"host": "bench-01", "kernel": "6.18"}, Platform: PlatformLocal},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, want))
			}
		}},
		// Platform kubernetes with every setting given: none defaulted.
		{"valid-kubernetes.yaml", func(t *testing.T, got *Test) {
			want := &Kubernetes{
				Kubeconfig: "/etc/smp/kubeconfig", Context: "bench", NamespacePrefix: "bench",
				Image: "registry.example/smp:v1", Prometheus: &Prometheus{URL: "http://127.0.0.1:9090"},
				Timeout: Duration(90 * time.Second),
			}
			if !reflect.DeepEqual(got.Environment.Kubernetes, want) || got.Environment.Platform != PlatformKubernetes {
				t.Errorf("environment = %s", mustJSON(t, got.Environment))
			}
			w := got.Workload
			wantRes := &Resources{Requests: ResourceList{CPU: "100m", Memory: "32Mi"}, Limits: ResourceList{CPU: "1", Memory: "128Mi"}}
			if w.Replicas != 2 || !reflect.DeepEqual(w.Resources, wantRes) || got.Load.Clients != 2 {
				t.Errorf("workload = %s, clients %d", mustJSON(t, w), got.Load.Clients)
			}
			if got.Meshes[1].Type != MeshIstio || got.Meshes[2].Type != MeshReference || !got.Meshes[2].MTLS {
				t.Errorf("meshes = %+v", got.Meshes)
			}
		}},
		// Platform kubernetes, nothing else given: its defaults.
		{"valid-kubernetes-defaults.yaml", func(t *testing.T, got *Test) {
			want := &Kubernetes{NamespacePrefix: "smp", Image: "smp:dev", Timeout: Duration(2 * time.Minute)}
			if !reflect.DeepEqual(got.Environment.Kubernetes, want) {
				t.Errorf("environment.kubernetes = %s, want %s", mustJSON(t, got.Environment.Kubernetes), mustJSON(t, want))
			}
			if got.Workload.Replicas != 1 || got.Load.Clients != 1 {
				t.Errorf("replicas %d, clients %d, want 1 and 1", got.Workload.Replicas, got.Load.Clients)
			}
		}},
		// A URL target: no app, no responseSize default; warmup 0 kept.
		{"valid-url-target.yaml", func(t *testing.T, got *Test) {
			w := got.Workload
			if w.App != "" || w.URL != "http://127.0.0.1:8080/api/v1" || w.ResponseSize != 0 {
				t.Errorf("workload = %+v", w)
			}
			if got.Load.Warmup != 0 || got.Load.Request.BodySize != KiB || got.Load.Request.Method != "PUT" {
				t.Errorf("load = %+v", got.Load)
			}
		}},
		// rate: 0 given is closed loop, not "absent".
		{"valid-closed-loop.yaml", func(t *testing.T, got *Test) {
			if got.Load.Rate != 0 || got.Load.Connections != 1 {
				t.Errorf("rate, connections = %v, %v; want 0, 1", got.Load.Rate, got.Load.Connections)
			}
		}},
		// arrival: constant is the short form of arrival: {type: constant}.
		{"valid-arrival-scalar.yaml", func(t *testing.T, got *Test) {
			if got.Load.Arrival.Type != ArrivalConstant {
				t.Errorf("arrival = %+v", got.Load.Arrival)
			}
		}},
		// Poisson with the largest seed there is.
		{"valid-arrival-poisson.yaml", func(t *testing.T, got *Test) {
			if a := got.Load.Arrival; a.Type != ArrivalPoisson || a.Seed != math.MaxUint64 {
				t.Errorf("arrival = %+v", a)
			}
		}},
		// A ramp from 0 (written), to 2000.
		{"valid-arrival-ramp.yaml", func(t *testing.T, got *Test) {
			if a := got.Load.Arrival; a.Type != ArrivalRamp || a.From != 0 || a.To != 2000 {
				t.Errorf("arrival = %+v", a)
			}
		}},
		// Steps in flow and block style, a pause among them.
		{"valid-arrival-step.yaml", func(t *testing.T, got *Test) {
			want := []Step{{100, Duration(10 * time.Second)}, {0, Duration(5 * time.Second)}, {1500.5, Duration(20 * time.Second)}}
			if a := got.Load.Arrival; a.Type != ArrivalStep || !reflect.DeepEqual(a.Steps, want) {
				t.Errorf("arrival = %+v", a)
			}
		}},
		// A sine whose amplitude equals its mean.
		{"valid-arrival-sine.yaml", func(t *testing.T, got *Test) {
			if a := got.Load.Arrival; a.Type != ArrivalSine || a.Amplitude != 800 || a.Period != Duration(15*time.Second) {
				t.Errorf("arrival = %+v", a)
			}
		}},
		// Bursts.
		{"valid-arrival-burst.yaml", func(t *testing.T, got *Test) {
			if a := got.Load.Arrival; a.Type != ArrivalBurst || a.On != Duration(200*time.Millisecond) || a.Off != Duration(800*time.Millisecond) {
				t.Errorf("arrival = %+v", a)
			}
		}},
		// A request mix: load.request stays empty, entries get defaults.
		{"valid-requests.yaml", func(t *testing.T, got *Test) {
			rs := got.Load.Requests
			if len(rs) != 5 || !isZeroRequest(&got.Load.Request) {
				t.Fatalf("requests = %+v, request = %+v", rs, got.Load.Request)
			}
			if rs[0].Method != "GET" || rs[0].Weight != 8 || rs[3].Weight != 1 || rs[4].Path != "/" {
				t.Errorf("defaults: %+v", rs)
			}
			want := SizeDist{Type: SizeLognormal, Median: 2 * KiB, Sigma: 1.2, Max: MiB}
			if d := rs[4].BodySizeDist; d == nil || *d != want || rs[2].BodySize != 4*KiB {
				t.Errorf("bodySizeDist = %+v", d)
			}
		}},
		// Aliases and merge keys: the second mesh inherits type and
		// concurrency but keeps its own name.
		{"valid-anchors.yaml", func(t *testing.T, got *Test) {
			want := []Mesh{{Name: "first", Type: MeshNone, Concurrency: 2}, {Name: "second", Type: MeshNone, Concurrency: 2}}
			if !reflect.DeepEqual(got.Meshes, want) || got.Load.Timeout != Duration(20*time.Second) {
				t.Errorf("meshes = %+v, timeout = %v", got.Meshes, got.Load.Timeout)
			}
		}},
		// The sample app with sidecar meshes, placement and sampling.
		{"valid-sample-mesh.yaml", func(t *testing.T, got *Test) {
			w := got.Workload
			if w.App != AppSample || w.Services != 3 || w.Topology != TopologyFanout || w.ResponseSize != 2*KiB {
				t.Errorf("workload = %+v", w)
			}
			if len(got.Meshes) != 3 || !got.Meshes[1].MTLS || got.Meshes[1].Concurrency != 2 || got.Meshes[2].Type != MeshHAProxy {
				t.Errorf("meshes = %+v", got.Meshes)
			}
			if p := got.Environment.Placement; p == nil || p.Client != "1" || p.Mesh != "0" || got.Metrics.SampleInterval != Duration(250*time.Millisecond) {
				t.Errorf("placement = %+v, sampleInterval = %v", p, got.Metrics.SampleInterval)
			}
		}},
		// mTLS over HTTP/2 with every TLS setting and handshakes timed.
		{"valid-tls.yaml", func(t *testing.T, got *Test) {
			want := &TLS{CACert: "/etc/smp/ca.pem", Cert: "/etc/smp/client.pem", Key: "/etc/smp/client-key.pem", SessionReuse: true}
			if l := got.Load; l.Protocol != ProtocolHTTP2 || !l.NewConnection || l.TLS == nil || *l.TLS != *want {
				t.Errorf("load = %+v, tls = %+v", l, l.TLS)
			}
		}},
		// gRPC pings with a payload, against the built-in target.
		{"valid-grpc.yaml", func(t *testing.T, got *Test) {
			if l := got.Load; l.Protocol != ProtocolGRPC || l.GRPC == nil || *l.GRPC != (GRPC{Method: GRPCPing, PayloadSize: 512}) {
				t.Errorf("load = %+v, grpc = %+v", l, l.GRPC)
			}
		}},
		// TCP echo with a payload size.
		{"valid-tcp.yaml", func(t *testing.T, got *Test) {
			if l := got.Load; l.Protocol != ProtocolTCP || l.TCP == nil || l.TCP.PayloadSize != KiB || !l.NewConnection {
				t.Errorf("load = %+v, tcp = %+v", l, l.TCP)
			}
		}},
		// gRPC with a connection per call.
		{"valid-grpc-new-connection.yaml", func(t *testing.T, got *Test) {
			if l := got.Load; l.Protocol != ProtocolGRPC || !l.NewConnection || l.GRPC != nil {
				t.Errorf("load = %+v", l)
			}
		}},
		// A request mix over h2c with streams.
		{"valid-h2c-requests.yaml", func(t *testing.T, got *Test) {
			if l := got.Load; l.Protocol != ProtocolH2C || l.Streams != 4 || len(l.Requests) != 2 || l.Requests[1].BodySizeDist == nil || l.Arrival.Seed != 7 {
				t.Errorf("load = %+v", l)
			}
		}},
		// A driver asked for.
		{"valid-driver.yaml", func(t *testing.T, got *Test) {
			if l := got.Load; l.Driver != DriverGoroutines || l.Connections != 4 {
				t.Errorf("load = %+v", l)
			}
		}},
		// h2c with concurrent streams.
		{"valid-h2c-streams.yaml", func(t *testing.T, got *Test) {
			if l := got.Load; l.Protocol != ProtocolH2C || l.Streams != 8 || l.NewConnection || l.TLS != nil {
				t.Errorf("load = %+v", l)
			}
		}},
	}
	files, _ := filepath.Glob("testdata/valid-*.yaml")
	for _, f := range files {
		if !slices.ContainsFunc(tests, func(tt struct {
			file  string
			check func(t *testing.T, got *Test)
		}) bool {
			return tt.file == filepath.Base(f)
		}) {
			t.Errorf("%s has no row in TestParseValid", f)
		}
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
			tt.check(t, got)
		})
	}
}

// TestParseMinimalDefaults is the golden check of the defaults: a spec
// with only the required fields yields exactly these.
func TestParseMinimalDefaults(t *testing.T) {
	got, err := ParseFile("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Test{
		APIVersion: "smp/v1alpha1",
		Kind:       "Test",
		Metadata:   Metadata{Name: "minimal"},
		Workload:   Workload{App: "builtin", ResponseSize: 1024},
		Load: Load{
			Generator:   "builtin",
			Mode:        "fixed",
			Protocol:    "http1",
			Connections: 8,
			Rate:        1000,
			Arrival:     Arrival{Type: "constant"},
			Duration:    Duration(10 * time.Second),
			Warmup:      Duration(1 * time.Second),
			Timeout:     Duration(5 * time.Second),
			Request:     Request{Method: "GET", Path: "/"},
			Clients:     1,
		},
		Meshes:      []Mesh{{Name: "baseline", Type: "none"}},
		Iterations:  1,
		Environment: Environment{Platform: "local"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, want))
	}
	def := Default()
	def.Metadata.Name = "minimal"
	if !reflect.DeepEqual(got, def) {
		t.Errorf("Default() differs from the parsed minimal spec:\n%s", mustJSON(t, def))
	}
}

// TestParseInvalid checks each invalid spec against its golden .err file:
// every problem, in order, with its position. go test ./spec -update
// rewrites the golden files.
func TestParseInvalid(t *testing.T) {
	tests := []struct{ file, why string }{
		{"invalid-empty.yaml", "an empty file has no document"},
		{"invalid-not-mapping.yaml", "the top level is a list"},
		{"invalid-syntax.yaml", "a YAML syntax error, with its line"},
		{"invalid-multiple-documents.yaml", "a second document"},
		{"invalid-unknown-field.yaml", "unknown fields at the top and nested, with suggestions"},
		{"invalid-wrong-type.yaml", "string for int, list for mapping, mapping for list, float for int"},
		{"invalid-duplicate-key.yaml", "a key twice in a mapping and in headers"},
		{"invalid-missing-required.yaml", "apiVersion, kind, metadata.name missing: placed at their parent"},
		{"invalid-negative-rate.yaml", "rate < 0"},
		{"invalid-zero-connections.yaml", "connections 0 given is not replaced by the default"},
		{"invalid-warmup-too-long.yaml", "duration shorter than warmup"},
		{"invalid-default-warmup.yaml", "the default warmup is too long for the duration given"},
		{"invalid-malformed-url.yaml", "URL without scheme; serviceTime next to a url"},
		{"invalid-url-and-app.yaml", "app and url both set"},
		{"invalid-unsupported-mesh.yaml", "a cluster mesh on platform local, a known mesh not supported yet, and an unknown one"},
		{"invalid-kubernetes.yaml", "kubernetes: a local sidecar, placement, bad prefix, image, Prometheus URL, timeout, quantity, replicas 0, clients 0"},
		{"invalid-proxyless.yaml", "istio-proxyless with protocol http1"},
		{"invalid-grpc-sample.yaml", "the sample app over gRPC with the health method (it stops at the entry service)"},
		{"invalid-grpc-sample-local.yaml", "the sample app over gRPC on platform local"},
		{"invalid-kubernetes-only.yaml", "an unknown platform: cluster meshes, replicas, clients > 1 and kubernetes settings need platform kubernetes"},
		{"invalid-kubernetes-local.yaml", "platform local (the default): a cluster mesh, clients 2, kubernetes settings"},
		{"invalid-unsupported-load.yaml", "an unknown generator, protocol and arrival type"},
		{"invalid-duplicate-mesh-names.yaml", "two meshes with one name"},
		{"invalid-bad-duration.yaml", "bare number, bad syntax, out of range"},
		{"invalid-size-kb.yaml", "decimal unit KB; size over 64MiB"},
		{"invalid-request.yaml", "method, path, header name and value, body with bodySize, timeout, maxBacklog"},
		{"invalid-percentiles.yaml", "percentiles out of (0, 100), NaN, a string"},
		{"invalid-buckets-unsorted.yaml", "buckets not strictly ascending, and 0"},
		{"invalid-labels-slo.yaml", "empty label names, an empty objective, a number as label value"},
		{"invalid-multiple-problems.yaml", "many problems in one file, all reported in file order"},
		{"invalid-arrival-closed-loop.yaml", "poisson with rate 0"},
		{"invalid-arrival-foreign-fields.yaml", "fields of other arrival types, zero or not; a seed nothing uses"},
		{"invalid-arrival-ramp.yaml", "ramp from a negative rate to nothing"},
		{"invalid-arrival-steps.yaml", "steps too long, all at rate 0, one without duration"},
		{"invalid-arrival-steps-shape.yaml", "steps as a mapping, a negative seed"},
		{"invalid-arrival-sine.yaml", "amplitude above the mean, no period"},
		{"invalid-arrival-burst.yaml", "negative on, no off"},
		{"invalid-arrival-poisson-too-many.yaml", "a Poisson schedule above 100M sends"},
		{"invalid-requests.yaml", "request and requests; bad weights, methods, paths, sizes, distributions"},
		{"invalid-slo.yaml", "SLO assertions: a bare number, an unknown metric, an unknown role field"},
		{"invalid-tls.yaml", "load.tls with an http URL, a cert without its key"},
		{"invalid-streams.yaml", "streams with newConnection; a number for a boolean"},
		{"invalid-driver.yaml", "an unknown driver"},
		{"invalid-driver-h2c.yaml", "the event loop with h2c"},
		{"invalid-http2-cleartext.yaml", "http2 with an http URL, streams over 1000"},
		{"invalid-streams-http1.yaml", "streams with http1 (the default protocol)"},
		{"invalid-tcp.yaml", "protocol tcp with an http URL, a payload over 64MiB"},
		{"invalid-tcp-url.yaml", "a tcp URL with http1, load.tcp with http1"},
		{"invalid-grpc.yaml", "an unknown gRPC method, an http URL with grpc, a request mix with grpc"},
	}
	files, _ := filepath.Glob("testdata/invalid-*.yaml")
	for _, f := range files {
		if !slices.ContainsFunc(tests, func(tt struct{ file, why string }) bool { return tt.file == filepath.Base(f) }) {
			t.Errorf("%s has no row in TestParseInvalid", f)
		}
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data, tt.file)
			if got != nil || err == nil {
				t.Fatalf("Parse = %v, %v; want nil and problems (%s)", got, err, tt.why)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %T", err)
			}
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %T is not non-empty Problems", err)
			}
			if !slices.IsSortedFunc(ps, func(a, b Problem) int {
				if a.Line != b.Line {
					return a.Line - b.Line
				}
				return a.Col - b.Col
			}) {
				t.Errorf("problems not sorted by position:\n%v", err)
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(tt.file, ".yaml")+".err")
			text := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./spec -update to create it)", err)
			}
			if text != string(want) {
				t.Errorf("%s (%s): got\n%s\nwant\n%s", tt.file, tt.why, text, want)
			}
		})
	}
}

// TestParseFileMissing checks that an unreadable file is an I/O error, not
// an invalid spec.
func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || errors.Is(err, ErrInvalid) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ParseFile(missing) = %v; want a not-exist error", err)
	}
}

// TestParseMultipleProblemsOnePass checks the multi-problem file in detail:
// at least four problems, each with a position inside the file.
func TestParseMultipleProblemsOnePass(t *testing.T) {
	_, err := ParseFile("testdata/invalid-multiple-problems.yaml")
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	if len(ps) < 4 {
		t.Fatalf("got %d problems, want at least 4:\n%v", len(ps), err)
	}
	for _, p := range ps {
		if p.Line == 0 || p.Col == 0 || p.File != "testdata/invalid-multiple-problems.yaml" {
			t.Errorf("problem without position or file: %+v", p)
		}
	}
}

// TestParseAliasLimits checks that aliases cannot make Parse loop or blow
// up: a self-merging mapping, and a file that stands for more values than
// the walk reads.
func TestParseAliasLimits(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // in the error; "" means it parses
	}{
		// A mapping merged into itself, many times over: read once.
		{"self merge", "apiVersion: smp/v1alpha1\nkind: Test\nmetadata: &a {name: x, <<: [*a, *a, *a, *a, *a, *a, *a, *a]}\n", ""},
		// 10 lists of 10 aliases to lists, 4 deep: 10^5 values.
		{"alias bomb", "apiVersion: smp/v1alpha1\nkind: Test\nmetadata: {name: x}\n" +
			"a: &a [x, x, x, x, x, x, x, x, x, x]\n" +
			"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n" +
			"metrics: {percentiles: [*e]}\n",
			"got a list, expected a number"},
		// Many meshes through one alias: more values than a spec has.
		{"wide aliases", "apiVersion: smp/v1alpha1\nkind: Test\nmetadata: {name: x}\n" +
			"m: &m {name: a, type: none, mtls: false, concurrency: 1}\n" +
			"l: &l [" + strings.Repeat("*m, ", 100) + "]\n" +
			"meshes: [" + strings.Repeat("*m, ", 3000) + "]\n",
			"got a document of more than 10000 values"},
	}
	for _, tt := range tests {
		start := time.Now()
		_, err := Parse([]byte(tt.yaml), "x.yaml")
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: Parse took %v", tt.name, took)
		}
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v; want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
