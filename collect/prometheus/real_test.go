//go:build linux

package prometheus

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smp-dev/smp/collect"
)

// TestRealPrometheus runs the Debian prometheus binary against an exporter
// whose CPU counter rises at a known rate, then checks the collector's
// series, cut to a window, against that rate.
func TestRealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the real-server test (about 15 s; the full suite runs it)")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed (scripts/install-deps installs the Debian package): skipping the real-server test")
	}
	const rate = 0.25    // CPU seconds per second: 250 mCores
	const mem = 50 << 20 // working set, bytes
	const junk = 7 << 30 // what the excluded series report
	t0 := time.Now()
	exporter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cpu := 100 + rate*time.Since(t0).Seconds()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP %s Cumulative cpu time consumed in seconds.\n# TYPE %s counter\n", CPUMetric, CPUMetric)
		fmt.Fprintf(w, "%s{namespace=\"ns\",pod=\"p\",container=\"c\"} %g\n", CPUMetric, cpu)
		fmt.Fprintf(w, "%s{namespace=\"ns\",pod=\"p\",container=\"\"} %g\n", CPUMetric, 9*cpu)
		fmt.Fprintf(w, "%s{namespace=\"ns\",pod=\"p\",container=\"POD\"} %g\n", CPUMetric, 5*cpu)
		fmt.Fprintf(w, "# HELP %s Current working set in bytes.\n# TYPE %s gauge\n", MemoryMetric, MemoryMetric)
		fmt.Fprintf(w, "%s{namespace=\"ns\",pod=\"p\",container=\"c\"} %d\n", MemoryMetric, mem)
		fmt.Fprintf(w, "%s{namespace=\"ns\",pod=\"p\",container=\"\"} %d\n", MemoryMetric, junk)
		fmt.Fprintf(w, "%s{namespace=\"ns\",pod=\"p\",container=\"POD\"} %d\n", MemoryMetric, junk)
	}))
	defer exporter.Close()

	url := startPrometheus(t, bin, strings.TrimPrefix(exporter.URL, "http://"))
	targets := []collect.Target{
		{Name: "c", Namespace: "ns", Pod: "p", Container: "c"},
		{Name: "pod", Namespace: "ns", Pod: "p"}, // every container but "" and POD: the same as c
		{Name: "missing", Namespace: "ns", Pod: "nope", Container: "c"},
	}
	c := &Collector{URL: url, ScrapeInterval: time.Second}
	if err := c.Start(context.Background(), targets); err != nil {
		t.Fatal(err)
	}
	// The window is the measurement: a rate over 6 scrapes.
	time.Sleep(time.Second)
	from := time.Now()
	time.Sleep(6 * time.Second)
	to := time.Now()
	series := c.Stop()
	if len(series) != len(targets) {
		t.Fatalf("%d series, want %d", len(series), len(targets))
	}
	for _, s := range series[:2] {
		if s.Note != "" {
			t.Fatalf("%s: note %q", s.Name, s.Note)
		}
		u := collect.Window(s, from, to)
		t.Logf("%s: %.1f mCores (want %.0f), %.2f MiB over %d samples; source %s", s.Name, u.CPUMcores, 1000*rate, u.MemMB, u.Samples, s.Source)
		if want := 1000 * rate; u.CPUMcores < 0.85*want || u.CPUMcores > 1.15*want {
			t.Errorf("%s: %.1f mCores, want %.0f ±15%%", s.Name, u.CPUMcores, want)
		}
		if u.MemMB != float64(mem)/(1<<20) || u.MemMBMax != u.MemMB {
			t.Errorf("%s: memory %.2f (max %.2f) MiB, want %d", s.Name, u.MemMB, u.MemMBMax, mem>>20)
		}
		if u.Samples < 4 {
			t.Errorf("%s: %d samples in a 6 s window scraped every second", s.Name, u.Samples)
		}
		if !strings.Contains(s.Source, url) || !strings.Contains(s.Source, "sum("+CPUMetric+"{namespace=\"ns\",pod=\"p\"") {
			t.Errorf("%s: source %q does not name the server and query", s.Name, s.Source)
		}
	}
	if m := series[2]; len(m.Samples) != 0 || m.Note == "" {
		t.Errorf("missing pod: %d samples, note %q; want none and a reason", len(m.Samples), m.Note)
	}
}

// startPrometheus runs bin on a free 127.0.0.1 port with its own data
// directory, scraping target every second; it returns the base URL once
// the server is ready and has scraped, and kills it when the test ends.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: cadvisor
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.console.templates="+dir, "--web.console.libraries="+dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("prometheus log:\n%s", b)
			}
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/api/v1/query?query=up")
		if err == nil {
			var body [512]byte
			n, _ := resp.Body.Read(body[:])
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body[:n]), `"value"`) {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus on %s not ready and scraping after 30 s: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
