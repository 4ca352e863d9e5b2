package certify

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// Load thresholds: the 1-minute load average per CPU.
const (
	loadWarnPerCPU = 0.25
	loadFailPerCPU = 1.0
)

// Steal thresholds: the fraction of CPU time the hypervisor took.
const (
	stealWarn = 0.01
	stealFail = 0.05
)

func checkLoad(e *env) Check {
	want := fmt.Sprintf("1-minute load < %.2f per CPU (%.2f on %d CPUs)", loadWarnPerCPU, loadWarnPerCPU*float64(e.ncpu), e.ncpu)
	const id = "load"
	v, err := readTrim(e.fsys, "proc/loadavg")
	if err != nil {
		return missing(id, want, err)
	}
	f := strings.Fields(v)
	var l1 float64
	if len(f) > 0 {
		l1, err = strconv.ParseFloat(f[0], 64)
	}
	if len(f) == 0 || err != nil {
		return Check{ID: id, Observed: fmt.Sprintf("unreadable %q", v), Expected: want, Severity: Warn}
	}
	c := Check{ID: id, Observed: fmt.Sprintf("%.2f on %d CPUs", l1, e.ncpu), Expected: want,
		Severity: graded(l1/float64(e.ncpu), loadWarnPerCPU, loadFailPerCPU)}
	if c.Severity != Info {
		c.Fix = "stop other work on this machine (top, ps -eo pcpu,comm --sort=-pcpu) and wait for the load to fall"
	}
	return c
}

// cpuTimes are the aggregate "cpu" line of proc/stat, in ticks.
type cpuTimes struct{ total, steal uint64 }

// parseStat reads the aggregate cpu line: user nice system idle iowait irq
// softirq steal (guest time is already inside user).
func parseStat(b []byte) (cpuTimes, error) {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 9 {
			return cpuTimes{}, fmt.Errorf("proc/stat cpu line %q: want at least 8 counters, got %d", line, len(f)-1)
		}
		var t cpuTimes
		for i, s := range f[1:9] {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("proc/stat cpu counter %d %q: %w", i+1, s, err)
			}
			t.total += n
			if i == 7 {
				t.steal = n
			}
		}
		return t, nil
	}
	return cpuTimes{}, fmt.Errorf("proc/stat: no aggregate cpu line")
}

// sampleStat reads proc/stat twice, interval apart.
func sampleStat(interval time.Duration) func(context.Context, fs.FS) ([]byte, []byte, error) {
	return func(ctx context.Context, fsys fs.FS) ([]byte, []byte, error) {
		a, err := fs.ReadFile(fsys, "proc/stat")
		if err != nil {
			return nil, nil, err
		}
		t := time.NewTimer(interval)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		b, err := fs.ReadFile(fsys, "proc/stat")
		return a, b, err
	}
}

func checkSteal(e *env) Check {
	want := fmt.Sprintf("< %.0f%% of CPU time stolen by the hypervisor", stealWarn*100)
	const id = "steal"
	sample := e.opts.SampleStat
	if sample == nil {
		iv := e.opts.StealInterval
		if iv <= 0 {
			iv = time.Second
		}
		sample = sampleStat(iv)
	}
	a, b, err := sample(e.ctx, e.fsys)
	if err != nil {
		return missing(id, want, err)
	}
	ta, err := parseStat(a)
	if err == nil {
		var tb cpuTimes
		if tb, err = parseStat(b); err == nil && tb.total > ta.total && tb.steal >= ta.steal {
			frac := float64(tb.steal-ta.steal) / float64(tb.total-ta.total)
			c := Check{ID: id, Observed: fmt.Sprintf("%.1f%%", frac*100), Expected: want, Severity: graded(frac, stealWarn, stealFail)}
			if c.Severity != Info {
				c.Fix = "the hypervisor is giving this VM's CPU time to others: use dedicated (non-burstable, non-shared) instances or bare metal"
			}
			return c
		}
	}
	if err == nil {
		err = fmt.Errorf("the counters did not advance between the two reads")
	}
	return Check{ID: id, Observed: "unreadable: " + err.Error(), Expected: want, Severity: Warn}
}

