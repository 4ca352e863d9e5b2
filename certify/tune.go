package certify

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Change is one setting smp certify --tune writes (or --reset writes back):
// the file, the value it held and the value written.
type Change struct {
	Check string `json:"check"` // the id of the check it fixes
	Path  string `json:"path"`  // absolute: /sys/..., /proc/sys/...
	Old   string `json:"old"`
	New   string `json:"new"`
	// Error says why the write failed (not root, a read-only sysfs, a
	// value the kernel refused); the file then still holds Old.
	Error string `json:"error,omitempty"`
}

// TuneResult is what Tune or Reset did.
type TuneResult struct {
	StateFile string   `json:"stateFile"`
	Changes   []Change `json:"changes"`
	// Untuned are the failing or warning checks Tune does not change:
	// nothing a file write can fix (load, steal, the open-file limit, a
	// cgroup quota) or nothing to write here. Their Fix says what to do.
	Untuned []Check `json:"untuned,omitempty"`
	// Complete is false when a write failed.
	Complete bool `json:"complete"`
}

// ErrNoState is returned by Reset when there is no saved state: nothing
// was tuned (or it was reset already).
var ErrNoState = errors.New("no saved tuning state")

// ErrIncomplete is returned by Tune and Reset, with their result, when
// some writes failed (each Change says why); the others were made.
var ErrIncomplete = errors.New("not every setting could be written")

// tuners maps a check id to what --tune writes to fix it. Each reads the
// current values from fsys and returns the writes that would make the
// check pass; none when it cannot (the file is absent, tsc is not
// offered, SMT control is not "on").
func tuners() map[string]func(fs.FS) []Change {
	return map[string]func(fs.FS) []Change{
		"cpu-governor":          tuneGovernor,
		"cpu-freq-range":        tuneFreqRange,
		"cpu-turbo":             tuneTurbo,
		"smt":                   setIf(cpuDir+"/smt/control", "on", "off"),
		"clocksource":           tuneClocksource,
		"transparent-hugepages": setIf("sys/kernel/mm/transparent_hugepage/enabled", "", "madvise"),
		"ephemeral-ports":       setIf("proc/sys/net/ipv4/ip_local_port_range", "", "1024 65535"),
		"somaxconn":             setIf("proc/sys/net/core/somaxconn", "", "4096"),
	}
}

// current is a setting's value as it is written back: the trimmed
// contents, or the bracketed choice of a multiple-choice file ("always
// [madvise] never" → "madvise").
func current(fsys fs.FS, name string) (string, error) {
	v, err := readTrim(fsys, name)
	return selected(v), err
}

// setIf writes v to name when name holds only (any value when only is
// empty) and not v already.
func setIf(name, only, v string) func(fs.FS) []Change {
	return func(fsys fs.FS) []Change {
		old, err := current(fsys, name)
		if err != nil || old == v || (only != "" && old != only) {
			return nil
		}
		return []Change{{Path: "/" + name, Old: old, New: v}}
	}
}

func tuneGovernor(fsys fs.FS) []Change {
	names, vals := perCPU(fsys, "cpufreq/scaling_governor")
	var out []Change
	for _, n := range names {
		if vals[n] != "performance" {
			out = append(out, Change{Path: "/" + cpuDir + "/" + n + "/cpufreq/scaling_governor", Old: vals[n], New: "performance"})
		}
	}
	return out
}

// tuneFreqRange raises each CPU's minimum frequency to its maximum.
func tuneFreqRange(fsys fs.FS) []Change {
	names, mins := perCPU(fsys, "cpufreq/scaling_min_freq")
	_, maxs := perCPU(fsys, "cpufreq/scaling_max_freq")
	var out []Change
	for _, n := range names {
		if mx, ok := maxs[n]; ok && mins[n] != mx {
			out = append(out, Change{Path: "/" + cpuDir + "/" + n + "/cpufreq/scaling_min_freq", Old: mins[n], New: mx})
		}
	}
	return out
}

// tuneTurbo is the file checkTurbo read: intel_pstate's no_turbo, else
// cpufreq's boost.
func tuneTurbo(fsys fs.FS) []Change {
	if _, err := readTrim(fsys, cpuDir+"/intel_pstate/no_turbo"); err == nil {
		return setIf(cpuDir+"/intel_pstate/no_turbo", "", "1")(fsys)
	}
	return setIf(cpuDir+"/cpufreq/boost", "", "0")(fsys)
}

