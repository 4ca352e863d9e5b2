package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/capacity"
	"github.com/smp-dev/smp/target/targettest"
)

func TestCapacityFindsLimit(t *testing.T) {
	const limit = 400
	srv := targettest.Limited(t, limit)
	start := time.Now()
	code, out, errOut := smp(t, "capacity", srv.URL+"/", "--slo", "p99 < 50ms", "-c", "64", "--start", "200",
		"--trial", "1s", "--warmup", "200ms", "--bracket", "0.05", "--max-trials", "14", "--deadline", "25s", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var r capacity.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not a result: %v\n%s", err, out)
	}
	// ±25%: a noisy shared machine moves the boundary.
	lo, hi := r.Bracket[0], r.Bracket[1]
	if r.Rate != lo || lo < 0.75*limit || lo > 1.25*limit || hi < lo || hi > 1.25*limit || r.LimitedBy != capacity.LimitedBySLO {
		t.Errorf("result %+v; want a bracket within 25%% of %d req/s, limited by slo\n%s", r, limit, errOut)
	}
	if !r.Converged && r.LimitedBy != capacity.LimitedByTrials {
		t.Errorf("not converged: %s", r.Reason)
	}
	if n := strings.Count(errOut, "\ntrial ") + 1; len(r.Trials) < 4 || n != len(r.Trials) {
		t.Errorf("%d trials, %d progress lines: %s", len(r.Trials), n, errOut)
	}
	t.Logf("capacity %v req/s, bracket %v, %d trials in %v", r.Rate, r.Bracket, len(r.Trials), time.Since(start).Round(time.Millisecond))
}

func TestCapacityTableMax(t *testing.T) {
	srv := targettest.Limited(t, 5000)
	code, out, errOut := smp(t, "capacity", srv.URL+"/", "--slo", "p99 < 1s", "-c", "4", "--start", "50", "--max-rate", "80",
		"--trial", "300ms", "--warmup", "100ms")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	for _, want := range []string{"rate req/s", "\n1 ", "\n2 ", "capacity: 80 req/s", "limited by max", "at least that"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestCapacityNoPass(t *testing.T) {
	srv := targettest.Limited(t, 5000)
	code, out, errOut := smp(t, "capacity", srv.URL+"/", "--slo", "p99 < 1us", "-c", "2", "--start", "50",
		"--trial", "300ms", "--warmup", "100ms", "-o", "json")
	var r capacity.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != ExitFailed || r.Rate != 0 || len(r.Trials) != 1 ||
		!strings.Contains(errOut, "no rate passed: the first trial, at 50 req/s, failed (p99 < 1us: ") {
		t.Errorf("exit %d, result %+v (%v): %s; want exit 1, rate 0 after one trial, saying why", code, r, err, errOut)
	}
}

func TestCapacityBadFlags(t *testing.T) {
	url := "http://127.0.0.1:1/"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--start", "0"}, "--start 0"},
		{[]string{"--max-rate", "10"}, "--max-rate 10"},
		{[]string{"--trial", "0s"}, "--trial"},
		{[]string{"--warmup", "soon"}, `--warmup "soon"`},
		{[]string{"--deadline", "x"}, "--deadline"},
		{[]string{"--max-errors", "2"}, "--max-errors 2"},
		{[]string{"--bracket", "0"}, "--bracket 0"},
		{[]string{"-o", "html"}, `-o "html"`},
		{[]string{"-c", "0"}, "--connections"},
		{[]string{"--slo", "p99 <"}, "--slo"},
		{[]string{"--max-trials", "0"}, "--max-trials 0"},
	} {
		code, _, errOut := smp(t, append([]string{"capacity", url}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}
