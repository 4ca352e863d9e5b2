package certify

import (
	"fmt"
	"strconv"
	"strings"
)

// selected is the bracketed choice of a sysfs multiple-choice file
// ("always [madvise] never" → "madvise").
func selected(s string) string {
	if i := strings.IndexByte(s, '['); i >= 0 {
		if j := strings.IndexByte(s[i:], ']'); j > 0 {
			return s[i+1 : i+j]
		}
	}
	return s
}

func checkTHP(e *env) Check {
	const id, want = "transparent-hugepages", "madvise or never"
	v, err := readTrim(e.fsys, "sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return missing(id, want, err)
	}
	sel := selected(v)
	if sel == "always" {
		return Check{ID: id, Observed: sel, Expected: want, Severity: Fail,
			Fix: "echo madvise | sudo tee /sys/kernel/mm/transparent_hugepage/enabled (khugepaged compaction adds latency spikes)"}
	}
	return Check{ID: id, Observed: sel, Expected: want, Severity: Info}
}

func checkASLR(e *env) Check {
	const id, want = "aslr", "any (0 gives the most repeatable layouts; 2 is the safe default)"
	v, err := readTrim(e.fsys, "proc/sys/kernel/randomize_va_space")
	if err != nil {
		return missing(id, want, err)
	}
	meaning := map[string]string{"0": "off", "1": "partial", "2": "full"}[v]
	if meaning != "" {
		v += " (" + meaning + ")"
	}
	return Check{ID: id, Observed: v, Expected: want, Severity: Info}
}

func checkPerfParanoid(e *env) Check {
	const id, want = "perf-event-paranoid", "<= 1 to profile smp and proxies with perf"
	v, err := readTrim(e.fsys, "proc/sys/kernel/perf_event_paranoid")
	if err != nil {
		return missing(id, want, err)
	}
	c := Check{ID: id, Observed: v, Expected: want, Severity: Info}
	if n, err := strconv.Atoi(v); err == nil && n > 1 {
		c.Fix = "only to profile: sudo sysctl -w kernel.perf_event_paranoid=1"
	}
	return c
}

func checkPortRange(e *env) Check {
	const id, want = "ephemeral-ports", ">= 16384 ports (net.ipv4.ip_local_port_range)"
	const fix = "sudo sysctl -w net.ipv4.ip_local_port_range='1024 65535'"
	v, err := readTrim(e.fsys, "proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return missing(id, want, err)
	}
	f := strings.Fields(v)
	var lo, hi int
	if len(f) == 2 {
		lo, err = strconv.Atoi(f[0])
		if err == nil {
			hi, err = strconv.Atoi(f[1])
		}
	}
	if len(f) != 2 || err != nil || hi < lo {
		return Check{ID: id, Observed: fmt.Sprintf("unreadable %q", v), Expected: want, Severity: Warn, Fix: fix}
	}
	n := hi - lo + 1
	c := Check{ID: id, Observed: fmt.Sprintf("%d-%d (%d ports)", lo, hi, n), Expected: want, Severity: Info}
	if n < 16384 {
		c.Severity, c.Fix = Warn, fix
	}
	return c
}

func checkSomaxconn(e *env) Check {
	const id, want = "somaxconn", ">= 4096 (net.core.somaxconn)"
	v, err := readTrim(e.fsys, "proc/sys/net/core/somaxconn")
	if err != nil {
		return missing(id, want, err)
	}
	c := Check{ID: id, Observed: v, Expected: want, Severity: Info}
	if n, err := strconv.Atoi(v); err != nil || n < 4096 {
		c.Severity, c.Fix = Warn, "sudo sysctl -w net.core.somaxconn=4096"
	}
	return c
}

func checkNoFile(e *env) Check {
	const id, want = "nofile", ">= 65536 open files (ulimit -n)"
	get := e.opts.NoFile
	if get == nil {
		get = noFile
	}
	soft, hard, err := get()
	if err != nil {
		return Check{ID: id, Observed: NotAvailable + " (" + err.Error() + ")", Expected: want, Severity: Info}
	}
	c := Check{ID: id, Observed: fmt.Sprintf("%d (hard %d)", soft, hard), Expected: want, Severity: Info}
	if soft < 65536 {
		c.Severity, c.Fix = Warn, "ulimit -n 65536 in the shell that runs smp (LimitNOFILE= for a systemd unit; raise the hard limit in /etc/security/limits.conf)"
	}
	return c
}

// checkPerfSampleRate reports kernel.perf_event_max_sample_rate, the most
// samples per second perf may take (pyperf's system tune writes 1). It
// only matters while perf samples: it warns when a perf process runs and
// the rate is above 1.
func checkPerfSampleRate(e *env) Check {
	const id, want = "perf-sample-rate", "1 while perf runs (pyperf's setting: fewest sampling interrupts); any value otherwise"
	v, err := readTrim(e.fsys, "proc/sys/kernel/perf_event_max_sample_rate")
	if err != nil {
		return missing(id, want, err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return Check{ID: id, Observed: fmt.Sprintf("unreadable %q", v), Expected: want, Severity: Warn}
	}
	pids := procsNamed(e.fsys, "perf")
	if len(pids) == 0 {
		return Check{ID: id, Observed: fmt.Sprintf("%d samples/s; no perf process", n), Expected: want, Severity: Info}
	}
	c := Check{ID: id, Observed: fmt.Sprintf("%d samples/s; perf running (pid %s)", n, joinInts(pids, 3)), Expected: want, Severity: Info}
	if n > 1 {
		c.Severity = Warn
		c.Fix = "stop perf while measuring (each sample interrupts the CPU it lands on), or sudo sysctl -w kernel.perf_event_max_sample_rate=1"
	}
	return c
}
