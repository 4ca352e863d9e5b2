package precise

import (
	"context"
	"sort"
	"testing"
	"time"
)

// Sleeps end close to their deadline: never early, and (generously, for a
// shared CI machine) within a couple of milliseconds at the median.
func TestUntilAccuracy(t *testing.T) {
	s := New(context.Background())
	var over []time.Duration
	for _, d := range []time.Duration{50 * time.Microsecond, 300 * time.Microsecond, 3 * time.Millisecond, 10 * time.Millisecond} {
		for range 10 {
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
		t.Errorf("median oversleep %v, want well under a millisecond on an idle machine", med)
	}
}

func TestUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := New(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	begin := time.Now()
	if s.Sleep(10 * time.Second) {
		t.Error("Sleep returned true after cancellation")
	}
	if took := time.Since(begin); took > time.Second {
		t.Errorf("cancelled sleep took %v", took)
	}
}
