//go:build unix

package local

import (
	"fmt"
	"syscall"
	"time"
)

// stop terminates every process: SIGTERM to the group, SIGKILL after
// grace. It waits for the processes it started to be reaped, and for the
// whole group (their children too) to be gone.
func (g *group) stop(grace time.Duration) error {
	g.mu.Lock()
	g.stopping = true
	pgid, procs := g.pgid, g.procs
	g.mu.Unlock()
	if pgid == 0 {
		return nil
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	if !waitGone(pgid, procs, deadline) {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		if !waitGone(pgid, procs, time.Now().Add(5*time.Second)) {
			return fmt.Errorf("process group %d did not exit after SIGKILL", pgid)
		}
	}
	return nil
}

// waitGone waits until every proc is reaped and the group is empty.
func waitGone(pgid int, procs []*proc, deadline time.Time) bool {
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(time.Until(deadline)):
			return false
		}
	}
	for time.Now().Before(deadline) {
		if syscall.Kill(-pgid, 0) == syscall.ESRCH {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return syscall.Kill(-pgid, 0) == syscall.ESRCH
}
