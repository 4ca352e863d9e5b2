package load

import (
	"testing"
	"time"
)

// Where the generator's cost is measured, CPU time grows with work done
// and the peak memory is in KiB whatever unit the system reports in (at
// least the 32 MiB touched here, less than 4 GiB); elsewhere it reads
// zero.
func TestReadUsage(t *testing.T) {
	u0 := readUsage()
	buf := make([]byte, 32<<20)
	for i := 0; i < len(buf); i += 1024 {
		buf[i] = 1
	}
	end := time.Now().Add(100 * time.Millisecond)
	for i := 0; time.Now().Before(end); i++ {
		buf[i%len(buf)]++
	}
	u1 := readUsage()
	if usageNotMeasured != "" {
		if u1 != (usage{}) {
			t.Fatalf("usage %+v on a system that does not measure it", u1)
		}
		return
	}
	if d := u1.cpu - u0.cpu; d < 50*time.Millisecond || d > 10*time.Second {
		t.Errorf("CPU time grew by %v over 100ms of busy work", d)
	}
	if u1.maxRSS < 32<<10 || u1.maxRSS > 4<<20 {
		t.Errorf("max RSS %d KiB: expected between 32 MiB and 4 GiB (after touching 32 MiB)", u1.maxRSS)
	}
}
