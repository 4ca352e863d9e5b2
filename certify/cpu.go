package certify

import (
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

const cpuDir = "sys/devices/system/cpu"

// cpuCount is the number of online CPUs (sys/devices/system/cpu/online),
// else fallback, else runtime.NumCPU().
func cpuCount(fsys fs.FS, fallback int) int {
	if s, err := readTrim(fsys, cpuDir+"/online"); err == nil {
		if n, err := countCPUList(s); err == nil && n > 0 {
			return n
		}
	}
	if fallback > 0 {
		return fallback
	}
	return runtime.NumCPU()
}

// countCPUList counts the CPUs of a kernel CPU list ("0-3,8,10-11").
func countCPUList(s string) (int, error) {
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0, fmt.Errorf("cpu list %q: %q is not a CPU number: %w", s, lo, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, fmt.Errorf("cpu list %q: %q is not a range low-high", s, part)
			}
		}
		n += b - a + 1
	}
	return n, nil
}

// perCPU reads file (relative to each sys/devices/system/cpu/cpuN) for
// every CPU that has it, in CPU order. The map is name → value.
func perCPU(fsys fs.FS, file string) (names []string, vals map[string]string) {
	dirs, _ := fs.Glob(fsys, cpuDir+"/cpu[0-9]*")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(path.Base(dirs[i]), "cpu"))
		b, _ := strconv.Atoi(strings.TrimPrefix(path.Base(dirs[j]), "cpu"))
		return a < b
	})
	vals = map[string]string{}
	for _, d := range dirs {
		v, err := readTrim(fsys, d+"/"+file)
		if err != nil {
			continue
		}
		names = append(names, path.Base(d))
		vals[path.Base(d)] = v
	}
	return names, vals
}

// governors is the scaling governor of each CPU, summarised: "performance"
// when all agree, else "cpu0=powersave cpu1=performance".
func governors(fsys fs.FS) (summary string, bad []string, ok bool) {
	names, vals := perCPU(fsys, "cpufreq/scaling_governor")
	if len(names) == 0 {
		return "", nil, false
	}
	distinct := map[string]bool{}
	var parts []string
	for _, n := range names {
		distinct[vals[n]] = true
		parts = append(parts, n+"="+vals[n])
		if vals[n] != "performance" {
			bad = append(bad, n)
		}
	}
	if len(distinct) == 1 {
		return fmt.Sprintf("%s (%d CPUs)", vals[names[0]], len(names)), bad, true
	}
	return strings.Join(parts, " "), bad, true
}

func checkGovernor(e *env) Check {
	const id, want = "cpu-governor", "performance on every CPU"
	obs, bad, ok := governors(e.fsys)
	if !ok {
		return Check{ID: id, Observed: NotAvailable + " (no cpufreq: a VM, or frequency is not the kernel's to scale)", Expected: want, Severity: Info}
	}
	c := Check{ID: id, Observed: obs, Expected: want, Severity: Info}
	if len(bad) > 0 {
		c.Severity = Fail
		c.Fix = "sudo cpupower frequency-set -g performance (or: echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor)"
	}
	return c
}

func checkFreqRange(e *env) Check {
	const id, want = "cpu-freq-range", "scaling_min_freq = scaling_max_freq (a fixed frequency)"
	names, mins := perCPU(e.fsys, "cpufreq/scaling_min_freq")
	_, maxs := perCPU(e.fsys, "cpufreq/scaling_max_freq")
	if len(names) == 0 {
		return Check{ID: id, Observed: NotAvailable, Expected: want, Severity: Info}
	}
	var varying []string
	for _, n := range names {
		if mins[n] != maxs[n] {
			varying = append(varying, fmt.Sprintf("%s %s-%s kHz", n, mins[n], maxs[n]))
		}
	}
	if len(varying) == 0 {
		return Check{ID: id, Observed: fmt.Sprintf("fixed at %s kHz", maxs[names[0]]), Expected: want, Severity: Info}
	}
	if len(varying) > 2 {
		varying = append(varying[:2], fmt.Sprintf("and %d more", len(varying)-2))
	}
	return Check{ID: id, Observed: strings.Join(varying, ", "), Expected: want, Severity: Warn,
		Fix: "pin the frequency: sudo cpupower frequency-set -d <max> -u <max> (or write scaling_max_freq into scaling_min_freq)"}
}

func checkTurbo(e *env) Check {
	const id, want = "cpu-turbo", "turbo/boost off (intel_pstate/no_turbo=1 or cpufreq/boost=0)"
	if v, err := readTrim(e.fsys, cpuDir+"/intel_pstate/no_turbo"); err == nil {
		if v == "1" {
			return Check{ID: id, Observed: "off (intel_pstate no_turbo=1)", Expected: want, Severity: Info}
		}
		return Check{ID: id, Observed: "on (intel_pstate no_turbo=" + v + ")", Expected: want, Severity: Fail,
			Fix: "echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"}
	}
	v, err := readTrim(e.fsys, cpuDir+"/cpufreq/boost")
	if err != nil {
		return missing(id, want, err)
	}
	if v == "0" {
		return Check{ID: id, Observed: "off (cpufreq boost=0)", Expected: want, Severity: Info}
	}
	return Check{ID: id, Observed: "on (cpufreq boost=" + v + ")", Expected: want, Severity: Fail,
		Fix: "echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost"}
}

func checkSMT(e *env) Check {
	const id, want = "smt", "0 (no hyperthread siblings sharing a core)"
	v, err := readTrim(e.fsys, cpuDir+"/smt/active")
	if err != nil {
		return missing(id, want, err)
	}
	if v == "0" {
		return Check{ID: id, Observed: "0 (off)", Expected: want, Severity: Info}
	}
	return Check{ID: id, Observed: v + " (on)", Expected: want, Severity: Warn,
		Fix: "echo off | sudo tee /sys/devices/system/cpu/smt/control (or nosmt on the kernel command line)"}
}

func checkIsolated(e *env) Check {
	const id, want = "isolated-cpus", "CPUs isolated for the load generator and proxies (isolcpus=)"
	v, err := readTrim(e.fsys, cpuDir+"/isolated")
	if err != nil {
		return missing(id, want, err)
	}
	if v == "" {
		return Check{ID: id, Observed: "none", Expected: want, Severity: Info,
			Fix: "optional: boot with isolcpus=<list> nohz_full=<list> and pin smp's processes to them"}
	}
	return Check{ID: id, Observed: v, Expected: want, Severity: Info}
}

func checkClocksource(e *env) Check {
	const id, want = "clocksource", "tsc"
	const dir = "sys/devices/system/clocksource/clocksource0/"
	v, err := readTrim(e.fsys, dir+"current_clocksource")
	if err != nil {
		return missing(id, want, err)
	}
	avail, _ := readTrim(e.fsys, dir+"available_clocksource")
	obs := v
	if avail != "" {
		obs += " (available: " + avail + ")"
	}
	fix := "echo tsc | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource (or clocksource=tsc tsc=reliable on the kernel command line)"
	switch v {
	case "tsc":
		return Check{ID: id, Observed: obs, Expected: want, Severity: Info}
	case "kvm-clock", "hyperv_clocksource_tsc_page", "arch_sys_counter":
		// A paravirtual clock on a VM (or the architected timer on arm64,
		// which is as cheap as tsc): usable, a little slower to read.
		sev := Warn
		if v == "arch_sys_counter" {
			sev, fix = Info, ""
		}
		return Check{ID: id, Observed: obs, Expected: want, Severity: sev, Fix: fix}
	default:
		return Check{ID: id, Observed: obs, Expected: want, Severity: Fail, Fix: fix}
	}
}
