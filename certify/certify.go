// Package certify checks whether a machine can be trusted for benchmarks:
// CPU frequency scaling, turbo, SMT, isolated CPUs and their IRQs,
// transparent hugepages, clock source, timer precision and clock
// synchronisation, perf sampling, load, run queue and steal,
// file-descriptor and socket limits, and CPU quota. Each check reads
// procfs and sysfs through an fs.FS rooted at "/", so tests run it against
// fake trees (the timer and clock-sync checks measure live, through
// functions in Options that tests replace); a file that is missing is
// reported as "not available here" (info), never as a failure.
//
// The result carries a fingerprint of the machine's stable facts (CPU model
// and count, kernel, governor, SMT, clock source) that stays the same from
// run to run on one machine and changes when one of those facts does.
package certify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"
)

// Severities of a check. A passing check is "info": nothing to do.
const (
	Fail = "fail" // results from this machine are not trustworthy until fixed
	Warn = "warn" // results may be noisier than they need to be
	Info = "info" // nothing to fix (or nothing that could be checked here)
)

// NotAvailable is the observed value of a check whose file does not exist
// on this machine (a VM without cpufreq, a kernel without SMT, macOS).
const NotAvailable = "not available here"

// Check is one finding.
type Check struct {
	ID       string `json:"id"`
	Observed string `json:"observed"`
	Expected string `json:"expected"`
	Severity string `json:"severity"` // Fail, Warn or Info
	Fix      string `json:"fix,omitempty"`
}

// Result is the outcome of Run.
type Result struct {
	Checks      []Check `json:"checks"`
	Fingerprint string  `json:"fingerprint"`
	Pass        bool    `json:"pass"` // no check has severity Fail
	// Calibration is the measured run-to-run spread, when calibrated
	// (its check is among Checks).
	Calibration *Calibration `json:"calibration,omitempty"`
}

// AddCalibration records c in r, with its check.
func (r *Result) AddCalibration(c Calibration) {
	r.Calibration = &c
	ch := c.Check()
	r.Checks = append(r.Checks, ch)
	if ch.Severity == Fail {
		r.Pass = false
	}
}

// Options are the parts of the machine that are not files.
type Options struct {
	// NumCPU is used when sys/devices/system/cpu/online cannot be read;
	// zero means runtime.NumCPU().
	NumCPU int
	// SampleStat returns two readings of proc/stat some time apart, for
	// the steal fraction. Nil reads fsys twice, StealInterval apart.
	SampleStat func(ctx context.Context, fsys fs.FS) (before, after []byte, err error)
	// StealInterval is the default sampler's wait; zero means 1s.
	StealInterval time.Duration
	// NoFile returns the soft and hard RLIMIT_NOFILE; nil uses the
	// process's own (getrlimit on Linux, "not available" elsewhere).
	NoFile func() (soft, hard uint64, err error)
	// MeasureTimer measures the clock read cost and a short sleep's
	// lateness; nil measures this machine (about 10 ms).
	MeasureTimer func(ctx context.Context) (TimerSample, error)
	// ClockSync is the kernel's clock synchronisation state; nil reads
	// adjtimex on Linux ("not available" elsewhere).
	ClockSync func() (ClockSync, error)
	// GOOS is the operating system the checks run on; empty means
	// runtime.GOOS. Off Linux a "platform" check says why the others are
	// not available.
	GOOS string
}

// System is the machine's own file system, rooted at "/".
func System() fs.FS { return os.DirFS("/") }

// env is what every check reads from.
type env struct {
	ctx  context.Context
	fsys fs.FS
	opts Options
	ncpu int
}

// allChecks lists the checks in the order they are reported.
func allChecks() []func(*env) Check {
	return []func(*env) Check{
		checkGovernor,
		checkFreqRange,
		checkTurbo,
		checkSMT,
		checkIsolated,
		checkIRQAffinity,
		checkClocksource,
		checkTimer,
		checkClockSync,
		checkTHP,
		checkASLR,
		checkPerfParanoid,
		checkPerfSampleRate,
		checkLoad,
		checkRunQueue,
		checkSteal,
		checkCgroupCPU,
		checkNoFile,
		checkPortRange,
		checkSomaxconn,
	}
}

// Run runs every check against fsys (rooted at "/"). It blocks for the
// steal sample; ctx cuts that short (the steal check then says so).
func Run(ctx context.Context, fsys fs.FS, opts Options) Result {
	e := &env{ctx: ctx, fsys: fsys, opts: opts, ncpu: cpuCount(fsys, opts.NumCPU)}
	r := Result{Pass: true}
	goos := opts.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	if goos != "linux" {
		r.Checks = append(r.Checks, Check{ID: "platform", Observed: goos,
			Expected: "linux", Severity: Info,
			Fix: "the checks read Linux procfs and sysfs; on " + goos + " they report what they cannot check"})
	}
	for _, c := range allChecks() {
		ch := c(e)
		if ch.Severity == Fail {
			r.Pass = false
		}
		r.Checks = append(r.Checks, ch)
	}
	r.Fingerprint = fingerprint(facts(fsys, e.ncpu))
	return r
}

// readTrim reads a file and trims its surrounding white space.
func readTrim(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// missing is the check for a file that is not there (or not readable).
func missing(id, expected string, err error) Check {
	obs := NotAvailable
	if !errors.Is(err, fs.ErrNotExist) {
		obs = fmt.Sprintf("%s (%v)", NotAvailable, err)
	}
	return Check{ID: id, Observed: obs, Expected: expected, Severity: Info}
}
