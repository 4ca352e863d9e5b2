package run

import (
	"fmt"
	"runtime"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/spec"
)

// CheckPlatform reports what t asks for that this system lacks, as spec
// problems naming the fields: the event loop (load.driver eventloop) and
// CPU pinning (environment.placement) are linux-only, and the local
// platform (workload.app sample) needs process groups, which Windows
// lacks. nil when t can run here. Run checks it after t.Validate.
func CheckPlatform(t *spec.Test) error { return checkPlatform(t, runtime.GOOS) }

func checkPlatform(t *spec.Test, goos string) error {
	var ps spec.Problems
	if (t.Load.Driver == spec.DriverEventLoop || t.Load.Driver == spec.DriverUring) && !load.HasEventLoop(goos) {
		ps = append(ps, spec.Problem{Field: "load.driver", Value: fmt.Sprintf("%q", t.Load.Driver),
			Expected: fmt.Sprintf("%s or nothing: the event loop is linux-only (this is %s)", spec.DriverGoroutines, goos)})
	}
	if t.Environment.Placement != nil && goos != "linux" {
		ps = append(ps, spec.Problem{Field: "environment.placement", Value: "a mapping",
			Expected: fmt.Sprintf("nothing: CPU pinning is linux-only (this is %s)", goos)})
	}
	if t.Workload.App == spec.AppSample && goos == "windows" {
		ps = append(ps, spec.Problem{Field: "workload.app", Value: fmt.Sprintf("%q", t.Workload.App),
			Expected: fmt.Sprintf("%s or a workload.url: the local platform that runs the sample app is not supported on %s (it needs process groups)", spec.AppBuiltin, goos)})
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}
