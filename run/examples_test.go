package run

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// smpBinary is the smp executable the platform starts its processes with:
// this test binary, which acts as smp in its children (see main_test.go).
func smpBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// The examples run for real, shortened: every scenario measures, every
// mesh scenario has its sidecars accounted for, nothing fails.
func TestExamplesShortened(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real proxies for a while; runs without -short")
	}
	for _, file := range []string{"quickstart.yaml", "proxies.yaml"} {
		t.Run(file, func(t *testing.T) {
			tt, err := spec.ParseFile(filepath.Join("..", "examples", file))
			if err != nil {
				t.Fatal(err)
			}
			tt.Load.Duration, tt.Load.Warmup = spec.Duration(1500*time.Millisecond), spec.Duration(500*time.Millisecond)
			tt.Load.Rate, tt.Iterations = 200, 1
			tt.Metrics.SampleInterval = spec.Duration(100 * time.Millisecond)
			tt.Environment.Placement = nil // CI machines may have one CPU only
			rep, err := Run(context.Background(), tt, Options{Exe: smpBinary(t), LogDir: t.TempDir()})
			if err != nil {
				t.Fatalf("%v\nwarnings: %v", err, rep)
			}
			for _, s := range rep.Scenarios {
				sum := s.Summary
				if sum.Requests != 200 || sum.Errors != 0 {
					t.Errorf("%s: %d requests, %d errors %v", s.Name, sum.Requests, sum.Errors, sum.ErrorKinds)
				}
				if sum.Resources == nil || sum.Resources.App == nil || sum.Resources.App.Count != 3 || sum.Resources.Client == nil {
					t.Errorf("%s: resources %+v", s.Name, sum.Resources)
					continue
				}
				if s.Mesh.Type == spec.MeshNone {
					if sum.Resources.Proxy != nil {
						t.Errorf("%s: the baseline has proxies %+v", s.Name, sum.Resources.Proxy)
					}
					continue
				}
				if p := sum.Resources.Proxy; p == nil || p.Count != 4 || p.MemMB <= 0 || p.CPUMcores <= 0 || p.CPUMcoresPer1kRps <= 0 {
					t.Errorf("%s: proxy resources %+v", s.Name, p)
				}
				if st := sum.Startup; st == nil || st.Proxy == nil || st.Proxy.Count != 4 || st.Proxy.MaxMs <= 0 {
					t.Errorf("%s: startup %+v", s.Name, st)
				}
				if s.Mesh.Type == spec.MeshReference {
					checkProxyView(t, s.Iterations[0], tt)
				}
			}
			if _, err := exec.LookPath("envoy"); err != nil && file == "proxies.yaml" {
				if !strings.Contains(strings.Join(rep.Warnings, "\n"), "scenario envoy-mtls skipped") {
					t.Errorf("no skip warning for envoy: %v", rep.Warnings)
				}
			}
		})
	}
}

// checkProxyView checks what the reference sidecars counted themselves
// against what the client sent: the client's own sidecar saw every request
// of the window, plus at most the warmup's and the readiness probes'.
func checkProxyView(t *testing.T, it report.Iteration, tt *spec.Test) {
	t.Helper()
	seen := 0
	for _, c := range it.Components {
		if c.Role != report.RoleProxy {
			continue
		}
		if c.Proxy == nil || c.Proxy.Requests == 0 || c.Proxy.Source == "" {
			t.Errorf("%s: proxy view %+v (warnings %v)", c.Name, c.Proxy, it.Warnings)
			continue
		}
		seen++
		if c.Name != "client-proxy" {
			continue
		}
		lo := uint64(it.Requests)
		hi := lo + uint64(tt.Load.Rate*tt.Load.Warmup.D().Seconds()) + 20
		if c.Proxy.Requests < lo || c.Proxy.Requests > hi || c.Proxy.Responses["2xx"] != c.Proxy.Requests || c.Proxy.P50Ms <= 0 {
			t.Errorf("client-proxy counted %+v; the client sent %d in the window (want %d..%d)", c.Proxy, it.Requests, lo, hi)
		}
	}
	if seen != 4 {
		t.Errorf("%d proxies with a view, want 4", seen)
	}
}

// examples/generators.yaml runs, shortened, with builtin, fortio and wrk
// one after the other: every scenario of each measures through real
// sidecars, each generator is named in its scenarios, and the report
// compares each mesh with its baseline and each generator with builtin.
func TestGeneratorsExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real tools and proxies; runs without -short")
	}
	gens := []string{"builtin", "fortio", "wrk"}
	for _, g := range gens[1:] {
		if _, err := exec.LookPath(g); err != nil {
			t.Skipf("%s is not on PATH (scripts/install-deps installs it)", g)
		}
	}
	tt, err := spec.ParseFile(filepath.Join("..", "examples", "generators.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// wrk runs whole seconds.
	tt.Load.Duration, tt.Load.Warmup, tt.Iterations = spec.Duration(3*time.Second), spec.Duration(time.Second), 1
	tt.Metrics.SampleInterval = spec.Duration(100 * time.Millisecond)
	rep, err := CrossCheck(context.Background(), tt, gens, Options{Exe: smpBinary(t), LogDir: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\nwarnings: %v", err, rep)
	}
	if len(rep.Scenarios) != 6 {
		t.Fatalf("%d scenarios, want 2 meshes × 3 generators", len(rep.Scenarios))
	}
	for i, s := range rep.Scenarios {
		g := gens[i/2]
		sum := s.Summary
		if want := CrossScenario(tt.Meshes[i%2].Name, g); s.Name != want {
			t.Errorf("scenario %d is %q, want %q", i, s.Name, want)
		}
		if sum.Requests < 100 || sum.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors %v", s.Name, sum.Requests, sum.Errors, sum.ErrorKinds)
		}
		if sum.Client.Generator == nil || sum.Client.Generator.Name != g {
			t.Errorf("%s: client.generator %+v, want %s", s.Name, sum.Client.Generator, g)
		}
		if s.Mesh.Type == spec.MeshReference && (sum.Resources == nil || sum.Resources.Proxy == nil || sum.Resources.Proxy.Count != 3) {
			t.Errorf("%s: proxies %+v, want 3 sidecars measured", s.Name, sum.Resources)
		}
	}
	pairs := map[string]bool{}
	for _, c := range rep.Comparisons {
		pairs[c.Baseline+" → "+c.Scenario] = true
	}
	for _, want := range []string{
		"baseline [wrk] → reference [wrk]",
		"baseline [builtin] → baseline [fortio]",
		"reference [builtin] → reference [wrk]",
	} {
		if !pairs[want] {
			t.Errorf("no comparison %s among %v", want, pairs)
		}
	}
}
