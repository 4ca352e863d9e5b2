package render

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/browsertest"
)

// TestHTMLInChromium loads the HTML report in a real headless Chromium
// (Debian's chromium; scripts/install-chromium installs it), driven over
// the DevTools protocol on a pipe: the page must load with no console
// error, no exception and no failed or blocked request (network is cut off
// entirely), and every chart must be present and drawn. A full-page
// screenshot is kept in $SMP_TEST_ARTIFACTS (default: a temp dir).
func TestHTMLInChromium(t *testing.T) {
	bin := browsertest.Find(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	// With capacity searches, so that the capacity chart is drawn too.
	if err := HTML(&buf, withCapacity(fixture(t))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	b := browsertest.Start(t, bin, dir)
	sid := b.NewPage(t)
	b.Navigate(t, sid, "file://"+page)

	ids := append(ChartIDs(), CapacityChartID)
	check := `(() => {
		const ids = ` + mustJSON(ids) + `;
		const out = {};
		for (const id of ids) {
			const el = document.getElementById(id);
			out[id] = el ? {tag: el.tagName.toLowerCase(), marks: el.querySelectorAll("polyline, rect.bar").length,
				trials: el.querySelectorAll(".trial").length,
				width: el.getBoundingClientRect().width} : null;
		}
		out.tables = document.querySelectorAll("table").length;
		return JSON.stringify(out);
	})()`
	var charts map[string]any
	if err := json.Unmarshal([]byte(b.Eval(t, sid, check).(string)), &charts); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		c, _ := charts[id].(map[string]any)
		if c == nil || c["tag"] != "svg" || c["marks"].(float64) == 0 || c["width"].(float64) < 100 {
			t.Errorf("chart %s: %v: want a drawn <svg> at least 100 px wide", id, charts[id])
		}
	}
	if c, _ := charts[CapacityChartID].(map[string]any); c == nil || c["trials"].(float64) != 5 {
		t.Errorf("capacity chart %v: want the 5 trials' markers drawn", c)
	}
	if charts["tables"].(float64) < 4 {
		t.Errorf("%v tables: want comparison, MeshMark, SLO and environment", charts["tables"])
	}

	b.Screenshot(t, sid, "report-html.png")

	// Let late console messages arrive, then judge.
	b.Drain(300 * time.Millisecond)
	for _, p := range b.Problems() {
		t.Errorf("browser: %s", p)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
