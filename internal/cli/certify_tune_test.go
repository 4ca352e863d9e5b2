package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/certify"
	"github.com/smp-dev/smp/report"
)

// vmTree is a temporary copy of a real VM's procfs and sysfs files
// (certify/testdata/vm) with somaxconn 128 and THP always: --tune runs
// against it with --root, never against this machine.
func vmTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../certify/testdata/vm")); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{
		"proc/sys/net/core/somaxconn":                "128\n",
		"sys/kernel/mm/transparent_hugepage/enabled": "[always] madvise never\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCertifyTuneReset(t *testing.T) {
	root := vmTree(t)
	state := filepath.Join(t.TempDir(), "tune.json")
	code, out, errOut := smp(t, "certify", "--tune", "--root", root, "--state", state, "--steal-interval", "10ms", "-o", "json")
	if code != ExitOK {
		t.Fatalf("--tune: exit %d: %s\n%s", code, errOut, out)
	}
	var res certify.TuneResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--tune -o json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, c := range res.Changes {
		got[c.Path] = c.Old + " → " + c.New
	}
	want := map[string]string{
		"/proc/sys/net/core/somaxconn":                "128 → 4096",
		"/sys/kernel/mm/transparent_hugepage/enabled": "always → madvise",
	}
	if len(got) != len(want) || got["/proc/sys/net/core/somaxconn"] != want["/proc/sys/net/core/somaxconn"] ||
		got["/sys/kernel/mm/transparent_hugepage/enabled"] != want["/sys/kernel/mm/transparent_hugepage/enabled"] {
		t.Errorf("changes %v, want %v", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "proc/sys/net/core/somaxconn")); string(b) != "4096\n" {
		t.Errorf("somaxconn %q after --tune", b)
	}
	// The captured VM's load (1.55 on 2 CPUs) warns, and no write fixes
	// it (nofile is this process's: it may warn too).
	untuned := map[string]bool{}
	for _, c := range res.Untuned {
		untuned[c.ID] = true
	}
	if !untuned["load"] || untuned["somaxconn"] || untuned["transparent-hugepages"] || res.StateFile != state {
		t.Errorf("untuned %+v, state %q", res.Untuned, res.StateFile)
	}

	code, out, errOut = smp(t, "certify", "--reset", "--root", root, "--state", state)
	if code != ExitOK || !strings.Contains(out, `reset   /proc/sys/net/core/somaxconn: "4096" → "128"`) || !strings.Contains(out, "removed") {
		t.Fatalf("--reset: exit %d: %s\n%s", code, errOut, out)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "proc/sys/net/core/somaxconn")); string(b) != "128\n" {
		t.Errorf("somaxconn %q after --reset", b)
	}
	code, _, errOut = smp(t, "certify", "--reset", "--root", root, "--state", state)
	if code != ExitUsage || !strings.Contains(errOut, "nothing to reset") || !strings.Contains(errOut, state) {
		t.Errorf("--reset without state: exit %d, %q", code, errOut)
	}
}

func TestCertifyTuneBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tune", "--reset"}, "--tune with --reset"},
		{[]string{"--tune", "--calibrate", "3"}, "--calibrate with --tune"},
	} {
		code, _, errOut := smp(t, append([]string{"certify", "--root", t.TempDir(), "--state", filepath.Join(t.TempDir(), "s")}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, errOut)
		}
	}
}

// A write that failed is printed as such, beside the ones made.
func TestWriteTuneFailed(t *testing.T) {
	var b bytes.Buffer
	err := writeTune(&b, "table", true, certify.TuneResult{StateFile: "/s.json", Changes: []certify.Change{
		{Check: "somaxconn", Path: "/proc/sys/net/core/somaxconn", Old: "128", New: "4096"},
		{Check: "cpu-turbo", Path: "/sys/devices/system/cpu/cpufreq/boost", Old: "1", New: "0", Error: "permission denied"},
	}})
	want := "tuned   /proc/sys/net/core/somaxconn: \"128\" → \"4096\" (somaxconn)\n" +
		"FAILED  /sys/devices/system/cpu/cpufreq/boost: \"1\" → \"0\" (cpu-turbo): permission denied\n" +
		"state: /s.json (smp certify --reset writes the old values back)\n"
	if err != nil || b.String() != want {
		t.Errorf("got %v\n%s\nwant\n%s", err, b.String(), want)
	}
}

// smp run --calibrate N records the calibration in the report and shows
// it under the table's title.
func TestRunCalibrate(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := smp(t, "run", "testdata/short.yaml", "--report", dest, "--calibrate", "2")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r, err := report.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Environment.Certify
	if c == nil || c.Calibration == nil {
		t.Fatalf("environment.certify %+v: want a calibration", c)
	}
	cal := c.Calibration
	if cal.Runs != 2 || cal.Rate != calibrationRate || cal.MaxCV != defaultMaxCV || cal.CVP99 < 0 || cal.SendLagP99Ms < 0 {
		t.Errorf("calibration %+v", cal)
	}
	if want := fmt.Sprintf("calibration CV p50 %.3f, p99 %.3f", cal.CVP50, cal.CVP99); !strings.Contains(out, want) || !strings.Contains(out, "Environment: certified ") {
		t.Errorf("table lacks %q:\n%s", want, out)
	}
	if !strings.Contains(errOut, "calibrating: 2 runs") {
		t.Errorf("stderr %q", errOut)
	}
	for _, args := range [][]string{{"--calibrate", "1"}, {"--calibrate", "2", "--no-certify"}} {
		if code, _, errOut := smp(t, append([]string{"run", "testdata/short.yaml"}, args...)...); code != ExitUsage || !strings.Contains(errOut, "--calibrate") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}
