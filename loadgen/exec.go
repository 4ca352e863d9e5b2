package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Cmd is one run of a tool.
type Cmd struct {
	Argv  []string
	Stdin io.Reader // nil: nothing
	// Stdout, when set, receives the tool's standard output instead of
	// Output.Stdout (for outputs too large to hold, such as vegeta's
	// per-request results).
	Stdout io.Writer
	Dir    string
}

// Output is what a tool run left: what it printed and what it cost.
type Output struct {
	Stdout, Stderr []byte
	ExitCode       int           // -1 when killed by a signal
	CPU            time.Duration // user + system time of the tool and its children
	MaxRSSMB       float64
	Wall           time.Duration
}

// Cmder runs tools: the seam between the adapters and the operating
// system, so that adapters are tested with recorded outputs.
type Cmder interface {
	// Run runs c to its end. A tool that exits non-zero is not an error
	// here (Output.ExitCode says so); failing to start it is. When ctx is
	// cancelled the tool and its process group are stopped (SIGINT, then
	// SIGKILL after a grace period) and Run returns what it printed so
	// far with ctx's error.
	Run(ctx context.Context, c Cmd) (*Output, error)
}

// Exec is the Cmder of the operating system.
type Exec struct{}

var _ Cmder = Exec{}

// stopGrace is how long a cancelled tool gets between SIGINT (which lets
// fortio, vegeta and hey print what they measured) and SIGKILL.
const stopGrace = 3 * time.Second

// Run implements Cmder.
func (Exec) Run(ctx context.Context, c Cmd) (*Output, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("run tool: empty command")
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Dir = c.Stdin, c.Dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	}
	setGroup(cmd)
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.Argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr, cerr error
	select {
	case werr = <-done:
	case <-ctx.Done():
		cerr = ctx.Err()
		interruptGroup(cmd)
		select {
		case werr = <-done:
		case <-time.After(stopGrace):
			killGroup(cmd)
			werr = <-done
		}
	}
	out := &Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Wall: time.Since(began)}
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
	default:
		return out, fmt.Errorf("run %s: %w", c.Argv[0], werr)
	}
	if ps := cmd.ProcessState; ps != nil {
		out.ExitCode = ps.ExitCode()
		out.CPU = ps.UserTime() + ps.SystemTime()
		out.MaxRSSMB = maxRSSMB(ps)
	}
	return out, cerr
}

// tailLen bounds how much of a tool's output goes into an error.
const tailLen = 1500

// tail is the end of what a tool printed, stderr first, for an error.
func tail(o *Output) string {
	if o == nil {
		return "(nothing)"
	}
	s := strings.TrimSpace(strings.TrimSpace(string(o.Stderr)) + "\n" + strings.TrimSpace(string(o.Stdout)))
	switch {
	case s == "":
		return "(nothing)"
	case len(s) > tailLen:
		return fmt.Sprintf("…%q", s[len(s)-tailLen:])
	}
	return fmt.Sprintf("%q", s)
}
