package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

// withCapacity gives the fixture's istio and linkerd scenarios capacity
// searches: istio passes 500, fails 1000 (p99 40) and 750 (p99 exactly at
// its SLO, 10 ms); linkerd passes 250 and is invalid at 500.
func withCapacity(r *report.Report) *report.Report {
	r.Scenarios[1].Summary.Capacity = &report.Capacity{SLO: []string{"p99 < 10ms", "errors < 1%"}, Rate: 500, Bracket: [2]float64{500, 750},
		Trials: []report.CapacityTrial{ // in search order, not rate order
			{Rate: 500, Achieved: 500, P50Ms: 1, P99Ms: 4, Pass: true, Valid: true},
			{Rate: 1000, Achieved: 990, P50Ms: 3, P99Ms: 40, FailedBy: "slo", Valid: true},
			{Rate: 750, Achieved: 750, P50Ms: 2, P99Ms: 10, FailedBy: "slo", Valid: true},
		}}
	r.Scenarios[2].Summary.Capacity = &report.Capacity{SLO: []string{"p99 < 10ms"}, Rate: 250,
		Trials: []report.CapacityTrial{
			{Rate: 250, Achieved: 250, P50Ms: 0.5, P99Ms: 2, Pass: true, Valid: true},
			{Rate: 500, Achieved: 300, P50Ms: 1, P99Ms: 3, Pass: true, Valid: false},
		}}
	return r
}

// svgElem is one element of a chart, with its attributes.
type svgElem struct {
	name  string
	attrs map[string]string
}

// chartElems parses the chart with id out of an HTML page.
func chartElems(t *testing.T, page, id string) []svgElem {
	t.Helper()
	m := regexp.MustCompile(`(?s)<svg class="chart" id="` + id + `".*?</svg>`).FindString(page)
	if m == "" {
		t.Fatalf("chart %s not in the page", id)
	}
	var out []svgElem
	d := xml.NewDecoder(strings.NewReader(m))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart %s is not well-formed: %v", id, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			e := svgElem{name: se.Name.Local, attrs: map[string]string{}}
			for _, a := range se.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		}
	}
	return out
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func TestCapacityChart(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := HTML(&buf, withCapacity(fixture(t))); err != nil {
		t.Fatal(err)
	}
	els := chartElems(t, buf.String(), CapacityChartID)
	// The axes, computed by hand: x is linear from 0 to 1050 (the highest
	// rate, 1000, plus 5%; its last nice tick, 1000, is below), y is log
	// over whole decades around 0.5..40 ms: 0.1 to 100. The plot is
	// 670 × 260 at (70, 34).
	wantX := func(rate float64) float64 { return 70 + 670*rate/1050 }
	wantY := func(ms float64) float64 { return 34 + 260*(1-(math.Log10(ms)+1)/3) }
	near := func(got string, want float64) bool { return math.Abs(atof(t, got)-want) <= 0.051 }

	verdicts := map[string]int{}
	var marks []string
	for _, e := range els {
		class := e.attrs["class"]
		if !strings.HasPrefix(class, "trial ") {
			continue
		}
		verdicts[strings.TrimPrefix(class, "trial ")]++
		rate, p99 := atof(t, e.attrs["data-rate"]), atof(t, e.attrs["data-p99"])
		marks = append(marks, fmt.Sprintf("%s %v %v %s", e.attrs["data-series"], rate, p99, class))
		var cx, cy string
		switch e.name {
		case "circle":
			cx, cy = e.attrs["cx"], e.attrs["cy"]
		case "path": // a cross: its first stroke starts 4.5 up and left of the point
			f := strings.FieldsFunc(e.attrs["d"], func(r rune) bool { return r == 'M' || r == 'L' || r == ',' || r == ' ' })
			cx, cy = strconv.FormatFloat(atof(t, f[0])+4.5, 'f', 2, 64), strconv.FormatFloat(atof(t, f[1])+4.5, 'f', 2, 64)
		}
		if !near(cx, wantX(rate)) || !near(cy, wantY(p99)) {
			t.Errorf("%s %s: marker at (%s, %s), want (%.1f, %.1f)", e.attrs["data-series"], e.attrs["data-rate"], cx, cy, wantX(rate), wantY(p99))
		}
	}
	want := []string{
		"istio 500 4 trial pass", "istio 750 10 trial fail", "istio 1000 40 trial fail",
		"linkerd 250 2 trial pass", "linkerd 500 3 trial invalid",
	}
	if strings.Join(marks, "\n") != strings.Join(want, "\n") {
		t.Errorf("markers:\n%s\nwant (by scenario, in rate order):\n%s", strings.Join(marks, "\n"), strings.Join(want, "\n"))
	}
	if verdicts["pass"] != 2 || verdicts["fail"] != 2 || verdicts["invalid"] != 1 {
		t.Errorf("verdicts %v", verdicts)
	}

	// One p99 and one p50 line per scenario, points in rate order.
	lines := map[string]string{}
	for _, e := range els {
		if e.name == "polyline" {
			lines[e.attrs["data-series"]+" "+e.attrs["data-metric"]] = e.attrs["points"]
		}
	}
	if len(lines) != 4 {
		t.Errorf("lines %v: want p50 and p99 of istio and linkerd", lines)
	}
	p50 := strings.Fields(lines["istio p50"])
	if len(p50) != 3 {
		t.Fatalf("istio p50 points %v", p50)
	}
	for i, want := range [][2]float64{{500, 1}, {750, 2}, {1000, 3}} {
		xy := strings.Split(p50[i], ",")
		if !near(xy[0], wantX(want[0])) || !near(xy[1], wantY(want[1])) {
			t.Errorf("istio p50 point %d %s, want (%.1f, %.1f)", i, p50[i], wantX(want[0]), wantY(want[1]))
		}
	}

	// The latency SLO (shared by both searches) is one line, at 10 ms; the
	// error-rate SLO is not a latency and has none.
	var slo []svgElem
	for _, e := range els {
		if e.attrs["class"] == "slo" {
			slo = append(slo, e)
		}
	}
	if len(slo) != 1 || slo[0].attrs["data-threshold"] != "10" || !near(slo[0].attrs["y1"], wantY(10)) {
		t.Errorf("SLO lines %+v, want one at y %.1f", slo, wantY(10))
	}
}

// Reports without capacity trials have no capacity chart (and, the
// golden file says, the same page as before).
func TestCapacityChartOnlyForCapacity(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	r.Scenarios[1].Summary.Capacity = &report.Capacity{Rate: 0} // a search with no trials
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), CapacityChartID) {
		t.Error("a report without capacity trials has a capacity chart")
	}
}

// A scenario name reaches the capacity chart escaped.
func TestCapacityChartEscapes(t *testing.T) {
	t.Parallel()
	r := withCapacity(fixture(t))
	r.Scenarios[1].Name = `<img src=x onerror="alert(1)">`
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<img") {
		t.Error("a scenario name reached the page unescaped")
	}
}
