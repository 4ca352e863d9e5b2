//go:build linux

package precise

import (
	"context"
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
	over := oversleeps(t, s.Until, 20, 50*time.Microsecond, 300*time.Microsecond, 3*time.Millisecond)
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
