package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/regress"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// Done when: five runs of a spec against a target answering in 1 ms make a
// history; a sixth unchanged run passes smp results check (on its steady
// metrics, see below), and a run against the same target answering in 5 ms
// fails it with exit 4. The target is smp's own, its service time changed between runs without
// changing its URL, so that every run has the same spec (hash).
func TestResultsCheckDetectsRegression(t *testing.T) {
	var delay atomic.Int64
	delay.Store(int64(time.Millisecond))
	srv := targettest.Start(t, target.Options{Downstream: func(ctx context.Context) error {
		select {
		case <-time.After(time.Duration(delay.Load())):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	specPath := filepath.Join(dir, "regress.yaml")
	spec := fmt.Sprintf(`apiVersion: smp/v1alpha1
kind: Test
metadata:
  name: regress
workload:
  url: %s
load:
  connections: 4
  rate: 200
  duration: 700ms
  warmup: 200ms
meshes:
  - name: baseline
    type: none
iterations: 2
`, srv.URL())
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	runOnce := func(i int) string {
		t.Helper()
		dest := filepath.Join(dir, fmt.Sprintf("run-%d.json", i))
		code, _, errOut := smp(t, "run", specPath, "-q", "--report", dest, "--store", db)
		if code != 0 || !strings.Contains(errOut, "stored: run ") {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut)
		}
		return dest
	}
	// The check tolerates a 50% change: a loaded machine moves latencies
	// by more than the default 5% between runs; 1 ms to 5 ms is +400%.
	check := func(extra ...string) (int, string, string) {
		return smp(t, append([]string{"results", "check", "--store", db, "--threshold", "50%"}, extra...)...)
	}
	// An unchanged run is judged on the median and the throughput: with
	// 100 requests an iteration, p99 and p99.9 are its largest latencies or
	// nearly, which a busy shared machine moves by more than 50% from one
	// run to the next with nothing changed (docs/results.md says to gate
	// on the steadier metrics for that reason).
	steady := []string{"--metric", "p50", "--metric", "achievedRate"}

	runOnce(0)
	if code, _, errOut := check(); code != 0 || !strings.Contains(errOut, "no earlier runs with this spec and environment: nothing to compare; 1 needed") {
		t.Fatalf("first run: exit %d, stderr %s", code, errOut)
	}
	for i := 1; i < 5; i++ {
		runOnce(i)
	}
	runOnce(5)
	code, out, errOut := check(steady...)
	t.Logf("unchanged run:\n%s", out)
	if code != 0 || !strings.Contains(out, "against 5 earlier runs") || !strings.Contains(out, "0 of 2 metrics regressed") {
		t.Errorf("unchanged run: exit %d\n%s\n%s", code, out, errOut)
	}

	delay.Store(int64(5 * time.Millisecond))
	slow := runOnce(6)
	code, out, errOut = check()
	t.Logf("slower run:\n%s", out)
	if code != ExitRegression || !strings.Contains(errOut, "regressions against 6 earlier runs") {
		t.Errorf("slower run: exit %d, want 4\n%s\n%s", code, out, errOut)
	}
	if failed := strings.Contains(out, "REGRESSION") || strings.Contains(out, "CHANGE POINT"); !failed || !strings.Contains(out, "baseline  p50") {
		t.Errorf("slower run: the table shows no failed metric:\n%s", out)
	}

	// JSON: p50 failed, up by about 400%, and the change-point pass saw it
	// (whether Welch's interval does too depends on how far apart the two
	// iterations of the run happen to be: one degree of freedom).
	code, out, _ = check("-o", "json")
	var res struct {
		Run         string
		History     []string
		Findings    []regress.Finding
		Regressions int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != ExitRegression {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	var p50 *regress.Finding
	for i, f := range res.Findings {
		if f.Metric == "p50" {
			p50 = &res.Findings[i]
		}
	}
	if p50 == nil || !p50.Failed() || p50.ChangePct == nil || *p50.ChangePct < 150 ||
		p50.Shift == nil || !p50.Shift.Flag || len(res.History) != 6 || p50.HistoryValues != 12 || p50.CurrentValues != 2 {
		t.Errorf("json: %+v", res)
	}
	// The same run given as a file: it is left out of its own history.
	code, out, _ = check("--report", slow, "-o", "junit")
	if code != ExitRegression || !strings.Contains(out, `<testcase name="p50 no regression"`) || !strings.Contains(out, `<failure message="p50 no regression: `) {
		t.Errorf("junit of --report: exit %d\n%s", code, out)
	}
	// Checked on throughput alone, it passes: 200 requests/s either way.
	if code, out, errOut := check("--metric", "achievedRate"); code != 0 || !strings.Contains(out, "0 of 1 metrics regressed") {
		t.Errorf("--metric achievedRate: exit %d\n%s\n%s", code, out, errOut)
	}
	// The unchanged run, by its ID prefix, still passes.
	if code, out, errOut := check(append(steady, res.History[0][:8])...); code != 0 {
		t.Errorf("check %s (the sixth run): exit %d\n%s\n%s", res.History[0][:8], code, out, errOut)
	}
}

func TestResultsCheckBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "results.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "the results store has no runs"},
		{[]string{"--test", "nope"}, `--test "nope": no stored runs`},
		{[]string{"--threshold", "five"}, `--threshold "five": expected a percentage`},
		{[]string{"--threshold", "-5%"}, `--threshold "-5%"`},
		{[]string{"--lookback", "0"}, "--lookback 0: expected 1 or more"},
		{[]string{"--mad", "0"}, "--mad 0: expected a number above 0"},
		{[]string{"--metric", "p42"}, `--metric "p42": expected one of p50, p99, p99.9, achievedRate, proxy.cpuMcores, proxy.memMB`},
		{[]string{"-o", "csv"}, `-o "csv": expected table, json or junit`},
		{[]string{"abc"}, `run id "abc": expected 4 to 16 hex digits`},
		{[]string{"--report", fixturePath, "abcd"}, "not both"},
		{[]string{"--report", "nope.json"}, "no such file"},
	} {
		code, _, errOut := smp(t, append([]string{"results", "check", "--store", db}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("check %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	// A report with no history: nothing to compare, not a failure.
	code, _, errOut := smp(t, "results", "check", "--store", db, "--report", fixturePath)
	if code != 0 || !strings.Contains(errOut, "nothing to compare") {
		t.Errorf("no history: exit %d, stderr %s", code, errOut)
	}
}

// Proxy CPU is checked where measured: five earlier copies of the fixture
// (istio's proxy CPU a little different in each) make the history of a
// report whose istio proxies cost half as much again.
func TestResultsCheckProxyCPU(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	hist := filepath.Join(dir, "history")
	_ = os.Mkdir(hist, 0o755)
	scaled := func(f float64, back time.Duration) *report.Report {
		r, err := report.ReadFile(fixturePath)
		if err != nil {
			t.Fatal(err)
		}
		r.StartTime = r.StartTime.Add(-back)
		for i := range r.Scenarios[1].Iterations { // istio
			r.Scenarios[1].Iterations[i].Resources.Proxy.CPUMcores *= f
		}
		return r
	}
	for i := range 5 {
		if err := report.WriteFile(filepath.Join(hist, fmt.Sprintf("%d.json", i)), scaled(1+0.01*float64(i), time.Duration(i+1)*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	cur := filepath.Join(dir, "current.json")
	if err := report.WriteFile(cur, scaled(1.5, 0)); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := smp(t, "results", "import", "--store", db, hist); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	code, out, errOut := smp(t, "results", "check", "--store", db, "--report", cur, "-o", "json")
	var res struct{ Findings []regress.Finding }
	if code != ExitRegression || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("exit %d, want 4\n%s\n%s", code, out, errOut)
	}
	var failed []string
	for _, f := range res.Findings {
		if f.Failed() {
			failed = append(failed, f.Scenario+" "+f.Metric+" "+f.Verdict)
		}
		if f.Scenario == "baseline" && strings.HasPrefix(f.Metric, "proxy.") {
			t.Errorf("the baseline ran no proxy, yet: %+v", f)
		}
	}
	if strings.Join(failed, ", ") != "istio proxy.cpuMcores regression" {
		t.Errorf("failed: %v; want istio's proxy CPU only\n%s", failed, out)
	}
	// The newest stored run (copy 0, a day back) against the four older
	// ones: its proxies cost less, which is no regression.
	if code, out, errOut := smp(t, "results", "check", "--store", db, "--test", "fixture"); code != 0 || !strings.Contains(out, "against 4 earlier runs") {
		t.Errorf("newest stored: exit %d\n%s\n%s", code, out, errOut)
	}
}
