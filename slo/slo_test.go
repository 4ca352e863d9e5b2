package slo

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo/assertion"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture is the shared three-scenario report (baseline, istio, linkerd;
// 3 iterations each) that report's tests keep up to date.
func fixture(t *testing.T) *report.Report {
	t.Helper()
	r, err := report.ReadFile(filepath.Join("..", "report", "testdata", "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseJoinsErrors(t *testing.T) {
	t.Parallel()
	_, err := Parse([]string{"p99 < 20ms", "p99 < 20", "latency < 1ms"})
	if err == nil || !errors.Is(err, assertion.ErrSyntax) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{`"p99 < 20"`, `"latency < 1ms"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	as, err := Parse([]string{"p99 < 20ms", "meshmark >= 50"})
	if err != nil || len(as) != 2 {
		t.Errorf("%v %v", as, err)
	}
}

func TestEvaluateGolden(t *testing.T) {
	t.Parallel()
	as, err := Parse([]string{
		"p99 < 5ms",              // baseline 4.08 and linkerd 4.28 pass; istio 5.30 fails
		"p99.9 <= 50ms",          // all pass
		"errorRate < 0.01%",      // linkerd (0.02%) fails
		"achievedRate >= 995",    // istio (992.3) fails
		"proxy.cpuMcores < 250",  // istio 215, linkerd 95; not the baseline
		"proxy.memMB < 32",       // istio 59 fails
		"overhead.p99 < 1ms",     // istio +1.23 ms fails; linkerd +0.20 passes
		"overhead.p50 < 10%",     // istio +30% fails; linkerd +5% passes
		"overhead.p75 < 1ms",     // a percentile the comparison does not carry
		"meshmark >= 70",         // istio 63.9 fails, linkerd 81.4 passes
		"client.cpuMcores < 100", // no client role measured: fails, "not measured"
	})
	if err != nil {
		t.Fatal(err)
	}
	got := Evaluate(fixture(t), as)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "evaluate.golden.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("results differ from %s (go test ./slo -update to accept):\n%s", golden, buf.String())
	}
	// Spot checks, independent of the golden file.
	find := func(a, sc string) *report.SLOResult {
		for i := range got {
			if got[i].Assertion == a && got[i].Scenario == sc {
				return &got[i]
			}
		}
		return nil
	}
	if r := find("p99 < 5ms", "istio"); r == nil || r.Pass || r.Value < 5.2 || r.Value > 5.4 || r.Unit != "ms" {
		t.Errorf("istio p99: %+v", r)
	}
	if r := find("proxy.cpuMcores < 250", "baseline"); r != nil {
		t.Errorf("proxy assertion applied to the baseline: %+v", r)
	}
	if r := find("overhead.p50 < 10%", "linkerd"); r == nil || !r.Pass || r.Unit != "%" {
		t.Errorf("linkerd overhead: %+v", r)
	}
	if r := find("client.cpuMcores < 100", "istio"); r == nil || r.Pass || r.Note != NoteNotMeasured {
		t.Errorf("unmeasured: %+v", r)
	}
	if !Failed(got) || !strings.HasPrefix(Summary(got), "SLO: ") {
		t.Errorf("failed %v summary %q", Failed(got), Summary(got))
	}
}

func TestEvaluateWithoutBaseline(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	r.Scenarios = r.Scenarios[1:]
	as, _ := Parse([]string{"overhead.p99 < 1ms", "p99 < 100ms"})
	got := Evaluate(r, as)
	if len(got) != 4 || got[0].Pass || got[0].Note != NoteNoBaseline || !got[2].Pass {
		t.Errorf("results %+v", got)
	}
	if Failed(nil) {
		t.Error("no results failed")
	}
}
