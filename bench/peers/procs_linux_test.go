package main

import (
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A real line (nginx's worker), and one whose command name has the
	// characters that break a naive split.
	line := "4242 (nginx) S 4241 4241 4241 0 -1 4194624 150 0 0 0 731 1264 0 0 20 0 1 0 5093517 11075584 1020 18446744073709551615 1 1 0 0 0 0 0 1073745920 402745863 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	g, ticks, err := parseStat([]byte(line))
	if err != nil || g != 4241 || ticks != 731+1264 {
		t.Errorf("parseStat(nginx) = %d, %d, %v; want group 4241, %d ticks", g, ticks, err, 731+1264)
	}
	g, ticks, err = parseStat([]byte("7 (a) b (c) S 1 77 7 0 -1 0 0 0 0 0 5 6 0 0"))
	if err != nil || g != 77 || ticks != 11 {
		t.Errorf("parseStat(name with ') ') = %d, %d, %v; want group 77, 11 ticks", g, ticks, err)
	}
	for _, bad := range []string{"", "1 nginx S 1 1", "1 (x) S 1", "1 (x) S 1 x 1 0 -1 0 0 0 0 0 5 6", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 y"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q): no error", bad)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("4242 (nginx) S 4241 4241 4241 0 -1 4194624 150 0 0 0 731 1264 0 0 20 0 1 0"))
	f.Add([]byte("7 (a) b (c) S 1 77 7 0 -1 0 0 0 0 0 5 6 0 0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, ticks, err := parseStat(data)
		if err != nil && (g != 0 || ticks != 0) {
			t.Errorf("an error with values %d, %d", g, ticks)
		}
	})
}

// TestGroupCPU reads this test's own process group, after burning CPU.
func TestGroupCPU(t *testing.T) {
	pg := syscall.Getpgrp()
	before, err := groupCPU(pg)
	if err != nil {
		t.Fatal(err)
	}
	self := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// Spin until this process has used 100 ms more CPU (by the kernel's
	// count, whatever else the machine is doing).
	for start := self(); self()-start < 100*time.Millisecond; {
	}
	after, err := groupCPU(pg)
	if err != nil {
		t.Fatal(err)
	}
	// At least the 100 ms less a tick of rounding at each end; other
	// processes of the group (go test's) may add to it.
	if d := after - before; d < 80*time.Millisecond || d > 30*time.Second {
		t.Errorf("group CPU grew by %v while this process used 100 ms, want at least 80 ms", d)
	}
	if _, err := groupCPU(1 << 30); err == nil {
		t.Error("a group with no process: no error")
	}
}
