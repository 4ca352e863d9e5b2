package certify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// The trees in this file are written by hand (fstest.MapFS). The files
// under testdata/vm are real captures of one 2-CPU KVM guest's /proc and
// /sys (cgroup v1, no cpufreq, kvm-clock available but tsc in use); only
// proc/stat was shortened to its cpu and procs lines, and of the processes
// only proc/1/comm and proc/self/timerslack_ns were kept.

// goodTree is a tuned 4-CPU bare-metal machine on cgroup v2.
func goodTree() fstest.MapFS {
	m := fstest.MapFS{}
	put := func(name, v string) { m[name] = &fstest.MapFile{Data: []byte(v + "\n")} }
	put("sys/devices/system/cpu/online", "0-3")
	for i := 0; i < 4; i++ {
		d := fmt.Sprintf("sys/devices/system/cpu/cpu%d/cpufreq/", i)
		put(d+"scaling_governor", "performance")
		put(d+"scaling_min_freq", "3000000")
		put(d+"scaling_max_freq", "3000000")
	}
	put("sys/devices/system/cpu/intel_pstate/no_turbo", "1")
	put("sys/devices/system/cpu/smt/active", "0")
	put("sys/devices/system/cpu/isolated", "2-3")
	put("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc")
	put("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm")
	put("sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]")
	put("proc/sys/kernel/randomize_va_space", "2")
	put("proc/sys/kernel/perf_event_paranoid", "1")
	put("proc/loadavg", "0.05 0.10 0.08 1/300 4242")
	put("proc/sys/net/ipv4/ip_local_port_range", "1024\t65535")
	put("proc/sys/net/core/somaxconn", "4096")
	put("proc/self/cgroup", "0::/bench")
	put("sys/fs/cgroup/bench/cpu.max", "max 100000")
	put("proc/sys/kernel/osrelease", "6.8.0-45-generic")
	put("proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n")
	put("proc/irq/default_smp_affinity", "3")
	put("proc/irq/24/smp_affinity_list", "0-1")
	put("proc/irq/25/smp_affinity_list", "0-1")
	put("proc/irq/26/smp_affinity_list", "0")
	put("proc/1/comm", "systemd")
	put("proc/4242/comm", "smp")
	put("proc/sys/kernel/perf_event_max_sample_rate", "1")
	put("proc/stat", "cpu  100 0 200 9000 0 0 0 0 0 0\nprocs_running 1\nprocs_blocked 0")
	put("proc/self/timerslack_ns", "50000")
	return m
}

// stat is a proc/stat with the given cumulative steal and total ticks.
func stat(total, steal uint64) string {
	idle := total - steal - 300
	return fmt.Sprintf("cpu  100 0 200 %d 0 0 0 %d 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n", idle, steal)
}

// sampler returns two proc/stat readings 1000 ticks apart, stealPct% of
// them stolen.
func sampler(stealPct uint64) func(context.Context, fs.FS) ([]byte, []byte, error) {
	return func(context.Context, fs.FS) ([]byte, []byte, error) {
		return []byte(stat(10000, 50)), []byte(stat(11000, 50+stealPct*10)), nil
	}
}

func opts(stealPct uint64) Options {
	return Options{
		SampleStat: sampler(stealPct),
		NoFile:     func() (uint64, uint64, error) { return 1 << 20, 1 << 20, nil },
		MeasureTimer: func(context.Context) (TimerSample, error) {
			return TimerSample{ClockRead: 25 * time.Nanosecond, Overshoot: 60 * time.Microsecond, Reads: 1000, Sleeps: 50, Sleep: 100 * time.Microsecond}, nil
		},
		ClockSync: func() (ClockSync, error) {
			return ClockSync{Synced: true, MaxError: 1200 * time.Microsecond, EstError: 35 * time.Microsecond}, nil
		},
	}
}

func byID(t *testing.T, r Result) map[string]Check {
	t.Helper()
	m := map[string]Check{}
	for _, c := range r.Checks {
		if _, dup := m[c.ID]; dup {
			t.Errorf("check %q reported twice", c.ID)
		}
		m[c.ID] = c
	}
	return m
}

var allIDs = []string{"cpu-governor", "cpu-freq-range", "cpu-turbo", "smt", "isolated-cpus", "irq-affinity",
	"clocksource", "timer", "clock-sync", "transparent-hugepages", "aslr", "perf-event-paranoid",
	"perf-sample-rate", "load", "run-queue", "steal", "cgroup-cpu-quota", "nofile", "ephemeral-ports", "somaxconn"}

