package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// smp runs the command line in-process and returns its exit code and output.
func smp(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Streams{Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := smp(t, "version")
	if code != 0 || !strings.HasPrefix(out, "smp "+Version) {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestLoadJSON(t *testing.T) {
	srv := targettest.Start(t, target.Options{Delay: time.Millisecond, Size: 100})
	code, out, errOut := smp(t, "load", srv.URL(), "--rate", "500", "-c", "4", "-d", "1200ms", "--warmup", "200ms", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not a report: %v\n%s", err, out)
	}
	if r.SchemaVersion != "smp.report/v1" || len(r.Scenarios) != 1 || r.Scenarios[0].Name != srv.URL() {
		t.Fatalf("schema %q, scenarios %d, name %q", r.SchemaVersion, len(r.Scenarios), r.Scenarios[0].Name)
	}
	it := r.Scenarios[0].Iterations[0]
	if it.Requests != 500 || it.RequestedRate != 500 || it.StatusCodes["200"] != 500 {
		t.Errorf("requests %d requested %v statuses %v; want 500 requests of a 1 s window at 500/s",
			it.Requests, it.RequestedRate, it.StatusCodes)
	}
	for _, k := range []string{"p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99"} {
		if v, ok := it.Latency.Percentiles[k]; !ok || v < 1 || v > 50 {
			t.Errorf("latency %s = %v, %v; want a value of a few ms", k, v, ok)
		}
	}
	h, err := hist.Decode(it.Latency.HDR)
	if err != nil || h.Count() != it.Latency.Count || h.Count() != 500 {
		t.Errorf("hdr: %v, count %v vs %d", err, h, it.Latency.Count)
	}
	if it.Latency.Unit != "ms" || it.SendLag.Count != 500 || it.UncorrectedLatency.Count != 500 {
		t.Errorf("unit %q, send lag count %d, uncorrected count %d", it.Latency.Unit, it.SendLag.Count, it.UncorrectedLatency.Count)
	}
	if r.Environment.CPUs == 0 || r.Environment.GoVersion == "" || r.Tool.Name != "smp" {
		t.Errorf("environment %+v tool %+v", r.Environment, r.Tool)
	}
}

func TestLoadTable(t *testing.T) {
	srv := targettest.Start(t, target.Options{})
	code, out, errOut := smp(t, "load", srv.URL(), "-c", "2", "-d", "500ms", "--warmup", "100ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"metric", "p99 ms", srv.URL(), "requested req/s (0 = closed loop)", "send lag p99"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestLoadBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"load", "http://127.0.0.1:1/", "--rate", "-5"}, "--rate: got -5"},
		{[]string{"load", "http://127.0.0.1:1/", "-c", "0"}, "--connections: got 0"},
		{[]string{"load", "http://127.0.0.1:1/", "-d", "banana"}, `--duration "banana": expected a duration`},
		{[]string{"load", "http://127.0.0.1:1/", "-d", "1s", "--warmup", "2s"}, "--warmup"},
		{[]string{"load", "ftp://127.0.0.1/"}, "URL"},
		{[]string{"load", "http://127.0.0.1:1/", "-o", "xml"}, `-o "xml": expected one of table, markdown, json, html, csv, junit`},
		{[]string{"load", "http://127.0.0.1:1/", "-H", "no-colon"}, `--header "no-colon"`},
		{[]string{"load", "http://127.0.0.1:1/", "--nope"}, "unknown flag: --nope"},
		{[]string{"load"}, "accepts 1 arg"},
		{[]string{"nosuchverb"}, "unknown command"},
		{[]string{"target", "--size", "1KB"}, "--size"},
		{[]string{"target", "--status", "200,abc"}, `entry "abc"`},
		{[]string{"load", "http://127.0.0.1:1/", "--generator", "jmeter"}, `--generator "jmeter": generator "jmeter": expected one of builtin, fortio`},
		{[]string{"load", "http://127.0.0.1:1/", "--generator", "wrk,wrk"}, `generator "wrk": named twice`},
		{[]string{"load", "http://127.0.0.1:1/", "--generator-path", "/usr/bin/wrk"}, "expected one external --generator with it"},
		{[]string{"load", "http://127.0.0.1:1/", "--generator", "wrk", "--rate", "100"}, "--rate: got 100, expected what wrk can run: wrk has no rate option"},
		{[]string{"load", "grpc://127.0.0.1:1", "--generator", "vegeta", "--protocol", "grpc"}, "expected what vegeta can run"},
		{[]string{"load", "http://127.0.0.1:1/", "--generator", "fortio", "--generator-path", "/nonexistent/fortio"}, `load generator not found: fortio: load.generatorPath "/nonexistent/fortio"`},
		{[]string{"load", "http://127.0.0.1:1/", "--generator", "fortio", "--driver", "goroutines"}, "--driver: got \"goroutines\", expected nothing with generator fortio"},
		{[]string{"target", "--stall", "2s/1s"}, `--stall "2s/1s": expected FOR/EVERY with 0 < FOR < EVERY`},
	}
	for _, tc := range tests {
		code, _, errOut := smp(t, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("smp %s: exit %d, stderr %q; want exit 2 mentioning %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

func TestLoadTargetDown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	code, out, errOut := smp(t, "load", url, "--rate", "100", "-d", "1s", "--warmup", "0s")
	if code != ExitFailed {
		t.Errorf("exit %d, want 1 when every request fails", code)
	}
	if !strings.Contains(out, "connection_refused=100") || !strings.Contains(errOut, "every request failed") {
		t.Errorf("stdout %q\nstderr %q", out, errOut)
	}
}

func TestRunWritesReport(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out", "r.json")
	code, out, errOut := smp(t, "run", "testdata/short.yaml", "--report", dest)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r, err := report.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Scenarios) != 1 || len(r.Scenarios[0].Iterations) != 2 {
		t.Fatalf("scenarios %+v", r.Scenarios)
	}
	s := r.Scenarios[0]
	if s.Summary.Requests != 800 || s.Summary.Iterations != 2 {
		t.Errorf("summary requests %d iterations %d; want 800 over 2", s.Summary.Requests, s.Summary.Iterations)
	}
	// Pooled percentiles come from the merged histogram.
	merged := hist.New()
	for _, it := range s.Iterations {
		h, err := hist.Decode(it.Latency.HDR)
		if err != nil {
			t.Fatal(err)
		}
		merged.Merge(h)
	}
	if got, want := s.Summary.Latency.Percentiles["p99"], float64(merged.Quantile(99))/1e6; got != want {
		t.Errorf("summary p99 %v, merged histograms say %v", got, want)
	}
	if _, ok := s.Summary.Latency.Percentiles["p99.5"]; !ok {
		t.Error("extra percentile p99.5 missing")
	}
	if b := s.Summary.Latency.Buckets; len(b) != 4 || b[0].LE != 1 || b[3].LE != 100 || b[3].Count != 800 || b[0].Count != 0 {
		t.Errorf("buckets %+v; want le 1,2,5,100 ms with none under 1 ms (2 ms service time) and all under 100", b)
	}
	if p50 := s.Summary.Latency.Percentiles["p50"]; p50 < 2 || p50 > 4 {
		t.Errorf("p50 %v ms with a 2 ms service time", p50)
	}
	raw, _ := os.ReadFile(dest)
	if strings.Contains(string(raw), "s3cret") || !strings.Contains(string(raw), "REDACTED") || !strings.Contains(string(raw), "keep-me") {
		t.Error("the Authorization header must be redacted in the report, other headers kept")
	}
	if !strings.Contains(out, "baseline") || !strings.Contains(errOut, "report: "+dest) {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

func TestRunInvalidSpec(t *testing.T) {
	code, _, errOut := smp(t, "run", "testdata/invalid.yaml")
	if code != ExitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"invalid.yaml:6:9: load.rate", "invalid.yaml:7:16: load.connections"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, _, errOut = smp(t, "spec", "validate", "testdata/short.yaml", "testdata/invalid.yaml")
	if code != ExitUsage || !strings.Contains(errOut, "load.rate") {
		t.Errorf("spec validate: exit %d, stderr %q", code, errOut)
	}
	code, out, _ := smp(t, "spec", "validate", "../../examples/quickstart.yaml")
	if code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("quickstart does not validate: exit %d %q", code, out)
	}
}

func TestSpecSchema(t *testing.T) {
	code, out, _ := smp(t, "spec", "schema")
	var v map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["$schema"] == nil {
		t.Errorf("exit %d, schema not JSON with $schema: %.200s", code, out)
	}
}
