package render

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture is report/testdata/fixture.json (baseline, istio, linkerd; three
// iterations each) with SLO results, one of each outcome.
func fixture(t testing.TB) *report.Report {
	t.Helper()
	r, err := report.ReadFile(filepath.Join("..", "testdata", "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	as, err := slo.Parse([]string{"p99 < 5ms", "overhead.p50 < 10%", "client.cpuMcores < 100"})
	if err != nil {
		t.Fatal(err)
	}
	r.SLO = slo.Evaluate(r, as)
	r.Warnings = []string{"a warning <with> markup & such"}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./report/render -update to accept):\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format, file string
		o            Options
	}{
		{FormatTable, "table.golden", Options{}},                  // plain terminal table
		{FormatTable, "table-color.golden", Options{Color: true}}, // the same with ANSI colours
		{FormatMarkdown, "markdown.golden.md", Options{}},         // GitHub Markdown
		{FormatCSV, "report.golden.csv", Options{}},               // spreadsheet rows
		{FormatJUnit, "junit.golden.xml", Options{}},              // SLO results for CI
		{FormatHTML, "report.golden.html", Options{}},             // the offline page
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := Write(&buf, tc.format, fixture(t), tc.o); err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		golden(t, tc.file, buf.Bytes())
	}
	if err := Write(&bytes.Buffer{}, "pdf", fixture(t), Options{}); err == nil || !strings.Contains(err.Error(), `"pdf"`) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestTableShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Table(&buf, fixture(t), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without Color")
	}
	lines := strings.Split(out, "\n")
	header := lines[2]
	for _, want := range []string{"metric", "baseline", "istio", "linkerd", "Δ istio", "95% CI istio", "Δ linkerd"} {
		if !strings.Contains(header, want) {
			t.Errorf("header %q lacks %q", header, want)
		}
	}
	// Every row of the table is as wide as the header: aligned.
	for _, l := range lines[3:8] {
		if len([]rune(l)) > len([]rune(header)) {
			t.Errorf("row wider than header:\n%s\n%s", header, l)
		}
	}
	for _, want := range []string{"p99 ms", "significant", "MeshMark", "FAIL  istio", "not measured"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestJUnitParses(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := fixture(t)
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	fails := 0
	for _, res := range r.SLO {
		if !res.Pass {
			fails++
		}
	}
	if doc.Tests != len(r.SLO) || doc.Fails != fails || len(doc.Suites) != 3 {
		t.Errorf("tests %d failures %d suites %d; want %d, %d, 3", doc.Tests, doc.Fails, len(doc.Suites), len(r.SLO), fails)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := HTML(&buf, fixture(t)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// Nothing that would fetch: no src/href to a URL, no scripts at all.
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).FindString(page); m != "" {
		t.Errorf("page references a URL: %s", m)
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("page has a script")
	}
	for _, id := range ChartIDs() {
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("chart %s missing", id)
		}
	}
	// Text from the report is escaped.
	if strings.Contains(page, "<with>") || !strings.Contains(page, "&lt;with&gt;") {
		t.Error("warning text not escaped")
	}
}

// TestHTMLEmptyReport: a report with no data still renders every chart,
// each saying why it is blank.
// The charts go into the page unescaped (svgHTML): a scenario name from the
// report must come out of them escaped.
func TestHTMLChartsEscapeScenarioNames(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	const evil = `<img src=x onerror="alert(1)">`
	r.Scenarios[0].Name = evil
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<img") {
		t.Error("a scenario name reached the page unescaped")
	}
	if !strings.Contains(page, `data-series="&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"`) {
		t.Error("the percentile chart lacks the escaped scenario name")
	}
}

func TestHTMLEmptyReport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := &report.Report{SchemaVersion: report.SchemaVersion, Scenarios: []report.Scenario{{Name: "x"}}}
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, id := range ChartIDs() {
		if !strings.Contains(buf.String(), `id="`+id+`"`) {
			t.Errorf("chart %s missing", id)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{0, 1000, "0 200 400 600 800 1000"}, // round hundreds
		{0, 7, "0 2 4 6"},                   // steps of 2 cover 7 only with the axis extended
		{0, 0.013, "0 0.005 0.01"},          // sub-unit steps; the axis keeps its own top
	}
	for _, tc := range tests {
		var parts []string
		for _, v := range niceTicks(tc.lo, tc.hi, 5) {
			parts = append(parts, fmtTick(v))
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("ticks(%v, %v) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}
