package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

var fixturePath = filepath.Join("..", "..", "report", "testdata", "fixture.json")
var fortioPath = filepath.Join("..", "..", "report", "format", "fortio", "testdata", "fortio-http.json")

func TestReportVerbs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		out  string // a part of stdout, or of stderr when the exit code is not 0
	}{
		{"table", []string{"report", "show", fixturePath}, 0, "95% CI istio"},                                       // the default rendering
		{"markdown", []string{"report", "show", fixturePath, "-o", "markdown"}, 0, "| p99 ms |"},                    // GitHub tables
		{"html", []string{"report", "show", fixturePath, "-o", "html"}, 0, `id="chart-percentiles"`},                // the page
		{"smp", []string{"report", "show", fixturePath, "-o", "smp"}, 0, `"mesh_type": {`},                          // SMP JSON
		{"fortio", []string{"report", "show", fixturePath, "-o", "fortio", "--scenario", "istio"}, 0, `"RetCodes"`}, // Fortio JSON
		{"fortio ambiguous", []string{"report", "show", fixturePath, "-o", "fortio"}, 2, "expected a scenario named"},
		{"slo pass", []string{"report", "show", fixturePath, "-o", "junit", "--slo", "p99 < 50ms"}, 0, `failures="0"`},
		{"slo fail", []string{"report", "show", fixturePath, "--slo", "overhead.p99 < 1ms"}, 3, "SLO: 1 of 2 passed"},
		{"slo malformed", []string{"report", "show", fixturePath, "--slo", "p99 < 20"}, 2, `"p99 < 20"`},
		{"slo unknown metric", []string{"report", "show", fixturePath, "--slo", "latency < 20ms"}, 2, `got "latency"`},
		{"bad format", []string{"report", "show", fixturePath, "-o", "pdf"}, 2, `-o "pdf"`},
		{"missing file", []string{"report", "show", filepath.Join(dir, "nope.json")}, 2, "no such file"},
		{"show fortio", []string{"report", "show", fortioPath}, 0, "istio-test"}, // auto-detected
		{"import", []string{"report", "import", fortioPath, "--scenario", "x"}, 0, `"schemaVersion": "smp.report/v1"`},
		{"import non-fortio", []string{"report", "import", fixturePath}, 2, "format smp-report, not another tool's result"},
		{"import wrk2", []string{"report", "import", "../../loadgen/testdata/wrk2/stall-R2000-c8-latency.txt", "--mesh", "none"}, 0, `"histogram": "reconstructed"`},
		{"import vegeta", []string{"report", "import", "../../loadgen/testdata/vegeta/attack.json"}, 0, `"name": "vegeta"`},
		{"show hey", []string{"report", "show", "../../loadgen/testdata/hey/run.csv"}, 0, "hey: latency from the actual send"},
		{"import unknown", []string{"report", "import", "../../go.mod"}, 2, "wrk's or wrk2's text summary"},
		{"merge", []string{"report", "merge", fixturePath, fixturePath}, 0, `"iterations": 6`},
		{"compare", []string{"compare", fixturePath, fixturePath, "--baseline", "baseline", "--scenario", "istio"}, 0, "Δ istio"},
		{"compare json", []string{"compare", fixturePath, fixturePath, "-o", "json"}, 0, `"verdict": "not significant"`},
		{"compare no pair", []string{"compare", fixturePath, fixturePath, "--scenario", "consul"}, 2, `"consul": no such scenario`},
	}
	for _, tc := range tests {
		code, out, errOut := smp(t, tc.args...)
		text := out
		if tc.code != 0 {
			text = errOut
		}
		if code != tc.code || !strings.Contains(text, tc.out) {
			t.Errorf("%s: exit %d, want %d; output lacks %q:\n%s\n%s", tc.name, code, tc.code, tc.out, out, errOut)
		}
	}
}

func TestReportMergeFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "merged.json")
	if code, _, errOut := smp(t, "report", "merge", fixturePath, fixturePath, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r, err := report.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Scenarios[0].Iterations); n != 6 || r.Scenarios[0].Summary.Latency.Count != 60000 {
		t.Errorf("%d iterations, %d latencies", n, r.Scenarios[0].Summary.Latency.Count)
	}
	raw, _ := os.ReadFile(out)
	var generic map[string]any
	if json.Unmarshal(raw, &generic) != nil || generic["comparisons"] == nil {
		t.Error("merged report lacks comparisons")
	}
}
