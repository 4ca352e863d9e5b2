package run

import (
	"errors"
	"strings"
	"testing"

	"github.com/smp-dev/smp/spec"
)

// What only Linux has is a problem elsewhere, named by field, value and
// system; the same spec is fine on Linux.
func TestCheckPlatform(t *testing.T) {
	tt := spec.Default()
	tt.Workload = spec.Workload{App: spec.AppSample}
	tt.Load.Driver = spec.DriverEventLoop
	tt.Environment.Placement = &spec.Placement{Client: "0", Mesh: "1"}
	if err := checkPlatform(tt, "linux"); err != nil {
		t.Fatalf("linux: %v", err)
	}
	want := map[string][]string{
		"darwin":  {`load.driver: got "eventloop"`, "linux-only (this is darwin)", "environment.placement"},
		"windows": {`load.driver: got "eventloop"`, "environment.placement", `workload.app: got "sample"`, "not supported on windows"},
	}
	for goos, parts := range want {
		err := checkPlatform(tt, goos)
		var ps spec.Problems
		if !errors.As(err, &ps) || !errors.Is(err, spec.ErrInvalid) {
			t.Fatalf("%s: %v: want spec.Problems", goos, err)
		}
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: %q lacks %q", goos, err, p)
			}
		}
	}
	if n := len(checkPlatform(tt, "darwin").(spec.Problems)); n != 2 {
		t.Errorf("darwin: %d problems, want 2 (the local platform runs there)", n)
	}
	tt.Load.Driver, tt.Environment.Placement, tt.Workload = "", nil, spec.Workload{URL: "http://127.0.0.1:1/"}
	for _, goos := range []string{"darwin", "windows"} {
		if err := checkPlatform(tt, goos); err != nil {
			t.Errorf("%s, a URL and the automatic driver: %v", goos, err)
		}
	}
}
