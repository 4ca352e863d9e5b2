package certify

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// cpuSet is the set of CPUs of a kernel CPU list ("0-3,8,10-11").
func cpuSet(s string) (map[int]bool, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("cpu list %q: %q is not a CPU number: %w", s, lo, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("cpu list %q: %q is not a range low-high", s, part)
			}
		}
		for c := a; c <= b; c++ {
			set[c] = true
		}
	}
	return set, nil
}

// procsNamed lists, in order, the pids of the processes whose proc/PID/comm
// is name.
func procsNamed(fsys fs.FS, name string) []int {
	comms, _ := fs.Glob(fsys, "proc/[0-9]*/comm")
	var pids []int
	for _, c := range comms {
		pid, err := strconv.Atoi(path.Base(path.Dir(c)))
		if err != nil {
			continue
		}
		if v, err := readTrim(fsys, c); err == nil && v == name {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}

// irqAffinities reads proc/irq/N/smp_affinity_list of every IRQ that has
// one, in IRQ order.
func irqAffinities(fsys fs.FS) (irqs []int, lists map[int]string) {
	files, _ := fs.Glob(fsys, "proc/irq/[0-9]*/smp_affinity_list")
	lists = map[int]string{}
	for _, f := range files {
		n, err := strconv.Atoi(path.Base(path.Dir(f)))
		if err != nil {
			continue
		}
		v, err := readTrim(fsys, f)
		if err != nil {
			continue
		}
		irqs = append(irqs, n)
		lists[n] = v
	}
	sort.Ints(irqs)
	return irqs, lists
}

// joinInts is "24, 25, 26", the first max of them and "and N more".
func joinInts(ns []int, max int) string {
	var parts []string
	for i, n := range ns {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(ns)-max))
			break
		}
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, ", ")
}

// checkIRQAffinity warns when an IRQ may be handled on an isolated CPU,
// or irqbalance runs while CPUs are isolated: an interrupt on the CPU a
// proxy or the generator is pinned to preempts it.
func checkIRQAffinity(e *env) Check {
	const id = "irq-affinity"
	const want = "with isolated CPUs: no IRQ allowed on them (proc/irq/N/smp_affinity_list) and irqbalance not running"
	irqs, lists := irqAffinities(e.fsys)
	iso, isoErr := readTrim(e.fsys, cpuDir+"/isolated")
	if len(irqs) == 0 {
		return missing(id, want, fs.ErrNotExist)
	}
	balance := "irqbalance not running"
	pids := procsNamed(e.fsys, "irqbalance")
	if len(pids) > 0 {
		balance = fmt.Sprintf("irqbalance running (pid %s)", joinInts(pids, 3))
	}
	if isoErr != nil || iso == "" {
		return Check{ID: id, Observed: fmt.Sprintf("no isolated CPUs; %d IRQs; %s", len(irqs), balance), Expected: want, Severity: Info}
	}
	isolated, err := cpuSet(iso)
	if err != nil {
		return Check{ID: id, Observed: "unreadable isolated CPUs: " + err.Error(), Expected: want, Severity: Warn}
	}
	var onIsolated []int
	for _, n := range irqs {
		set, err := cpuSet(lists[n])
		if err != nil {
			return Check{ID: id, Observed: fmt.Sprintf("unreadable /proc/irq/%d/smp_affinity_list: %v", n, err), Expected: want, Severity: Warn}
		}
		for c := range set {
			if isolated[c] {
				onIsolated = append(onIsolated, n)
				break
			}
		}
	}
	var obs, fix []string
	if len(onIsolated) > 0 {
		obs = append(obs, fmt.Sprintf("%d of %d IRQs allowed on isolated CPUs %s (IRQ %s)", len(onIsolated), len(irqs), iso, joinInts(onIsolated, 8)))
		fix = append(fix, "write the housekeeping CPUs to /proc/irq/N/smp_affinity_list of each (and /proc/irq/default_smp_affinity), or boot with irqaffinity=<housekeeping CPUs>")
	} else {
		obs = append(obs, fmt.Sprintf("no IRQ of %d on isolated CPUs %s", len(irqs), iso))
	}
	obs = append(obs, balance)
	if len(pids) > 0 {
		fix = append(fix, "sudo systemctl stop irqbalance (it moves IRQs while the benchmark runs)")
	}
	c := Check{ID: id, Observed: strings.Join(obs, "; "), Expected: want, Severity: Info}
	if len(fix) > 0 {
		c.Severity, c.Fix = Warn, strings.Join(fix, "; ")
	}
	return c
}
