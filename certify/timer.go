package certify

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Timer thresholds: the median cost of one clock read (two per latency
// measured) and the median lateness of a short sleep (how late a paced
// sender or a timeout wakes up).
const (
	clockReadWarn = time.Microsecond
	overshootWarn = time.Millisecond
)

// The default timer measurement: timerReads clock reads, timerSleeps
// sleeps of timerSleep each.
const (
	timerReads  = 1000
	timerSleeps = 50
	timerSleep  = 100 * time.Microsecond
)

// TimerSample is a measurement of the clock and the timer.
type TimerSample struct {
	ClockRead time.Duration // median cost of one clock read
	Overshoot time.Duration // median lateness of a sleep of Sleep
	Reads     int           // clock reads measured
	Sleeps    int           // sleeps measured
	Sleep     time.Duration // what each sleep asked for
}

// median is the middle of ds (sorted in place); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// measureTimer times timerReads back-to-back time.Now calls and
// timerSleeps kernel sleeps of timerSleep (sleepFor: nanosleep on Linux,
// so the Go scheduler's own timer granularity is not what is measured).
func measureTimer(ctx context.Context) (TimerSample, error) {
	s := TimerSample{Reads: timerReads, Sleeps: timerSleeps, Sleep: timerSleep}
	reads := make([]time.Duration, timerReads)
	for i := range reads {
		a := time.Now()
		reads[i] = time.Since(a)
	}
	s.ClockRead = median(reads)
	late := make([]time.Duration, 0, timerSleeps)
	for i := 0; i < timerSleeps; i++ {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		a := time.Now()
		if err := sleepFor(timerSleep); err != nil {
			return s, err
		}
		late = append(late, time.Since(a)-timerSleep)
	}
	s.Overshoot = median(late)
	return s, nil
}

// us formats d in microseconds ("57 ns" below one).
func us(d time.Duration) string {
	if d < time.Microsecond && d > -time.Microsecond {
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func checkTimer(e *env) Check {
	want := fmt.Sprintf("clock read <= %d µs, a short sleep late by <= %d ms (medians)", clockReadWarn/time.Microsecond, overshootWarn/time.Millisecond)
	const id = "timer"
	measure := e.opts.MeasureTimer
	if measure == nil {
		measure = measureTimer
	}
	s, err := measure(e.ctx)
	if err != nil {
		return Check{ID: id, Observed: NotAvailable + " (" + err.Error() + ")", Expected: want, Severity: Info}
	}
	slack := ""
	if v, err := readTrim(e.fsys, "proc/self/timerslack_ns"); err == nil {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			slack = "; timer slack " + us(time.Duration(n))
		}
	}
	c := Check{ID: id, Observed: fmt.Sprintf("clock read %s (median of %d), %s sleep late by %s (median of %d%s)",
		us(s.ClockRead), s.Reads, us(s.Sleep), us(s.Overshoot), s.Sleeps, slack), Expected: want, Severity: Info}
	var fix []string
	if s.ClockRead > clockReadWarn {
		fix = append(fix, "a slow clock source (hpet, acpi_pm): see the clocksource check, echo tsc | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource")
	}
	if s.Overshoot > overshootWarn {
		fix = append(fix, "wakeups are late: a busy or oversubscribed machine (see load, run-queue, steal), a large timer slack (prctl PR_SET_TIMERSLACK) or deep CPU idle states (sudo cpupower idle-set -D 0)")
	}
	if len(fix) > 0 {
		c.Severity = Warn
		c.Fix = fix[0]
		for _, f := range fix[1:] {
			c.Fix += "; " + f
		}
	}
	return c
}
