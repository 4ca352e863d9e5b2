package store

import (
	"regexp"
	"testing"

	"github.com/smp-dev/smp/report"
)

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestRunID(t *testing.T) {
	a := readReport(t, "report/testdata/fixture.json")
	id, err := RunID(a)
	if err != nil || !hex16.MatchString(id) {
		t.Fatalf("RunID = %q, %v; want 16 hex digits", id, err)
	}
	// A copy (through JSON) is the same report.
	if again, _ := RunID(clone(t, a)); again != id {
		t.Errorf("RunID of a copy = %s, want %s", again, id)
	}
	b := clone(t, a)
	b.Scenarios[1].Summary.AchievedRate++
	if other, _ := RunID(b); other == id {
		t.Error("RunID did not change with the report")
	}
}

func TestSpecHash(t *testing.T) {
	a := readReport(t, "report/testdata/fixture.json")
	h, err := SpecHash(a.Test)
	if err != nil || len(h) != 64 {
		t.Fatalf("SpecHash = %q, %v", h, err)
	}
	b := clone(t, a)
	// Results and environment are not the spec.
	b.Environment.Hostname, b.Scenarios = "elsewhere", nil
	if hb, _ := SpecHash(b.Test); hb != h {
		t.Errorf("SpecHash changed with the results: %s, want %s", hb, h)
	}
	b.Test.Load.Connections++
	if hb, _ := SpecHash(b.Test); hb == h {
		t.Error("SpecHash did not change with load.connections")
	}
}

func TestFingerprint(t *testing.T) {
	base := report.Environment{Hostname: "a", OS: "linux/amd64", Kernel: "6.1", CPUModel: "EPYC", CPUs: 8, MemoryMB: 32000, GoVersion: "go1.26"}
	fp := Fingerprint(base)
	if !hex16.MatchString(fp) {
		t.Fatalf("Fingerprint = %q, want 16 hex digits", fp)
	}
	for _, tc := range []struct {
		name string
		edit func(e *report.Environment)
		same bool
	}{
		{"host name", func(e *report.Environment) { e.Hostname = "b" }, true},
		{"memory reading", func(e *report.Environment) { e.MemoryMB = 31999 }, true},
		{"go version", func(e *report.Environment) { e.GoVersion = "go1.27" }, true},
		{"labels", func(e *report.Environment) { e.Labels = map[string]string{"k": "v"} }, true},
		{"os", func(e *report.Environment) { e.OS = "linux/arm64" }, false},
		{"kernel", func(e *report.Environment) { e.Kernel = "6.2" }, false},
		{"cpu model", func(e *report.Environment) { e.CPUModel = "Xeon" }, false},
		{"cpus", func(e *report.Environment) { e.CPUs = 4 }, false},
		// Fields do not run into each other.
		{"shifted", func(e *report.Environment) { e.OS, e.Kernel = "linux/amd646", ".1" }, false},
	} {
		// (a report's own fingerprint is taken as it is: below)
		e := base
		tc.edit(&e)
		if got := Fingerprint(e) == fp; got != tc.same {
			t.Errorf("%s: same fingerprint = %v, want %v", tc.name, got, tc.same)
		}
	}
	own := base
	own.Fingerprint = "0011223344556677"
	if got := Fingerprint(own); got != own.Fingerprint {
		t.Errorf("a report's own fingerprint: got %q, want it kept", got)
	}
}
