package run

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/smp-dev/smp/collect/istiod"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/report"
)

// istiodPage reads one of collect/istiod's real istiod scrapes.
func istiodPage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "collect", "istiod", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reading reads a control plane whose monitoring page is page (or err).
func reading(t *testing.T, page []byte, err error) *controlPlaneReading {
	t.Helper()
	cp := &platform.ControlPlane{Metrics: func(context.Context) ([]byte, error) { return page, err }}
	r := readControlPlane(context.Background(), cp)
	if r == nil {
		t.Fatal("no reading of a control plane with metrics")
	}
	return r
}

func istiodCP(propagate func(context.Context) (platform.Propagation, error)) *platform.ControlPlane {
	return &platform.ControlPlane{
		Component: platform.Component{Name: "istiod", Role: platform.RoleControlPlane,
			Ref: platform.Ref{Namespace: "istio-system", Pod: "istiod-abc", Container: "discovery"}},
		Propagate: propagate,
	}
}

func dataPlane() []report.Component {
	return []report.Component{
		{Name: "svc-0", Role: platform.RoleApp, CPUMcores: 10, MemMB: 20},
		{Name: "istiod", Role: platform.RoleControlPlane, CPUMcores: 5, CPUMcoresMax: 9, MemMB: 40, MemMBMax: 44, Samples: 7, Source: "prometheus"},
		{Name: "load-client-0", Role: platform.RoleClient, CPUMcores: 30, MemMB: 15},
		{Name: "load-client-0-istio-proxy", Role: platform.RoleProxy, CPUMcores: 1, MemMB: 25},
	}
}

func names(comps []report.Component) []string {
	var out []string
	for _, c := range comps {
		out = append(out, c.Name)
	}
	return out
}

// The control plane's series leave the components for its own section,
// with what it pushed between the readings and the propagation timed.
func TestControlPlaneSection(t *testing.T) {
	before, after := istiodPage(t, "before.txt"), istiodPage(t, "after.txt")
	propagate := func(context.Context) (platform.Propagation, error) {
		return platform.Propagation{Change: "created Service x", Source: "probes", Ms: []float64{100, 300, 200}, Failed: 1,
			Problems: []string{"pod svc-1-b: deadline exceeded"}}, nil
	}
	comps := dataPlane()
	orig := slices.Clone(comps)
	cp, kept, warnings := section(context.Background(), istiodCP(propagate), comps,
		reading(t, before, nil), reading(t, after, nil))
	if cp == nil {
		t.Fatal("no control plane section")
	}
	if cp.Name != "istiod" || cp.Namespace != "istio-system" || cp.Pod != "istiod-abc" {
		t.Errorf("identity %+v", cp)
	}
	if cp.CPUMcores != 5 || cp.CPUMcoresMax != 9 || cp.MemMB != 40 || cp.MemMBMax != 44 || cp.Samples != 7 || cp.Source != "prometheus" || cp.Note != "" {
		t.Errorf("resources %+v; want istiod's component figures", cp)
	}
	if got := names(kept); !slices.Equal(got, []string{"svc-0", "load-client-0", "load-client-0-istio-proxy"}) {
		t.Errorf("components kept %v; want all but istiod", got)
	}
	if !slices.EqualFunc(comps, orig, func(a, b report.Component) bool { return a.Name == b.Name }) {
		t.Errorf("the given components were changed: %v", names(comps))
	}
	// XDS is istiod.Delta of the two readings.
	bs, err := istiod.Parse(strings.NewReader(string(before)))
	if err != nil {
		t.Fatal(err)
	}
	as, err := istiod.Parse(strings.NewReader(string(after)))
	if err != nil {
		t.Fatal(err)
	}
	want := istiod.Delta(bs, as)
	if cp.XDS == nil {
		t.Fatal("no xDS section")
	}
	if !maps.Equal(cp.XDS.Pushes, want.Pushes) || cp.XDS.PushesTotal != want.PushesTotal || cp.XDS.PushesTotal == 0 ||
		cp.XDS.ConnectedProxies != want.ConnectedProxies {
		t.Errorf("xds %+v; want %+v", cp.XDS, want)
	}
	if cp.Version == "" || cp.Version != as.Version {
		t.Errorf("version %q; want the after reading's %q", cp.Version, as.Version)
	}
	// Propagation: 3 clients saw it, 1 did not.
	p := cp.Propagation
	if p == nil {
		t.Fatal("no propagation")
	}
	if p.Clients != 3 || p.P50Ms != 200 || p.MaxMs != 300 || p.Failed != 1 || p.Change != "created Service x" || p.Source != "probes" {
		t.Errorf("propagation %+v", p)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "pod svc-1-b: deadline exceeded") {
		t.Errorf("warnings %q; want the propagation's problem", warnings)
	}
}