func TestGoodMachinePasses(t *testing.T) {
	r := Run(context.Background(), goodTree(), opts(0))
	if !r.Pass {
		t.Errorf("a tuned machine failed: %+v", r.Checks)
	}
	got := byID(t, r)
	for _, id := range allIDs {
		c, ok := got[id]
		if !ok {
			t.Errorf("check %q missing", id)
			continue
		}
		if c.Severity != Info || strings.Contains(c.Observed, NotAvailable) {
			t.Errorf("%s: %+v, want info with a value", id, c)
		}
	}
	if g := got["cpu-governor"].Observed; g != "performance (4 CPUs)" {
		t.Errorf("governor observed %q", g)
	}
	if g := got["steal"].Observed; g != "0.0%" {
		t.Errorf("steal observed %q", g)
	}
}

func TestBadMachineFails(t *testing.T) {
	m := goodTree()
	for i := 0; i < 4; i++ {
		m[fmt.Sprintf("sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", i)] = &fstest.MapFile{Data: []byte("powersave\n")}
	}
	m["sys/kernel/mm/transparent_hugepage/enabled"] = &fstest.MapFile{Data: []byte("[always] madvise never\n")}
	m["sys/devices/system/cpu/intel_pstate/no_turbo"] = &fstest.MapFile{Data: []byte("0\n")}
	r := Run(context.Background(), m, opts(10))
	if r.Pass {
		t.Fatal("a machine with powersave, THP always, turbo on and 10% steal passed")
	}
	got := byID(t, r)
	wantFail := map[string]string{
		"cpu-governor":          "frequency-set -g performance",
		"transparent-hugepages": "echo madvise",
		"cpu-turbo":             "intel_pstate/no_turbo",
		"steal":                 "dedicated",
	}
	for id, fix := range wantFail {
		c := got[id]
		if c.Severity != Fail || !strings.Contains(c.Fix, fix) {
			t.Errorf("%s: %+v, want fail with a fix mentioning %q", id, c, fix)
		}
	}
	if o := got["steal"].Observed; o != "10.0%" {
		t.Errorf("steal observed %q, want 10.0%%", o)
	}
	for _, c := range r.Checks {
		if _, ok := wantFail[c.ID]; !ok && c.Severity == Fail {
			t.Errorf("%s failed too: %+v", c.ID, c)
		}
	}
}

