//go:build unix

package local

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smp-dev/smp/platform"
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

func sampleTest(services int, topology string) *spec.Test {
	t := spec.Default()
	t.Metadata.Name = "local"
	t.Workload = spec.Workload{App: spec.AppSample, Services: services, Topology: topology, ResponseSize: 100}
	return t
}

func deploy(t *testing.T, test *spec.Test, mesh spec.Mesh) (*Provider, *platform.Deployment) {
	t.Helper()
	p := &Provider{Exe: smpBinary(t), Grace: 2 * time.Second}
	d, err := p.Deploy(context.Background(), &platform.Scenario{Test: test, Mesh: mesh, LogDir: t.TempDir()})
	if err != nil {
		t.Fatalf("deploy %s: %v", mesh.Type, err)
	}
	t.Cleanup(func() { p.Teardown(context.Background(), d) })
	return p, d
}

func get(t *testing.T, url string) (int, int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, len(b)
}

// alive reports whether a process still exists.
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func requireProgram(t *testing.T, name string) {
	if testing.Short() {
		t.Skipf("-short: skipping the test of the real %s (the full suite runs it)", name)
	}
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; scripts/install-deps installs it", name)
		}
		t.Skipf("%s not installed (scripts/install-deps installs it)", name)
	}
}

// The baseline: services as processes, a request through the chain, and
// nothing left behind after teardown.
func TestBaselineChainAndCleanup(t *testing.T) {
	p, d := deploy(t, sampleTest(3, "chain"), spec.Mesh{Name: "baseline", Type: spec.MeshNone})
	if len(d.Components) != 3 {
		t.Fatalf("components %+v", d.Components)
	}
	pgid, err := syscall.Getpgid(d.Components[0].Ref.PID)
	if err != nil || pgid <= 1 {
		t.Fatalf("process group of %+v: %d, %v", d.Components[0], pgid, err)
	}
	for _, c := range d.Components {
		if c.Role != platform.RoleApp || !alive(c.Ref.PID) || !c.Ready.After(c.Started) {
			t.Errorf("component %+v", c)
		}
	}
	if code, n := get(t, d.Target); code != 200 || n != 100 {
		t.Errorf("GET %s: %d, %d bytes", d.Target, code, n)
	}
	if err := p.Teardown(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Components {
		if alive(c.Ref.PID) {
			t.Errorf("%s (pid %d) survived teardown", c.Name, c.Ref.PID)
		}
	}
	if syscall.Kill(-pgid, 0) != syscall.ESRCH {
		t.Errorf("process group %d still has members", pgid)
	}
	if err := p.Teardown(context.Background(), d); err != nil {
		t.Errorf("second teardown: %v", err)
	}
}

// Every sidecar kind installed here carries a request through a 3-service
// fanout with mTLS; the inbound listeners refuse a client without a
// certificate.
func TestSidecarsWithMTLS(t *testing.T) {
	for _, kind := range []string{"reference", "haproxy", "nginx"} {
		t.Run(kind, func(t *testing.T) {
			if kind != "reference" {
				requireProgram(t, kind)
			}
			_, d := deploy(t, sampleTest(3, "fanout"), spec.Mesh{Name: kind, Type: kind, MTLS: true, Concurrency: 1})
			var proxies int
			for _, c := range d.Components {
				if c.Role == platform.RoleProxy {
					proxies++
				}
			}
			if proxies != 4 {
				t.Errorf("%d proxies, want 4 (three services and the load generator)", proxies)
			}
			for range 20 {
				if code, n := get(t, d.Target); code != 200 || n != 100 {
					t.Fatalf("GET %s: %d, %d bytes", d.Target, code, n)
				}
			}
			// svc-0's inbound listener is the first route of its sidecar:
			// find it in the generated layout by asking the target chain's
			// first hop. A TLS client without a certificate must fail.
			inbound := inboundOf(t, d, "svc-0")
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 5 * time.Second}
			if resp, err := client.Get("https://" + inbound + "/"); err == nil {
				resp.Body.Close()
				t.Errorf("%s inbound answered %d to a client without a certificate", kind, resp.StatusCode)
			}
		})
	}
}

// inboundOf reads a service sidecar's inbound address from its log folder's
// configuration (the reference proxy's JSON or the others' text).
func inboundOf(t *testing.T, d *platform.Deployment, svc string) string {
	t.Helper()
	for _, c := range d.Components {
		if c.Name != svc+"-proxy" {
			continue
		}
		dir := filepath.Join(filepath.Dir(c.Log), "config")
		files, _ := filepath.Glob(filepath.Join(dir, svc+"-*"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			s := string(data)
			// The first listen address after the inbound route's name.
			i := strings.Index(s, strings.ReplaceAll(svc, "svc-", "svc")+"_in")
			if i < 0 {
				continue
			}
			rest := s[i:]
			j := strings.Index(rest, "127.0.0.1:")
			if j < 0 {
				continue
			}
			addr := rest[j:]
			end := strings.IndexAny(addr, "\" ;\n}")
			return addr[:end]
		}
	}
	t.Fatalf("no inbound address for %s", svc)
	return ""
}

// A sidecar that dies mid-run fails the deployment with its name and the
// tail of its log.
func TestCrashedSidecarIsReported(t *testing.T) {
	_, d := deploy(t, sampleTest(2, "chain"), spec.Mesh{Name: "ref", Type: spec.MeshReference})
	var victim platform.Component
	for _, c := range d.Components {
		if c.Name == "svc-1-proxy" {
			victim = c
		}
	}
	if err := syscall.Kill(victim.Ref.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.Failed:
	case <-time.After(5 * time.Second):
		t.Fatal("deployment did not notice the crash")
	}
	err := d.Err()
	if err == nil || !strings.Contains(err.Error(), "svc-1-proxy") || !strings.Contains(err.Error(), "routes ready") {
		t.Errorf("error %v: want the component's name and its log's tail", err)
	}
}

func TestMissingProgram(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Check("haproxy")
	if !errors.Is(err, platform.ErrNotFound) || !strings.Contains(err.Error(), "haproxy not found on PATH; install it (e.g. apt-get install haproxy) or remove the scenario") {
		t.Errorf("Check(haproxy) = %v", err)
	}
	if err := Check("envoy"); !errors.Is(err, platform.ErrSkipped) {
		t.Errorf("Check(envoy) = %v, want a skip", err)
	}
	if err := Check("none"); err != nil {
		t.Errorf("Check(none) = %v", err)
	}
	if err := Check("reference"); err != nil {
		t.Errorf("Check(reference) = %v: it is built in", err)
	}
}