// A version the platform knows wins over the metrics'.
func TestControlPlaneVersion(t *testing.T) {
	cp := istiodCP(nil)
	cp.Version = "1.24.0"
	out, _, _ := section(context.Background(), cp, dataPlane(),
		reading(t, istiodPage(t, "before.txt"), nil), reading(t, istiodPage(t, "after.txt"), nil))
	if out.Version != "1.24.0" || out.Propagation != nil {
		t.Errorf("version %q propagation %+v", out.Version, out.Propagation)
	}
}

func TestControlPlaneFailures(t *testing.T) {
	before, after := istiodPage(t, "before.txt"), istiodPage(t, "after.txt")
	// A propagation that cannot be measured is a warning, no section.
	failing := func(context.Context) (platform.Propagation, error) {
		return platform.Propagation{}, errors.New("create service: forbidden")
	}
	cp, _, warnings := section(context.Background(), istiodCP(failing), dataPlane(), reading(t, before, nil), reading(t, after, nil))
	if cp.Propagation != nil || cp.XDS == nil {
		t.Errorf("propagation %+v xds %+v", cp.Propagation, cp.XDS)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "create service: forbidden") {
		t.Errorf("warnings %q", warnings)
	}

	// A reading that failed (before, or after) is a warning and no xDS.
	for _, tc := range []struct {
		name          string
		before, after *controlPlaneReading
		want          string // in the warning
	}{
		{"before", reading(t, nil, errors.New("pod proxy: 503")), reading(t, after, nil), "not read before the load: pod proxy: 503"},
		{"after", reading(t, before, nil), reading(t, nil, errors.New("pod proxy: 503")), "not read after the load: pod proxy: 503"},
		{"unparsable", reading(t, before, nil), reading(t, []byte("not { prometheus"), nil), "not read after the load: "},
	} {
		cp, kept, warnings := section(context.Background(), istiodCP(nil), dataPlane(), tc.before, tc.after)
		if cp == nil || cp.XDS != nil {
			t.Errorf("%s: section %+v", tc.name, cp)
			continue
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "control plane's own metrics "+tc.want) {
			t.Errorf("%s: warnings %q", tc.name, warnings)
		}
		if cp.CPUMcores != 5 || len(kept) != 3 {
			t.Errorf("%s: resources %+v kept %v", tc.name, cp, names(kept))
		}
	}

	// No readings at all (no metrics page): no xDS, no warning.
	cp, _, warnings = section(context.Background(), istiodCP(nil), dataPlane(), nil, nil)
	if cp == nil || cp.XDS != nil || len(warnings) != 0 {
		t.Errorf("no readings: %+v %q", cp, warnings)
	}
	if readControlPlane(context.Background(), istiodCP(nil)) != nil || readControlPlane(context.Background(), nil) != nil {
		t.Error("a reading without a metrics page")
	}

	// No control-plane series: a note says its resources were not measured.
	cp, kept, _ := section(context.Background(), istiodCP(nil), dataPlane()[:1], nil, nil)
	if cp.Note == "" || cp.CPUMcores != 0 || len(kept) != 1 {
		t.Errorf("no series: %+v kept %v", cp, names(kept))
	}

	// No control plane: the components come back as they were.
	comps := dataPlane()
	cp, kept, warnings = section(context.Background(), nil, comps, nil, nil)
	if cp != nil || len(warnings) != 0 || !slices.Equal(names(kept), names(comps)) {
		t.Errorf("nil control plane: %+v %v %q", cp, names(kept), warnings)
	}
}

// The collector measures istiod's container, as a control-plane target.
func TestControlPlaneTarget(t *testing.T) {
	tg := controlPlaneTarget(istiodCP(nil))
	if tg.Name != "istiod" || tg.Role != platform.RoleControlPlane || tg.Namespace != "istio-system" || tg.Pod != "istiod-abc" || tg.Container != "discovery" {
		t.Errorf("target %+v", tg)
	}
}

// section is what an iteration does: the propagation after the load, then
// the control plane's section with it.
func section(ctx context.Context, cp *platform.ControlPlane, comps []report.Component, before, after *controlPlaneReading) (*report.ControlPlane, []report.Component, []string) {
	prop, warnings := propagate(ctx, cp)
	out, kept, w := controlPlane(cp, comps, before, after, prop)
	return out, kept, append(warnings, w...)
}