// cgroupQuota finds the CPU quota of the current cgroup: cgroup v2's
// cpu.max, else v1's cpu.cfs_quota_us and cpu.cfs_period_us. cpus is 0
// when there is no quota; file is where it was read.
func cgroupQuota(fsys fs.FS) (cpus float64, file string, err error) {
	self, err := readTrim(fsys, "proc/self/cgroup")
	if err != nil {
		return 0, "", err
	}
	err = fs.ErrNotExist
	for _, line := range strings.Split(self, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		rel := strings.TrimPrefix(parts[2], "/")
		if parts[0] == "0" && parts[1] == "" { // v2
			for _, p := range []string{rel, ""} {
				name := path.Join("sys/fs/cgroup", p, "cpu.max")
				v, rerr := readTrim(fsys, name)
				if rerr != nil {
					continue
				}
				f := strings.Fields(v)
				if len(f) != 2 {
					return 0, name, fmt.Errorf("%s %q: want \"quota period\"", name, v)
				}
				if f[0] == "max" {
					return 0, name, nil
				}
				return ratio(name, f[0], f[1])
			}
			continue
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			if ctl != "cpu" {
				continue
			}
			for _, p := range []string{rel, ""} {
				for _, mount := range []string{parts[1], "cpu"} {
					dir := path.Join("sys/fs/cgroup", mount, p)
					q, rerr := readTrim(fsys, dir+"/cpu.cfs_quota_us")
					if rerr != nil {
						continue
					}
					if q == "-1" {
						return 0, dir + "/cpu.cfs_quota_us", nil
					}
					per, perr := readTrim(fsys, dir+"/cpu.cfs_period_us")
					if perr != nil {
						return 0, dir, perr
					}
					return ratio(dir+"/cpu.cfs_quota_us", q, per)
				}
			}
		}
	}
	return 0, "", err
}

func ratio(name, quota, period string) (float64, string, error) {
	q, err := strconv.ParseFloat(quota, 64)
	if err != nil {
		return 0, name, fmt.Errorf("%s quota %q: %w", name, quota, err)
	}
	p, err := strconv.ParseFloat(period, 64)
	if err != nil || p <= 0 {
		return 0, name, fmt.Errorf("%s period %q: want a positive number", name, period)
	}
	return q / p, name, nil
}

func checkCgroupCPU(e *env) Check {
	want := fmt.Sprintf("no CPU quota (or one >= the %d CPUs)", e.ncpu)
	const id = "cgroup-cpu-quota"
	cpus, file, err := cgroupQuota(e.fsys)
	if err != nil {
		if file == "" {
			return missing(id, want, err)
		}
		return Check{ID: id, Observed: "unreadable: " + err.Error(), Expected: want, Severity: Warn}
	}
	if cpus == 0 {
		return Check{ID: id, Observed: "none (/" + file + ")", Expected: want, Severity: Info}
	}
	c := Check{ID: id, Observed: fmt.Sprintf("%.2f CPUs (/%s)", cpus, file), Expected: want, Severity: Info}
	if cpus < float64(e.ncpu) {
		c.Severity = Fail
		c.Fix = "run outside the CPU-limited cgroup (no container CPU limit; docker run without --cpus; a Kubernetes pod without a CPU limit): CFS throttling shows up as latency"
	}
	return c
}

// graded is the severity of a figure that is worse the higher it is.
func graded(v, warn, fail float64) string {
	switch {
	case v >= fail:
		return Fail
	case v >= warn:
		return Warn
	}
	return Info
}

// Run-queue thresholds: tasks runnable besides this process, per CPU.
// One reading is noisier than the 1-minute load average, so warn starts
// where load fails (every CPU has something else to run) and fail at
// twice that (tasks queue behind each other on every CPU).
const (
	runQueueWarnPerCPU = 1.0
	runQueueFailPerCPU = 2.0
)

func checkRunQueue(e *env) Check {
	want := fmt.Sprintf("< %.0f other runnable tasks per CPU (%.0f on %d CPUs)", runQueueWarnPerCPU, runQueueWarnPerCPU*float64(e.ncpu), e.ncpu)
	const id = "run-queue"
	b, err := fs.ReadFile(e.fsys, "proc/stat")
	if err != nil {
		return missing(id, want, err)
	}
	running := -1
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "procs_running" {
			running, err = strconv.Atoi(f[1])
			if err != nil {
				running = -1
			}
			break
		}
	}
	if running < 1 {
		return Check{ID: id, Observed: "unreadable: no procs_running count >= 1 in /proc/stat", Expected: want, Severity: Warn}
	}
	others := running - 1 // the process reading proc/stat is running
	c := Check{ID: id, Observed: fmt.Sprintf("%d other runnable (procs_running %d, less this process) on %d CPUs", others, running, e.ncpu),
		Expected: want, Severity: graded(float64(others)/float64(e.ncpu), runQueueWarnPerCPU, runQueueFailPerCPU)}
	if c.Severity != Info {
		c.Fix = "stop other work on this machine (ps -eo stat,pid,comm | grep ^R lists what is runnable) and run again"
	}
	return c
}
