package evloop

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The lead settles near the 75th percentile of the lateness it sees, and
// stays within its bounds.
func TestLeadTracksLateness(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var e lead
	// The kernel wakes the loop 40-80 µs after the time it asked for
	// (uniformly), whatever that time was.
	for range 20000 {
		e.observe(40*time.Microsecond + time.Duration(r.Int64N(int64(40*time.Microsecond))))
	}
	if want := 70 * time.Microsecond; e.d < want-5*time.Microsecond || e.d > want+5*time.Microsecond {
		t.Errorf("lead %v, want about %v (75th percentile of 40-80 µs)", e.d, want)
	}
	for range 2000 {
		e.observe(time.Second)
	}
	if e.d != maxLead {
		t.Errorf("lead %v after very late wakes, want the bound %v", e.d, maxLead)
	}
	for range 2000 {
		e.observe(0)
	}
	if e.d != 0 {
		t.Errorf("lead %v after punctual wakes, want 0", e.d)
	}
}
