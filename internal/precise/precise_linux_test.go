//go:build linux

package precise

import (
	"context"
	"sort"
	"testing"
	"time"
)

// Sleeps end close to their deadline: never early, and (generously, for a
// shared CI machine) within a couple of milliseconds at the median — on an
// idle process, where the runtime timer alone would be up to 1 ms late.
func TestUntilAccuracyWhenIdle(t *testing.T) {
	s, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var over []time.Duration
	for _, d := range []time.Duration{50 * time.Microsecond, 300 * time.Microsecond, 3 * time.Millisecond} {
		for range 20 {
			target := time.Now().Add(d)
			if !s.Until(target) {
				t.Fatal("Until returned false without cancellation")
			}
			late := time.Since(target)
			if late < 0 {
				t.Fatalf("woke %v early for a %v sleep", -late, d)
			}
			over = append(over, late)
		}
	}
	sort.Slice(over, func(i, j int) bool { return over[i] < over[j] })
	if med := over[len(over)/2]; med > 2*time.Millisecond {
		t.Errorf("median oversleep %v", med)
	}
	// Idle, the runtime timer wakes late, so the Sleeper moved to the timerfd.
	if !s.useFD && over[len(over)*3/4] > lateLimit {
		t.Errorf("still on the runtime timer although 25%% of wake-ups were over %v late", lateLimit)
	}
}

// The timerfd path alone: precise and not early.
func TestTimerfdWait(t *testing.T) {
	s, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.useFD = true
	for range 10 {
		target := time.Now().Add(200 * time.Microsecond)
		if !s.Until(target) || time.Now().Before(target) {
			t.Fatal("timerfd wait returned early or false")
		}
	}
}

func TestUntilCancelled(t *testing.T) {
	for _, fd := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := New(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.useFD = fd
		time.AfterFunc(20*time.Millisecond, cancel)
		begin := time.Now()
		if s.Sleep(10 * time.Second) {
			t.Errorf("timerfd=%v: Sleep returned true after cancellation", fd)
		}
		if took := time.Since(begin); took > time.Second {
			t.Errorf("timerfd=%v: cancelled sleep took %v", fd, took)
		}
		if s.Sleep(time.Millisecond) {
			t.Errorf("timerfd=%v: Sleep after cancellation returned true", fd)
		}
		s.Close()
	}
}
