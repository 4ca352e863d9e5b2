package local

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// errExited marks a component that exited before the deployment was torn
// down; its error carries the tail of the component's log.
var errExited = errors.New("component exited")

// group runs a deployment's processes in one process group, so that one
// signal reaches all of them (and their children, such as nginx workers),
// and notices when one exits before it is stopped.
type group struct {
	cpus []int // CPUs to pin children to; nil = no pinning

	mu       sync.Mutex
	pgid     int
	procs    []*proc
	stopping bool
	failed   chan struct{}
	failErr  error
}

// proc is one child process.
type proc struct {
	name, role, log string
	cmd             *exec.Cmd
	started         time.Time
	done            chan struct{}
}

func newGroup(cpus []int) *group {
	return &group{cpus: cpus, failed: make(chan struct{})}
}

// start runs argv with its output in logPath.
func (g *group) start(name, role, logPath string, argv []string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return nil, errors.New("deployment is being torn down")
	}
	// One process group; on Linux, children die with us (see sysProcAttr).
	cmd.SysProcAttr = sysProcAttr(g.pgid)
	if err := g.startPinned(cmd); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, argv[0], err)
	}
	if g.pgid == 0 {
		g.pgid = cmd.Process.Pid
	}
	p := &proc{name: name, role: role, log: logPath, cmd: cmd, started: time.Now(), done: make(chan struct{})}
	g.procs = append(g.procs, p)
	go g.watch(p)
	return p, nil
}

// watch waits for p and reports it when it exits before stop.
func (g *group) watch(p *proc) {
	err := p.cmd.Wait()
	close(p.done)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping || g.failErr != nil {
		return
	}
	if err == nil {
		err = errors.New("exited with status 0")
	}
	g.failErr = fmt.Errorf("%w: %s: %v; last lines of %s:\n%s", errExited, p.name, err, p.log, tail(p.log, 20))
	close(g.failed)
}

// err is why the group failed, or nil.
func (g *group) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failErr
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	data = bytes.TrimRight(data, "\n")
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(data) == 0 {
		return "(empty log)"
	}
	return string(bytes.Join(lines, []byte("\n")))
}