// TestChecks runs one check at a time against a variant of the good tree.
func TestChecks(t *testing.T) {
	tests := []struct {
		name  string
		check func(*env) Check
		set   map[string]string // "" deletes the file
		steal uint64
		sev   string
		obs   string // a substring of Observed
	}{
		{"governor mixed", checkGovernor, map[string]string{"sys/devices/system/cpu/cpu2/cpufreq/scaling_governor": "schedutil"}, 0, Fail, "cpu2=schedutil"},
		{"governor absent", checkGovernor, delGovernors(), 0, Info, NotAvailable},
		{"freq range varies", checkFreqRange, map[string]string{"sys/devices/system/cpu/cpu1/cpufreq/scaling_min_freq": "800000"}, 0, Warn, "cpu1 800000-3000000 kHz"},
		{"boost on", checkTurbo, map[string]string{"sys/devices/system/cpu/intel_pstate/no_turbo": "", "sys/devices/system/cpu/cpufreq/boost": "1"}, 0, Fail, "boost=1"},
		{"boost off", checkTurbo, map[string]string{"sys/devices/system/cpu/intel_pstate/no_turbo": "", "sys/devices/system/cpu/cpufreq/boost": "0"}, 0, Info, "off"},
		{"turbo unknown", checkTurbo, map[string]string{"sys/devices/system/cpu/intel_pstate/no_turbo": ""}, 0, Info, NotAvailable},
		{"smt on", checkSMT, map[string]string{"sys/devices/system/cpu/smt/active": "1"}, 0, Warn, "on"},
		{"no isolated CPUs", checkIsolated, map[string]string{"sys/devices/system/cpu/isolated": ""}, 0, Info, NotAvailable},
		{"isolated empty", checkIsolated, map[string]string{"sys/devices/system/cpu/isolated": " "}, 0, Info, "none"},
		{"kvm-clock", checkClocksource, map[string]string{"sys/devices/system/clocksource/clocksource0/current_clocksource": "kvm-clock"}, 0, Warn, "kvm-clock (available: tsc hpet acpi_pm)"},
		{"hpet", checkClocksource, map[string]string{"sys/devices/system/clocksource/clocksource0/current_clocksource": "hpet"}, 0, Fail, "hpet"},
		{"thp madvise", checkTHP, map[string]string{"sys/kernel/mm/transparent_hugepage/enabled": "always [madvise] never"}, 0, Info, "madvise"},
		{"aslr off", checkASLR, map[string]string{"proc/sys/kernel/randomize_va_space": "0"}, 0, Info, "0 (off)"},
		{"perf paranoid", checkPerfParanoid, map[string]string{"proc/sys/kernel/perf_event_paranoid": "3"}, 0, Info, "3"},
		{"load busy", checkLoad, map[string]string{"proc/loadavg": "1.50 1.0 1.0 2/300 1"}, 0, Warn, "1.50 on 4 CPUs"},
		{"load saturated", checkLoad, map[string]string{"proc/loadavg": "4.00 1.0 1.0 2/300 1"}, 0, Fail, "4.00 on 4 CPUs"},
		{"steal some", checkSteal, nil, 2, Warn, "2.0%"},
		{"steal a lot", checkSteal, nil, 5, Fail, "5.0%"},
		{"quota v2", checkCgroupCPU, map[string]string{"sys/fs/cgroup/bench/cpu.max": "150000 100000"}, 0, Fail, "1.50 CPUs"},
		{"quota v2 generous", checkCgroupCPU, map[string]string{"sys/fs/cgroup/bench/cpu.max": "800000 100000"}, 0, Info, "8.00 CPUs"},
		{"quota v2 at the root", checkCgroupCPU, map[string]string{"sys/fs/cgroup/bench/cpu.max": "", "sys/fs/cgroup/cpu.max": "200000 100000"}, 0, Fail, "2.00 CPUs (/sys/fs/cgroup/cpu.max)"},
		{"quota v2 malformed", checkCgroupCPU, map[string]string{"sys/fs/cgroup/bench/cpu.max": "lots"}, 0, Warn, "unreadable"},
		{"quota v1", checkCgroupCPU, map[string]string{"proc/self/cgroup": "4:cpu,cpuacct:/docker/abc\n0::/", "sys/fs/cgroup/bench/cpu.max": "",
			"sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000", "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000"}, 0, Fail, "0.50 CPUs"},
		{"no cgroup", checkCgroupCPU, map[string]string{"proc/self/cgroup": ""}, 0, Info, NotAvailable},
		{"few ports", checkPortRange, map[string]string{"proc/sys/net/ipv4/ip_local_port_range": "50000 60000"}, 0, Warn, "10001 ports"},
		{"ports malformed", checkPortRange, map[string]string{"proc/sys/net/ipv4/ip_local_port_range": "60000 50000"}, 0, Warn, "unreadable"},
		{"somaxconn low", checkSomaxconn, map[string]string{"proc/sys/net/core/somaxconn": "128"}, 0, Warn, "128"},
		{"irqs off the isolated CPUs", checkIRQAffinity, nil, 0, Info, "no IRQ of 3 on isolated CPUs 2-3; irqbalance not running"},
		{"irq on an isolated CPU", checkIRQAffinity, map[string]string{"proc/irq/25/smp_affinity_list": "0-3", "proc/irq/30/smp_affinity_list": "3"}, 0, Warn,
			"2 of 4 IRQs allowed on isolated CPUs 2-3 (IRQ 25, 30); irqbalance not running"},
		{"irqbalance with isolated CPUs", checkIRQAffinity, map[string]string{"proc/812/comm": "irqbalance"}, 0, Warn, "irqbalance running (pid 812)"},
		{"irqbalance, nothing isolated", checkIRQAffinity, map[string]string{"proc/812/comm": "irqbalance", "sys/devices/system/cpu/isolated": " "}, 0, Info,
			"no isolated CPUs; 3 IRQs; irqbalance running (pid 812)"},
		{"no irqs", checkIRQAffinity, map[string]string{"proc/irq/24/smp_affinity_list": "", "proc/irq/25/smp_affinity_list": "", "proc/irq/26/smp_affinity_list": ""}, 0, Info, NotAvailable},
		{"irq affinity malformed", checkIRQAffinity, map[string]string{"proc/irq/26/smp_affinity_list": "zero"}, 0, Warn, "unreadable /proc/irq/26/smp_affinity_list"},
		{"perf sample rate, no perf", checkPerfSampleRate, map[string]string{"proc/sys/kernel/perf_event_max_sample_rate": "100000"}, 0, Info, "100000 samples/s; no perf process"},
		{"perf sampling", checkPerfSampleRate, map[string]string{"proc/sys/kernel/perf_event_max_sample_rate": "100000", "proc/977/comm": "perf"}, 0, Warn, "100000 samples/s; perf running (pid 977)"},
		{"perf at rate 1", checkPerfSampleRate, map[string]string{"proc/977/comm": "perf"}, 0, Info, "1 samples/s; perf running"},
		{"perf rate malformed", checkPerfSampleRate, map[string]string{"proc/sys/kernel/perf_event_max_sample_rate": "fast"}, 0, Warn, "unreadable"},
		{"run queue short", checkRunQueue, map[string]string{"proc/stat": "cpu 1 2 3 4 5 6 7 8\nprocs_running 4"}, 0, Info, "3 other runnable (procs_running 4, less this process) on 4 CPUs"},
		{"run queue full", checkRunQueue, map[string]string{"proc/stat": "cpu 1 2 3 4 5 6 7 8\nprocs_running 5"}, 0, Warn, "4 other runnable"},
		{"run queue long", checkRunQueue, map[string]string{"proc/stat": "cpu 1 2 3 4 5 6 7 8\nprocs_running 9"}, 0, Fail, "8 other runnable"},
		{"run queue unknown", checkRunQueue, map[string]string{"proc/stat": "cpu 1 2 3 4 5 6 7 8"}, 0, Warn, "unreadable"},
		{"no proc/stat", checkRunQueue, map[string]string{"proc/stat": ""}, 0, Info, NotAvailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodTree()
			for k, v := range tt.set {
				if v == "" {
					delete(m, k)
				} else {
					m[k] = &fstest.MapFile{Data: []byte(v + "\n")}
				}
			}
			e := &env{ctx: context.Background(), fsys: m, opts: opts(tt.steal), ncpu: cpuCount(m, 0)}
			c := tt.check(e)
			if c.Severity != tt.sev || !strings.Contains(c.Observed, tt.obs) {
				t.Errorf("%+v, want severity %s, observed containing %q", c, tt.sev, tt.obs)
			}
			if (c.Severity == Fail || c.Severity == Warn) && c.Fix == "" && !strings.Contains(c.Observed, "unreadable") {
				t.Errorf("%s without a fix: %+v", c.Severity, c)
			}
		})
	}
}

