package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

// TestControlPlane: a scenario with a control plane gets its rows in the
// comparison grid and a block in the table and Markdown; the others show
// "-" in those rows.
func TestControlPlane(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	i := -1
	for j, s := range r.Scenarios {
		if s.Name == "istio" {
			i = j
		}
	}
	if i < 0 {
		t.Fatal("fixture has no istio scenario")
	}
	r.Scenarios[i].Summary.ControlPlane = &report.ControlPlane{
		Name: "istiod", Namespace: "istio-system", Pod: "istiod-7d9", Version: "1.31.0",
		CPUMcores: 41.5, CPUMcoresMax: 90, MemMB: 88.25, MemMBMax: 95, Samples: 12, Source: "metrics.k8s.io",
		XDS: &report.XDS{Pushes: map[string]float64{"eds": 25, "cds": 4}, PushesTotal: 29, ConnectedProxies: 6,
			ConvergenceMs: report.NewQuantiles([]report.Bucket{{LE: 100, Count: 10}, {LE: 500, Count: 20}}, 20)},
		Propagation: report.NewPropagation("created Service probe", "probe pods", []float64{120, 80, 250}, 1),
	}
	var table, md bytes.Buffer
	if err := Table(&table, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	// The grid's columns are baseline, istio, linkerd in the fixture.
	for _, want := range []string{
		"control plane mCores", "41.5", "control plane MB", "88.2", "xDS pushes", "29",
		"xDS convergence p99 ms", "492.0", "config propagation p50 ms", "120.0", "config propagation max ms", "250.0",
		"istio: istiod 1.31.0 (istio-system/istiod-7d9)",
		"6 proxies; 29 pushes (cds=4 eds=25); convergence p50/p90/p99 100.0/420.0/492.0 ms of 20",
		"created Service probe: 3 clients, p50 120.0 ms, max 250.0 ms, 1 never saw it",
	} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	for _, line := range strings.Split(table.String(), "\n") {
		if strings.HasPrefix(line, "control plane mCores") {
			if f := strings.Fields(line); len(f) != 6 || f[3] != "-" || f[4] != "41.5" || f[5] != "-" {
				t.Errorf("row %q: want - 41.5 - (baseline, istio, linkerd)", line)
			}
		}
	}
	for _, want := range []string{"### Control plane", "| istio | istiod 1.31.0 (istio-system/istiod-7d9) |", "| control plane mCores | - | 41.5 | - |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	// Without a control plane nothing of it shows.
	var plain bytes.Buffer
	if err := Table(&plain, fixture(t), Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "control plane") || strings.Contains(plain.String(), "xDS") {
		t.Errorf("control-plane rows without a control plane:\n%s", plain.String())
	}
}

// A control plane with resources only (no xDS reading, no propagation: an
// interrupted run, say) renders in every format without its missing rows.
func TestControlPlanePartial(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == "istio" {
			r.Scenarios[i].Summary.ControlPlane = &report.ControlPlane{Name: "istiod", CPUMcores: 3, MemMB: 40, Samples: 2}
		}
	}
	var table, md, html bytes.Buffer
	if err := Table(&table, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := Write(&html, "html", r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "control plane mCores") {
		t.Errorf("table lacks the control plane's CPU:\n%s", table.String())
	}
	for _, absent := range []string{"config propagation", "xDS pushes"} {
		if strings.Contains(table.String(), absent) {
			t.Errorf("table has %q without a figure for it", absent)
		}
	}
}
