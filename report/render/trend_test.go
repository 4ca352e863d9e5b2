package render

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTrendPlacesPointsAndMarksChanges(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := Trend{ID: "trend-p99", Title: "p99", YLabel: "ms", Series: []TrendSeries{{
		Name: "none", Points: []TrendPoint{
			{Time: t0, Value: 10, Label: "a", Link: "/run/a"},
			{Time: t0.Add(24 * time.Hour), Value: 10},
			{Time: t0.Add(48 * time.Hour), Value: math.NaN()}, // left out
			{Time: t0.Add(96 * time.Hour), Value: 20, Flag: true, Label: `<b>`},
		},
	}}}
	svg := string(c.HTML())
	if !strings.Contains(svg, `id="trend-p99"`) {
		t.Fatalf("no chart id in %s", svg)
	}
	pts := regexp.MustCompile(`points="([^"]*)"`).FindStringSubmatch(svg)
	if pts == nil {
		t.Fatalf("no polyline in %s", svg)
	}
	xy := strings.Fields(pts[1])
	if len(xy) != 3 {
		t.Fatalf("%d points %v: want 3 (the NaN left out)", len(xy), xy)
	}
	// The first point is at the left edge, the last at the right; the
	// first two at one height, the last higher (smaller y).
	var x, y [3]float64
	for i, p := range xy {
		if _, err := fmtSscan(p, &x[i], &y[i]); err != nil {
			t.Fatal(err)
		}
	}
	if x[0] != marginL || x[2] != marginL+plotW {
		t.Errorf("x %v: want %d … %d", x, marginL, marginL+plotW)
	}
	if math.Abs(x[1]-(marginL+plotW/4.0)) > 0.1 {
		t.Errorf("second point at x %.1f: want a quarter of the span, %.1f", x[1], marginL+plotW/4.0)
	}
	if y[0] != y[1] || y[2] >= y[0] {
		t.Errorf("y %v: want equal first two and a higher last", y)
	}
	if n := strings.Count(svg, `class="point change"`); n != 1 {
		t.Errorf("%d change rings: want 1", n)
	}
	if !strings.Contains(svg, `<a href="/run/a">`) {
		t.Error("the linked point is not a link")
	}
	if strings.Contains(svg, "<b>") {
		t.Error("a label reached the chart unescaped")
	}
}

func TestTrendEmpty(t *testing.T) {
	svg := string(Trend{ID: "t", Title: "nothing"}.HTML())
	if !strings.Contains(svg, "no run has this figure") {
		t.Errorf("empty trend: %s", svg)
	}
}

func fmtSscan(p string, x, y *float64) (int, error) {
	return fmt.Sscanf(p, "%f,%f", x, y)
}