// tuneClocksource switches to tsc when the kernel offers it.
func tuneClocksource(fsys fs.FS) []Change {
	const dir = "sys/devices/system/clocksource/clocksource0/"
	avail, _ := readTrim(fsys, dir+"available_clocksource")
	if !slices.Contains(strings.Fields(avail), "tsc") {
		return nil
	}
	return setIf(dir+"current_clocksource", "", "tsc")(fsys)
}

// PlanTune is what Tune would write for r, the checks' result on fsys:
// a change for each failing or warning check that a file write can fix,
// in the checks' order, and the failing or warning checks it leaves.
func PlanTune(fsys fs.FS, r Result) (changes []Change, untuned []Check) {
	tune := tuners()
	for _, c := range r.Checks {
		if c.Severity != Fail && c.Severity != Warn {
			continue
		}
		var cs []Change
		if f := tune[c.ID]; f != nil {
			cs = f(fsys)
		}
		if len(cs) == 0 {
			untuned = append(untuned, c)
			continue
		}
		for _, ch := range cs {
			ch.Check = c.ID
			changes = append(changes, ch)
		}
	}
	return changes, untuned
}

// Tune fixes, in w, the failing and warning checks of r (Run's result on
// w) that a file write can fix, and nothing else. Before it writes, it
// saves the values it is about to change in the state file statePath
// (merged with a state already there: a setting tuned twice keeps its
// first, original value), so that Reset can write them back. A write
// that fails is reported in its Change and does not stop the others;
// Tune then returns ErrIncomplete with the result. The state file is
// written even when there is nothing to change, so Reset after Tune
// always finds one.
func Tune(w WriteFS, r Result, statePath string) (TuneResult, error) {
	res := TuneResult{StateFile: statePath, Complete: true}
	plan, untuned := PlanTune(w, r)
	res.Untuned = untuned
	st, err := LoadState(statePath)
	if errors.Is(err, ErrNoState) {
		st, err = TuneState{Version: stateVersion}, nil
	}
	if err != nil {
		return res, err
	}
	saved := map[string]Change{}
	for _, c := range st.Changes {
		saved[c.Path] = c
	}
	// Save first: the file then names every setting about to change.
	pending := st
	for _, c := range plan {
		if _, ok := saved[c.Path]; !ok {
			pending.Changes = append(pending.Changes, c)
		}
	}
	pending.Time = time.Now().UTC()
	if err := SaveState(statePath, pending); err != nil {
		return res, fmt.Errorf("nothing changed: %w", err)
	}
	for _, c := range plan {
		if err := w.WriteFile(strings.TrimPrefix(c.Path, "/"), []byte(c.New+"\n")); err != nil {
			c.Error = err.Error()
			res.Complete = false
		} else if _, ok := saved[c.Path]; !ok {
			saved[c.Path] = c
			st.Changes = append(st.Changes, c)
		}
		res.Changes = append(res.Changes, c)
	}
	// Keep only what was written (and what an earlier Tune wrote).
	st.Time = pending.Time
	if err := SaveState(statePath, st); err != nil {
		return res, fmt.Errorf("tuned, but the state of what changed could not be saved (it still lists every planned setting): %w", err)
	}
	if !res.Complete {
		return res, ErrIncomplete
	}
	return res, nil
}

// Reset writes back, in w, the values a Tune saved in statePath, and
// removes the file once every one is restored; a setting that cannot be
// written back stays in it (and Reset returns ErrIncomplete). With no
// state file it returns ErrNoState. Each Change's Old is the value before
// the reset, New the restored one.
func Reset(w WriteFS, statePath string) (TuneResult, error) {
	res := TuneResult{StateFile: statePath, Complete: true}
	st, err := LoadState(statePath)
	if err != nil {
		return res, err
	}
	var left []Change
	for _, s := range st.Changes {
		name := strings.TrimPrefix(s.Path, "/")
		now, _ := current(w, name)
		c := Change{Check: s.Check, Path: s.Path, Old: now, New: s.Old}
		if err := w.WriteFile(name, []byte(s.Old+"\n")); err != nil {
			c.Error = err.Error()
			res.Complete = false
			left = append(left, s)
		}
		res.Changes = append(res.Changes, c)
	}
	if len(left) > 0 {
		st.Changes = left
		if err := SaveState(statePath, st); err != nil {
			return res, err
		}
		return res, ErrIncomplete
	}
	return res, removeState(statePath)
}
