package precise

import (
	"context"
	"sort"
	"testing"
	"time"
)

// oversleeps sleeps until n deadlines at each of ds from now and returns
// how late each wake-up was, sorted; a wake-up before its deadline fails
// the test.
func oversleeps(t *testing.T, until func(time.Time) bool, n int, ds ...time.Duration) []time.Duration {
	t.Helper()
	var over []time.Duration
	for _, d := range ds {
		for range n {
			target := time.Now().Add(d)
			if !until(target) {
				t.Fatal("until returned false without cancellation")
			}
			late := time.Since(target)
			if late < 0 {
				t.Fatalf("woke %v early for a %v sleep", -late, d)
			}
			over = append(over, late)
		}
	}
	sort.Slice(over, func(i, j int) bool { return over[i] < over[j] })
	return over
}

// The runtime-timer Sleeper (other systems' only one, built on Linux too):
// never early, and close to the deadline at the median. The bound is
// generous: on an idle Linux process the runtime timer is up to about a
// millisecond late, and the machine is shared.
func TestTimerSleeperAccuracy(t *testing.T) {
	s := newTimerSleeper(context.Background())
	defer s.close()
	over := oversleeps(t, s.until, 15, 100*time.Microsecond, time.Millisecond, 5*time.Millisecond)
	if med := over[len(over)/2]; med > 5*time.Millisecond {
		t.Errorf("median oversleep %v", med)
	}
	if !s.until(time.Now().Add(-time.Second)) {
		t.Error("a time already past returned false")
	}
}

func TestTimerSleeperCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := newTimerSleeper(ctx)
	defer s.close()
	time.AfterFunc(20*time.Millisecond, cancel)
	begin := time.Now()
	if s.until(begin.Add(10 * time.Second)) {
		t.Error("until returned true after cancellation")
	}
	if took := time.Since(begin); took < 10*time.Millisecond || took > time.Second {
		t.Errorf("cancelled sleep took %v: expected about 20ms", took)
	}
	if s.until(time.Now().Add(-time.Second)) || s.until(time.Now().Add(time.Millisecond)) {
		t.Error("until after cancellation returned true")
	}
}

// The exported Sleeper, whichever wait this system has: sleeps end at or
// after their time, and a nil Sleeper closes.
func TestSleeperAnySystem(t *testing.T) {
	for _, mk := range []func(context.Context) (*Sleeper, error){New, NewOneShot} {
		s, err := mk(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			target := time.Now().Add(500 * time.Microsecond)
			if !s.Until(target) || time.Now().Before(target) {
				t.Fatal("Until returned early or false")
			}
		}
		begin := time.Now()
		if !s.Sleep(2*time.Millisecond) || time.Since(begin) < 2*time.Millisecond {
			t.Fatal("Sleep returned early or false")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var nilS *Sleeper
	if err := nilS.Close(); err != nil {
		t.Fatal(err)
	}
}
