package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// ProcfsSource describes the procfs figures.
const ProcfsSource = "procfs: /proc/PID/stat utime+stime (USER_HZ=100) and rss × page size, summed over the process tree"

// ErrUnsupported marks a collector that cannot run on this system.
var ErrUnsupported = errors.New("not supported on this system")

// procfsSupported says whether the real /proc (Linux's) can be read on
// goos (runtime.GOOS).
func procfsSupported(goos string) error {
	if goos != "linux" {
		return fmt.Errorf("procfs collector: %w: not supported on %s (it reads Linux's /proc)", ErrUnsupported, goos)
	}
	return nil
}

// userHZ is the unit of utime and stime in /proc/PID/stat: fixed at 100
// by the kernel's user-space ABI on every architecture Go runs on Linux.
const userHZ = 100

// Procfs samples processes from /proc.
type Procfs struct {
	Interval time.Duration // default one second
	Root     string        // default /proc

	mu      sync.Mutex
	series  []Series
	stop    func()
	started bool
}

var _ Collector = (*Procfs)(nil)

// Start implements Collector.
func (p *Procfs) Start(ctx context.Context, targets []Target) error {
	if p.started {
		return errors.New("procfs collector: already started")
	}
	if p.Root == "" {
		if err := procfsSupported(runtime.GOOS); err != nil {
			return err
		}
	}
	p.started = true
	if p.Interval <= 0 {
		p.Interval = time.Second
	}
	if p.Root == "" {
		p.Root = "/proc"
	}
	p.series = make([]Series, len(targets))
	for i, t := range targets {
		p.series[i] = Series{Target: t, Source: ProcfsSource}
	}
	p.stop = Poll(ctx, p.Interval, func(context.Context) { p.sample() })
	return nil
}

// Stop implements Collector.
func (p *Procfs) Stop() []Series {
	if !p.started {
		return nil
	}
	p.stop()
	p.sample()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.series
}

// sample reads every target once.
func (p *Procfs) sample() {
	procs := p.scan()
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.series {
		t := p.series[i].Target
		s, ok := treeSample(procs, t.PID, t.Tree)
		if !ok {
			continue // gone: the series just ends
		}
		s.At = now
		p.series[i].Samples = append(p.series[i].Samples, s)
	}
}

// scan reads the stat line of every process.
func (p *Procfs) scan() map[int]stat {
	out := map[int]stat{}
	entries, err := os.ReadDir(p.Root)
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(p.Root, e.Name(), "stat"))
		if err != nil {
			continue
		}
		if st, err := parseStat(data); err == nil && st.pid == pid {
			out[pid] = st
		}
	}
	return out
}

// treeSample sums pid (and its descendants when tree) from procs.
func treeSample(procs map[int]stat, pid int, tree bool) (Sample, bool) {
	root, ok := procs[pid]
	if !ok {
		return Sample{}, false
	}
	pages := int64(os.Getpagesize())
	s := Sample{CPU: root.cpu(), RSS: root.rss * pages}
	if !tree {
		return s, true
	}
	children := map[int][]int{}
	for _, st := range procs {
		children[st.ppid] = append(children[st.ppid], st.pid)
	}
	queue := children[pid]
	for len(queue) > 0 {
		c := procs[queue[0]]
		queue = append(queue[1:], children[c.pid]...)
		s.CPU += c.cpu()
		s.RSS += c.rss * pages
	}
	return s, true
}

// stat is what smp reads of /proc/PID/stat.
type stat struct {
	pid, ppid    int
	utime, stime int64 // clock ticks
	rss          int64 // pages
}

func (s stat) cpu() time.Duration {
	return time.Duration(s.utime+s.stime) * time.Second / userHZ
}

// parseStat parses a /proc/PID/stat line. The command name may hold spaces
// and parentheses, so fields are counted from the last ')'.
func parseStat(data []byte) (stat, error) {
	var st stat
	open := bytes.IndexByte(data, '(')
	closing := bytes.LastIndexByte(data, ')')
	if open < 1 || closing < open {
		return st, fmt.Errorf("proc stat: no (comm) in %q", truncate(data))
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(data[:open])))
	if err != nil {
		return st, fmt.Errorf("proc stat: pid: %w", err)
	}
	f := bytes.Fields(data[closing+1:])
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
	if len(f) < 22 {
		return st, fmt.Errorf("proc stat: %d fields after comm, expected at least 22", len(f))
	}
	st.pid = pid
	nums := []*int64{&st.utime, &st.stime, &st.rss}
	for i, idx := range []int{11, 12, 21} {
		v, err := strconv.ParseInt(string(f[idx]), 10, 64)
		if err != nil || v < 0 {
			return st, fmt.Errorf("proc stat: field %d %q: expected a non-negative integer", idx+3, f[idx])
		}
		*nums[i] = v
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return st, fmt.Errorf("proc stat: ppid %q: %w", f[1], err)
	}
	st.ppid = ppid
	return st, nil
}

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