func delGovernors() map[string]string {
	m := map[string]string{}
	for i := 0; i < 4; i++ {
		m[fmt.Sprintf("sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", i)] = ""
	}
	return m
}

func TestNoFile(t *testing.T) {
	e := &env{opts: Options{NoFile: func() (uint64, uint64, error) { return 1024, 4096, nil }}}
	if c := checkNoFile(e); c.Severity != Warn || c.Observed != "1024 (hard 4096)" || c.Fix == "" {
		t.Errorf("%+v", c)
	}
	e.opts.NoFile = func() (uint64, uint64, error) { return 0, 0, errors.New("no rlimits here") }
	if c := checkNoFile(e); c.Severity != Info || !strings.Contains(c.Observed, NotAvailable) {
		t.Errorf("%+v", c)
	}
}

func TestEmptyTreeIsNotAFailure(t *testing.T) {
	o := opts(0)
	r := Run(context.Background(), fstest.MapFS{}, Options{NumCPU: 2, NoFile: o.NoFile, MeasureTimer: o.MeasureTimer, ClockSync: o.ClockSync})
	if !r.Pass {
		t.Errorf("nothing to read failed: %+v", r.Checks)
	}
	for _, c := range byID(t, r) {
		live := c.ID == "nofile" || c.ID == "timer" || c.ID == "clock-sync" // not files
		if !live && (c.Severity != Info || !strings.HasPrefix(c.Observed, NotAvailable)) {
			t.Errorf("%+v, want info %q", c, NotAvailable)
		}
	}
}

