package load

import (
	"runtime"
	"testing"
	"time"
)

// Where the generator's cost is measured, CPU time grows with work done
// and the peak memory is in KiB whatever unit the system reports in (at
// least the 32 MiB touched here, less than 4 GiB); elsewhere it reads
// zero.
//
// The busy work runs until readUsage sees 50 ms of CPU (or 10 s pass), not
// for a fixed 100 ms of wall time: on a shared, saturated machine 100 ms of
// wall time can hold less than 50 ms of CPU.
func TestReadUsage(t *testing.T) {
	t0 := time.Now()
	u0 := readUsage()
	buf := make([]byte, 32<<20)
	for i := 0; i < len(buf); i += 1024 {
		buf[i] = 1
	}
	if usageNotMeasured != "" {
		if u1 := readUsage(); u1 != (usage{}) {
			t.Fatalf("usage %+v on a system that does not measure it", u1)
		}
		return
	}
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	var u1 usage
	for i := 0; ; i++ {
		buf[i%len(buf)]++
		if i%(1<<16) == 0 {
			if u1 = readUsage(); u1.cpu-u0.cpu >= 50*time.Millisecond || time.Now().After(deadline) {
				break
			}
		}
	}
	wall := time.Since(start)
	d := u1.cpu - u0.cpu
	if d < 50*time.Millisecond {
		t.Errorf("CPU time grew by %v over %v of busy work", d, wall)
	}
	// The process cannot have used more CPU than its cores had since u0
	// (give or take a tick of accounting).
	if took := time.Since(t0); d > time.Duration(runtime.NumCPU())*took+100*time.Millisecond {
		t.Errorf("CPU time grew by %v in %v on %d cores", d, took, runtime.NumCPU())
	}
	if u1.maxRSS < 32<<10 || u1.maxRSS > 4<<20 {
		t.Errorf("max RSS %d KiB: expected between 32 MiB and 4 GiB (after touching 32 MiB)", u1.maxRSS)
	}
}
