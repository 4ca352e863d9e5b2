package collect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want stat
		ok   bool
	}{
		{"plain", "42 (nginx) S 1 42 42 0 -1 4194624 100 0 0 0 250 50 0 0 20 0 1 0 100 10000000 1234 18446744073709551615",
			stat{pid: 42, ppid: 1, utime: 250, stime: 50, rss: 1234}, true},
		{"comm with spaces and parens", "7 (my (odd) name) R 3 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 100 1 5 0",
			stat{pid: 7, ppid: 3, utime: 1, stime: 2, rss: 5}, true},
		{"truncated", "7 (x) R 3 7", stat{}, false},
		{"no comm", "7 x R 3", stat{}, false},
		{"negative ticks", "7 (x) R 3 7 7 0 -1 0 0 0 0 0 -1 2 0 0 20 0 1 0 100 1 5 0", stat{}, false},
		{"empty", "", stat{}, false},
	}
	for _, tc := range tests {
		got, err := parseStat([]byte(tc.line))
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%s: got %+v, %v; want %+v ok=%v", tc.name, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add("42 (nginx) S 1 42 42 0 -1 4194624 100 0 0 0 250 50 0 0 20 0 1 0 100 10000000 1234 18446744073709551615")
	f.Add("7 (a)) R 3 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 100 1 5 0")
	f.Fuzz(func(t *testing.T, line string) {
		st, err := parseStat([]byte(line))
		if err == nil && (st.utime < 0 || st.stime < 0 || st.rss < 0) {
			t.Fatalf("negative values accepted: %+v", st)
		}
	})
}

// A process burning 500 ms of CPU per second (half a core) and holding
// 100 MiB, sampled every 100 ms.
func halfCore(start time.Time, n int) Series {
	s := Series{}
	for i := 0; i <= n; i++ {
		s.Samples = append(s.Samples, Sample{
			At:  start.Add(time.Duration(i) * 100 * time.Millisecond),
			CPU: time.Duration(i) * 50 * time.Millisecond,
			RSS: 100 << 20,
		})
	}
	return s
}

func TestWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := halfCore(t0, 50) // 5 s
	// A window between samples: CPU interpolated at both ends.
	u := Window(s, t0.Add(1050*time.Millisecond), t0.Add(3050*time.Millisecond))
	if u.CPUMcores < 499 || u.CPUMcores > 501 || u.MemMB != 100 || u.Samples != 20 {
		t.Errorf("usage %+v; want 500 mCores, 100 MiB, 20 samples", u)
	}
	// A burst in the middle shows in the max, not in the average.
	s.Samples[30].CPU += 100 * time.Millisecond
	for i := 31; i < len(s.Samples); i++ {
		s.Samples[i].CPU += 100 * time.Millisecond
	}
	u = Window(s, t0, t0.Add(5*time.Second))
	if u.CPUMcoresMax < 1499 || u.CPUMcoresMax > 1501 || u.CPUMcores < 519 || u.CPUMcores > 521 {
		t.Errorf("usage %+v; want max 1500 and average 520 mCores", u)
	}
	if u := Window(Series{}, t0, t0.Add(time.Second)); u != (Usage{}) {
		t.Errorf("empty series: %+v", u)
	}
}

// The real /proc is Linux's: elsewhere Start says so, unless Root points
// at a /proc-like tree (tests).
func TestProcfsSupported(t *testing.T) {
	if err := procfsSupported("linux"); err != nil {
		t.Errorf("linux: %v", err)
	}
	for _, goos := range []string{"darwin", "windows"} {
		err := procfsSupported(goos)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "not supported on "+goos) {
			t.Errorf("%s: %v; want ErrUnsupported naming %s", goos, err, goos)
		}
	}
	p := &Procfs{Root: t.TempDir(), Interval: time.Hour}
	if err := p.Start(context.Background(), []Target{{Name: "x", PID: 1}}); err != nil {
		t.Fatalf("Start with a Root of its own: %v", err)
	}
	if s := p.Stop(); len(s) != 1 || len(s[0].Samples) != 0 {
		t.Errorf("series %+v: want one, empty (no such process under Root)", s)
	}
}
