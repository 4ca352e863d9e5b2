package collect

import (
	"context"
	"os"
	"os/exec"
	"syscall"
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

// The real /proc: a child that spins for a while uses about one core, and
// the collector sees it through the parent when sampling the tree.
func TestProcfsSeesBusyChild(t *testing.T) {
	// timeout(1) waits while its child shell spins.
	cmd := exec.Command("timeout", "3", "sh", "-c", "while :; do :; done")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the spinner too
		cmd.Wait()
	}()
	p := &Procfs{Interval: 100 * time.Millisecond}
	if err := p.Start(context.Background(), []Target{
		{Name: "spinner", Role: "app", PID: cmd.Process.Pid, Tree: true},
		{Name: "spinner-alone", Role: "app", PID: cmd.Process.Pid},
		{Name: "self", Role: "client", PID: os.Getpid()},
	}); err != nil {
		t.Fatal(err)
	}
	from := time.Now()
	time.Sleep(1200 * time.Millisecond)
	to := time.Now()
	series := p.Stop()
	tree, alone := Window(series[0], from, to), Window(series[1], from, to)
	if tree.CPUMcores < 300 || tree.CPUMcores > 1100 || tree.Samples < 8 {
		t.Errorf("tree usage %+v; want about 1000 mCores over about 12 samples", tree)
	}
	if alone.CPUMcores > 100 {
		t.Errorf("the waiting parent alone used %.0f mCores", alone.CPUMcores)
	}
	if tree.MemMB <= 0 || series[2].Source != ProcfsSource {
		t.Errorf("memory %v, source %q", tree.MemMB, series[2].Source)
	}
}
