package certify

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func timerEnv(s TimerSample, err error) *env {
	o := opts(0)
	o.MeasureTimer = func(context.Context) (TimerSample, error) { return s, err }
	return &env{ctx: context.Background(), fsys: goodTree(), opts: o, ncpu: 4}
}

func TestTimer(t *testing.T) {
	good := TimerSample{ClockRead: 25 * time.Nanosecond, Overshoot: 60 * time.Microsecond, Reads: 1000, Sleeps: 50, Sleep: 100 * time.Microsecond}
	c := checkTimer(timerEnv(good, nil))
	if want := "clock read 25 ns (median of 1000), 100 µs sleep late by 60 µs (median of 50; timer slack 50 µs)"; c.Observed != want || c.Severity != Info || c.Fix != "" {
		t.Errorf("good timer: %+v, want info %q", c, want)
	}
	slow := good
	slow.ClockRead = 1500 * time.Nanosecond
	if c := checkTimer(timerEnv(slow, nil)); c.Severity != Warn || !strings.Contains(c.Observed, "clock read 2 µs") ||
		!strings.Contains(c.Fix, "clocksource") || strings.Contains(c.Fix, "wakeups") {
		t.Errorf("slow clock: %+v", c)
	}
	late := good
	late.Overshoot = 1200 * time.Microsecond
	if c := checkTimer(timerEnv(late, nil)); c.Severity != Warn || !strings.Contains(c.Observed, "late by 1200 µs") ||
		!strings.Contains(c.Fix, "wakeups are late") || strings.Contains(c.Fix, "clocksource") {
		t.Errorf("late sleeps: %+v", c)
	}
	late.ClockRead = slow.ClockRead
	if c := checkTimer(timerEnv(late, nil)); c.Severity != Warn || !strings.Contains(c.Fix, "clocksource") || !strings.Contains(c.Fix, "; wakeups are late") {
		t.Errorf("both: %+v", c)
	}
	if c := checkTimer(timerEnv(TimerSample{}, errors.New("no clock"))); c.Severity != Info || c.Observed != NotAvailable+" (no clock)" {
		t.Errorf("error: %+v", c)
	}
}

// TestMeasureTimer runs the real measurement (about 10 ms) with bounds
// loose enough for a busy shared machine.
func TestMeasureTimer(t *testing.T) {
	s, err := measureTimer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Reads != timerReads || s.Sleeps != timerSleeps || s.Sleep != timerSleep {
		t.Errorf("counts %+v", s)
	}
	if s.ClockRead < 0 || s.ClockRead > 100*time.Microsecond {
		t.Errorf("clock read median %v, want 0-100µs", s.ClockRead)
	}
	if s.Overshoot < 0 || s.Overshoot > 100*time.Millisecond {
		t.Errorf("sleep overshoot median %v, want 0-100ms (a sleep never ends early)", s.Overshoot)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := measureTimer(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestClockSync(t *testing.T) {
	e := &env{opts: opts(0)}
	if c := checkClockSync(e); c.Severity != Info || c.Observed != "synchronised (max error 1200 µs, estimated error 35 µs)" {
		t.Errorf("synced: %+v", c)
	}
	e.opts.ClockSync = func() (ClockSync, error) {
		return ClockSync{MaxError: 16 * time.Second, EstError: 16 * time.Second}, nil
	}
	if c := checkClockSync(e); c.Severity != Warn || c.Observed != "not synchronised (STA_UNSYNC; max error 16000000 µs, estimated error 16000000 µs)" ||
		!strings.Contains(c.Fix, "chronyd") {
		t.Errorf("unsynced: %+v", c)
	}
	e.opts.ClockSync = func() (ClockSync, error) { return ClockSync{}, errors.New("only on linux") }
	if c := checkClockSync(e); c.Severity != Info || c.Observed != NotAvailable+" (only on linux)" {
		t.Errorf("error: %+v", c)
	}
}

// TestClockSyncReal reads this machine's adjtimex (read only).
func TestClockSyncReal(t *testing.T) {
	s, err := clockSync()
	if runtime.GOOS != "linux" {
		if err == nil {
			t.Errorf("off linux: %+v and no error", s)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxError < 0 || s.EstError < 0 {
		t.Errorf("%+v: want errors >= 0", s)
	}
}

func TestCPUSet(t *testing.T) {
	set, err := cpuSet("0-2,5,7-8\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{0, 1, 2, 5, 7, 8} {
		if !set[c] {
			t.Errorf("CPU %d missing from %v", c, set)
		}
	}
	if len(set) != 6 {
		t.Errorf("%v, want 6 CPUs", set)
	}
	for _, s := range []string{"a", "3-1", "0-x"} {
		if _, err := cpuSet(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}
