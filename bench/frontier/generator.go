package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// generator is one load generator at one of its settings: a curve of the
// frontier. Implementations are plain values holding the tool's binary;
// one per file.
type generator interface {
	// name is the tool, setting how it was asked to pace (both for the
	// table; together they name the curve).
	name() string
	setting() string
	// command returns the argv sending rate requests/s to url from conns
	// connections for d, and what to give it on standard input ("" for
	// nothing).
	command(url string, rate, conns int, d time.Duration) (argv []string, stdin string)
}

// curve names g's curve in the plot and the progress lines.
func curve(g generator) string {
	if g.setting() == "" {
		return g.name()
	}
	return g.name() + " " + g.setting()
}

// generators are the curves -generators can name, in the order they run
// within a round.
func generators(smp, fortio, vegeta string) []generator {
	return []generator{
		smpGen{bin: smp, driver: "eventloop"},
		smpGen{bin: smp, driver: "eventloop", tolerance: "200us"},
		smpGen{bin: smp, driver: "eventloop", tolerance: "1ms"},
		smpGen{bin: smp, driver: "uring"},
		smpGen{bin: smp, driver: "uring", tolerance: "200us"},
		smpGen{bin: smp, driver: "uring", tolerance: "1ms"},
		smpGen{bin: smp, driver: "goroutines"},
		fortioGen{bin: fortio},
		vegetaGen{bin: vegeta},
	}
}

// execFunc runs argv (with stdin on its standard input) and returns the
// user+system CPU time it used. Standard output is discarded; a failure
// names the command and carries the end of what it printed on standard
// error.
type execFunc func(ctx context.Context, stdin string, argv ...string) (time.Duration, error)

// pinned runs each command under `taskset -c cpuList` (taskset execs the
// command, so the process measured is the generator itself).
func pinned(cpuList string) execFunc {
	return func(ctx context.Context, stdin string, argv ...string) (time.Duration, error) {
		cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", cpuList}, argv...)...)
		cmd.SysProcAttr = groupAttr()
		cmd.Cancel = func() error { killGroup(cmd); return nil }
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
		var stderr tail
		cmd.Stderr = &stderr
		err := cmd.Run()
		var cpu time.Duration
		if st := cmd.ProcessState; st != nil {
			cpu = st.UserTime() + st.SystemTime()
		}
		if err != nil {
			return cpu, fmt.Errorf("%s: %w; stderr: %s", strings.Join(argv, " "), err, strconv.Quote(stderr.String()))
		}
		return cpu, nil
	}
}

// tail keeps the last tailLen bytes written to it.
type tail struct{ b []byte }

const tailLen = 2000

var _ io.Writer = (*tail)(nil)

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > tailLen {
		t.b = append(t.b[:0], t.b[len(t.b)-tailLen:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return strings.TrimSpace(string(t.b)) }
