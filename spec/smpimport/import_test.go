package smpimport

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden imports each testdata config and compares the YAML with its
// golden file; the YAML must also pass spec.Parse on its own.
func TestGolden(t *testing.T) {
	for _, in := range []string{"meshery.yaml", "grpc.json"} {
		t.Run(in, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", in))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Import(data)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(in, filepath.Ext(in))+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, r.YAML, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.YAML, want) {
				t.Errorf("Import(%s) =\n%s\nwant (%s)\n%s", in, r.YAML, golden, want)
			}
			if _, err := spec.Parse(r.YAML, golden); err != nil {
				t.Errorf("the imported spec does not validate: %v", err)
			}
			for _, n := range r.Notes {
				if !bytes.Contains(r.YAML, []byte(n)) {
					t.Errorf("note %q is not in the YAML's header comment", n)
				}
			}
		})
	}
}

func TestMapping(t *testing.T) {
	data, err := os.ReadFile("testdata/meshery.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(data)
	if err != nil {
		t.Fatal(err)
	}
	l := r.Test.Load
	if l.Connections != 6 || l.Rate != 40 || l.Protocol != spec.ProtocolHTTP1 || l.Duration.String() != "30m0s" {
		t.Errorf("load = %d connections, rate %g, %s, %s; want 6, 40, http1, 30m0s", l.Connections, l.Rate, l.Protocol, l.Duration)
	}
	if r.Test.Workload.URL != "http://localhost:2323/productpage" {
		t.Errorf("workload.url = %q", r.Test.Workload.URL)
	}
	if h := l.Request.Headers; h["Content-Type"] != "application/json" || h["X-Request-Source"] != "meshery" || l.Request.Method != "POST" || l.Request.Body != `{"item": 1}` {
		t.Errorf("request = %+v", l.Request)
	}
	if r.Test.Metadata.Name != "istio-performance-test" || r.Test.Metadata.Labels["team"] != "platform" {
		t.Errorf("metadata = %+v", r.Test.Metadata)
	}
	if len(r.Test.Meshes) != 1 || r.Test.Meshes[0].Type != spec.MeshNone {
		t.Errorf("meshes = %+v", r.Test.Meshes)
	}
	if l.Generator != "fortio" {
		t.Errorf("load.generator = %q, want clients[0]'s fortio", l.Generator)
	}
	all := strings.Join(r.Notes, "\n")
	for _, want := range []string{`clients[0].load_generator "fortio": load.generator fortio`, `clients[1].load_generator "wrk2": not mapped`, "load.generator", "clients[0].cookies", `"services"`, "name \"Istio Performance Test\"", "endpoint_urls: 2 URLs", "summed", "smp_version", "id "} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}

	g, err := Import([]byte(`{"name":"g","clients":[{"protocol":"GRPC","rps":0,"connections":1,"endpoint_urls":["https://h:443/x"]}],"duration":"1s"}`))
	if err != nil {
		t.Fatal(err)
	}
	if g.Test.Workload.URL != "grpcs://h:443" || g.Test.Load.Rate != 0 || g.Test.Load.Warmup != 0 || g.Test.Load.Protocol != spec.ProtocolGRPC {
		t.Errorf("grpc import: url %q rate %g warmup %s protocol %s", g.Test.Workload.URL, g.Test.Load.Rate, g.Test.Load.Warmup, g.Test.Load.Protocol)
	}
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct{ in, field, value string }{
		{`{"name":"x","duration":"fast"}`, "duration", `"fast"`},
		{"name: x\nclients: [{connections: -3}]\n", "clients[0].connections", "-3"},
		{"clients: [{rps: -1}]\n", "clients[0].rps", "-1"},
		{"clients: [{protocol: PROTOCOL_QUIC}]\n", "clients[0].protocol", `"PROTOCOL_QUIC"`},
		{"clients: [{protocol: 9}]\n", "clients[0].protocol", `"9"`},
		{"clients: [{protocol: UDP}]\n", "clients[0].protocol", "PROTOCOL_UDP"},
		{"clients: [{connections: many}]\n", "clients[0].connections", `"many"`},
		{"labels: [a]\n", "labels", "a list"},
		{"clients: {a: 1}\n", "clients", "a mapping"},
		{"[1, 2]", "(document)", "a list"},
		{"clients: [{endpoint_urls: ['http://']}]\n", "clients[0].endpoint_urls[0]", `"http://"`},
	} {
		_, err := Import([]byte(c.in))
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Import(%q) = %v; want an *Error", c.in, err)
			continue
		}
		if e.Field != c.field || !strings.Contains(e.Value, c.value) || e.Expected == "" {
			t.Errorf("Import(%q) = %+v; want field %s, value %s, an expectation", c.in, e, c.field, c.value)
		}
	}
	// smp's own validation still applies: 20000 connections are too many.
	_, err := Import([]byte("clients: [{connections: 20000}]\n"))
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, spec.ErrInvalid) || !strings.Contains(err.Error(), "load.connections") {
		t.Errorf("too many connections: %v", err)
	}
}
