package local

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// errWindows is why the local platform does not run here.
var errWindows = fmt.Errorf("the local platform is not supported on %s: it runs a deployment as one process group", runtime.GOOS)

func sysProcAttr(int) *syscall.SysProcAttr { return nil }

// startPinned refuses to start anything (see errWindows).
func (g *group) startPinned(*exec.Cmd) error { return errWindows }

// stop has nothing to stop: no process is ever started here.
func (g *group) stop(time.Duration) error {
	g.mu.Lock()
	g.stopping = true
	g.mu.Unlock()
	return nil
}