func TestOffLinux(t *testing.T) {
	r := Run(context.Background(), fstest.MapFS{}, Options{GOOS: "darwin", NumCPU: 8, SampleStat: sampler(0),
		NoFile: func() (uint64, uint64, error) { return 0, 0, errors.New("not on darwin") }})
	got := byID(t, r)
	if !r.Pass || got["platform"].Observed != "darwin" || got["platform"].Severity != Info {
		t.Errorf("pass %v, platform %+v", r.Pass, got["platform"])
	}
	if len(got) != len(allIDs)+1 {
		t.Errorf("%d checks, want %d", len(got), len(allIDs)+1)
	}
	if linux := byID(t, Run(context.Background(), fstest.MapFS{}, Options{GOOS: "linux", SampleStat: sampler(0)})); len(linux) != len(allIDs) {
		t.Errorf("linux: %d checks, want %d (no platform check)", len(linux), len(allIDs))
	}
}

func TestStealSamplerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := &env{ctx: ctx, fsys: goodTree(), ncpu: 4}
	e.fsys.(fstest.MapFS)["proc/stat"] = &fstest.MapFile{Data: []byte(stat(1000, 0))}
	c := checkSteal(e) // the default sampler, which must not wait out its second
	if c.Severity != Info || !strings.Contains(c.Observed, "context canceled") {
		t.Errorf("%+v", c)
	}
}

func TestFingerprint(t *testing.T) {
	a := Run(context.Background(), goodTree(), opts(0)).Fingerprint
	if len(a) != 16 {
		t.Fatalf("fingerprint %q, want 16 hex digits", a)
	}
	if b := Run(context.Background(), goodTree(), opts(0)).Fingerprint; b != a {
		t.Errorf("same facts, fingerprints %s and %s", a, b)
	}
	m := goodTree()
	m["proc/loadavg"] = &fstest.MapFile{Data: []byte("3.00 1 1 1/1 1\n")}
	if b := Run(context.Background(), m, opts(7)).Fingerprint; b != a {
		t.Errorf("load and steal are not stable facts but changed the fingerprint: %s and %s", a, b)
	}
	m["sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"] = &fstest.MapFile{Data: []byte("powersave\n")}
	if b := Run(context.Background(), m, opts(0)).Fingerprint; b == a {
		t.Errorf("the governor changed, the fingerprint did not: %s", a)
	}
}

// TestRealCapture runs against files copied from a real VM.
func TestRealCapture(t *testing.T) {
	r := Run(context.Background(), os.DirFS("testdata/vm"), Options{NoFile: opts(0).NoFile, MeasureTimer: opts(0).MeasureTimer,
		SampleStat: func(_ context.Context, fsys fs.FS) ([]byte, []byte, error) {
			b, err := fs.ReadFile(fsys, "proc/stat")
			if err != nil {
				return nil, nil, err
			}
			return []byte(stat(1000, 0)), b, nil // boot to capture
		}})
	got := byID(t, r)
	want := map[string]string{
		"cpu-governor":          NotAvailable,
		"cpu-turbo":             NotAvailable,
		"smt":                   "0 (off)",
		"isolated-cpus":         "none",
		"clocksource":           "tsc (available: tsc kvm-clock)",
		"transparent-hugepages": "madvise",
		"aslr":                  "2 (full)",
		"cgroup-cpu-quota":      "none (/sys/fs/cgroup/cpu/cpu.cfs_quota_us)",
		"ephemeral-ports":       "32768-60999 (28232 ports)",
		"somaxconn":             "4096",
		"irq-affinity":          "no isolated CPUs; 19 IRQs; irqbalance not running",
		"perf-sample-rate":      "100000 samples/s; no perf process",
		"run-queue":             "5 other runnable (procs_running 6, less this process) on 2 CPUs",
		"timer":                 "(median of 50; timer slack 50 µs)",
		"load":                  "on 2 CPUs",
		"steal":                 "%",
	}
	for id, obs := range want {
		if !strings.HasPrefix(got[id].Observed, obs) && !strings.HasSuffix(got[id].Observed, obs) {
			t.Errorf("%s: observed %q, want %q", id, got[id].Observed, obs)
		}
	}
	if got["steal"].Severity == Warn && strings.HasPrefix(got["steal"].Observed, "unreadable") {
		t.Errorf("steal from the captured proc/stat: %+v", got["steal"])
	}
}

func TestCountCPUList(t *testing.T) {
	for s, want := range map[string]int{"0": 1, "0-1": 2, "0-3,8,10-11": 7, "": 0} {
		if n, err := countCPUList(s); err != nil || n != want {
			t.Errorf("%q: %d, %v; want %d", s, n, err, want)
		}
	}
	for _, s := range []string{"a", "3-1", "0-x"} {
		if _, err := countCPUList(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}
