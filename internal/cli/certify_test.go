package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/smp-dev/smp/certify"
)

// TestCertifyJSON runs smp certify on this machine: it may pass or fail
// here, so it checks the shape and that the exit code matches "pass".
func TestCertifyJSON(t *testing.T) {
	code, out, errOut := smp(t, "certify", "-o", "json", "--steal-interval", "200ms")
	var r certify.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d, output not JSON: %v\n%s\n%s", code, err, out, errOut)
	}
	if want := map[bool]int{true: ExitOK, false: ExitUncertified}[r.Pass]; code != want || (!r.Pass && !strings.Contains(errOut, "not certified")) {
		t.Errorf("pass %v, exit %d, want %d (stderr %q)", r.Pass, code, want, errOut)
	}
	if len(r.Fingerprint) != 16 {
		t.Errorf("fingerprint %q, want 16 hex digits", r.Fingerprint)
	}
	ids := map[string]bool{}
	failed := false
	for _, c := range r.Checks {
		if c.ID == "" || c.Observed == "" || c.Expected == "" {
			t.Errorf("incomplete check %+v", c)
		}
		switch c.Severity {
		case certify.Fail:
			failed = true
			if c.Fix == "" {
				t.Errorf("failed check without a fix: %+v", c)
			}
		case certify.Warn, certify.Info:
		default:
			t.Errorf("check %s: severity %q", c.ID, c.Severity)
		}
		ids[c.ID] = true
	}
	if failed == r.Pass {
		t.Errorf("pass %v but a failed check: %v", r.Pass, failed)
	}
	for _, id := range []string{"cpu-governor", "transparent-hugepages", "clocksource", "steal", "load", "nofile", "cgroup-cpu-quota"} {
		if !ids[id] {
			t.Errorf("check %q missing from %v", id, ids)
		}
	}
	if !strings.Contains(out, `"checks"`) || !strings.Contains(out, `"pass"`) {
		t.Errorf("JSON lacks its field names: %s", out)
	}
}

func TestCertifyTableAndBadInput(t *testing.T) {
	code, out, _ := smp(t, "certify", "--steal-interval", "100ms")
	if code != ExitOK && code != ExitUncertified {
		t.Fatalf("exit %d", code)
	}
	verdict := map[int]string{ExitOK: "\nPASS\n", ExitUncertified: "\nFAIL\n"}[code]
	for _, want := range []string{"CHECK", "SEVERITY", "transparent-hugepages", "fingerprint ", verdict} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := smp(t, "certify", "-o", "yaml"); code != ExitUsage || !strings.Contains(errOut, `-o "yaml"`) {
		t.Errorf("-o yaml: exit %d, %q", code, errOut)
	}
	if code, _, errOut := smp(t, "certify", "--steal-interval", "0s"); code != ExitUsage || !strings.Contains(errOut, "--steal-interval") {
		t.Errorf("--steal-interval 0s: exit %d, %q", code, errOut)
	}
}
