package render

import (
	"fmt"
	"strings"
	"testing"
)

func TestLayLegendGrid(t *testing.T) {
	names := []string{"baseline", "istio", "linkerd", "cilium", "kuma"}
	got, rows := layLegend(names)
	if rows != 2 {
		t.Errorf("%d rows for 5 short names, want 2 (four to a row)", rows)
	}
	for i, e := range got {
		if want := marginL + (i%4)*legendCol; e.x != want || e.row != i/4 || e.text != names[i] || e.cut {
			t.Errorf("entry %d = %+v, want column x %d row %d, uncut", i, e, want, i/4)
		}
	}
}

// Long names (an overlay names each series "RUN scenario") flow: no two
// entries of a row overlap, none runs past the right edge, and a name
// wider than a row is cut and kept whole in a tooltip.
func TestLayLegendLongNames(t *testing.T) {
	names := []string{
		"3f9a1c2b7d4e5f60 baseline", "3f9a1c2b7d4e5f60 istio-sidecar-mtls",
		"a1b2c3d4e5f60718 baseline", "a1b2c3d4e5f60718 istio-sidecar-mtls",
		"x", strings.Repeat("very long scenario name ", 8),
	}
	got, rows := layLegend(names)
	if rows < 2 {
		t.Fatalf("%d rows, want the long names to wrap", rows)
	}
	for i, e := range got {
		if e.x+legendWidth(e.text) > marginL+legendMax {
			t.Errorf("entry %d %q ends at %d, past the right edge %d", i, e.text, e.x+legendWidth(e.text), marginL+legendMax)
		}
		if i > 0 && got[i-1].row == e.row && got[i-1].x+legendWidth(got[i-1].text) >= e.x {
			t.Errorf("entries %d and %d overlap on row %d: %+v %+v", i-1, i, e.row, got[i-1], e)
		}
		if i > 0 && e.row < got[i-1].row {
			t.Errorf("entry %d goes back to row %d", i, e.row)
		}
	}
	last := got[len(got)-1]
	if !last.cut || !strings.HasSuffix(last.text, "…") || !strings.HasPrefix(names[5], strings.TrimSuffix(last.text, "…")) {
		t.Errorf("the over-long name: %+v, want it cut with …", last)
	}
	if got[4].cut || got[4].text != "x" {
		t.Errorf("a short name among long ones: %+v", got[4])
	}

	// Drawn: the chart is as tall as its legend rows, and the cut name's
	// tooltip holds it whole.
	var b svgBuilder
	open(&b, "c", "t", names)
	svg := b.String()
	if want := fmt.Sprintf(`height="%d"`, chartH+legendRow*rows+6); !strings.Contains(svg, want) {
		t.Errorf("chart lacks %s for %d legend rows", want, rows)
	}
	if !strings.Contains(svg, "<title>"+esc(names[5])+"</title>") {
		t.Error("the cut name has no tooltip with the whole name")
	}
}
