package capacity

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// fake passes at or below capacity, sending every request.
func fake(capacity float64) (RunFunc, *[]float64) {
	var rates []float64
	return func(_ context.Context, rate float64) (Trial, error) {
		rates = append(rates, rate)
		t := Trial{Achieved: rate, Requests: int64(rate), Pass: rate <= capacity}
		if !t.Pass {
			t.FailedBy, t.Reasons = LimitedBySLO, []string{"p99 < 20ms: 35 ms"}
		}
		return t, nil
	}, &rates
}

func TestSearchBracketsCapacity(t *testing.T) {
	for _, capacity := range []float64{1234, 100, 99999, 150.5} {
		run, rates := fake(capacity)
		r, err := Search(context.Background(), Config{Start: 100, MaxTrials: 40}, run)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := r.Bracket[0], r.Bracket[1]
		if !r.Converged || r.LimitedBy != LimitedBySLO || lo > capacity || hi <= capacity || (hi-lo)/lo >= DefaultBracket || r.Rate != lo {
			t.Errorf("capacity %v: %+v; want converged, slo, a 2%% bracket around it", capacity, r)
		}
		// log2 of the range to ramp over, then log2(1/0.02) ≈ 6 halvings,
		// the last few repeated.
		if len(r.Trials) > 25 || len(r.Trials) != len(*rates) {
			t.Errorf("capacity %v: %d trials (%d runs): want at most 25", capacity, len(r.Trials), len(*rates))
		}
		for _, tr := range r.Trials {
			if tr.Pass != (tr.Rate <= capacity) || !tr.Valid {
				t.Errorf("capacity %v: trial %+v", capacity, tr)
			}
		}
	}
}

func TestSearchRepeatsNearBoundary(t *testing.T) {
	// Passes once at each rate and fails the repeat: noisy near the
	// boundary. A rate must hold twice to count as a pass there.
	seen := map[float64]int{}
	run := func(_ context.Context, rate float64) (Trial, error) {
		seen[rate]++
		pass := rate <= 1000 || (rate <= 1100 && seen[rate] == 1)
		return Trial{Achieved: rate, Pass: pass}, nil
	}
	r, err := Search(context.Background(), Config{Start: 500, Bracket: 0.05}, run)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Converged || r.Rate > 1000 || r.Bracket[1] > 1000*1.05 {
		t.Errorf("%+v; want a bracket at 1000 (flaky passes above it not counted)", r)
	}
	repeated := false
	for _, n := range seen {
		repeated = repeated || n > 1
	}
	if !repeated {
		t.Errorf("no rate was repeated: %v", seen)
	}
}

func TestSearchClientLimited(t *testing.T) {
	// The generator tops out at 3000 req/s; the target would take more.
	run := func(_ context.Context, rate float64) (Trial, error) {
		return Trial{Achieved: min(rate, 3000), Pass: true}, nil
	}
	r, err := Search(context.Background(), Config{Start: 1000}, run)
	if err != nil {
		t.Fatal(err)
	}
	last := r.Trials[len(r.Trials)-1]
	if r.LimitedBy != LimitedByClient || r.Converged || r.Rate != 2000 || last.Valid || last.Rate != 4000 ||
		!strings.Contains(r.Reason, "client") || len(last.Reasons) == 0 {
		t.Errorf("%+v; want client-limited at 4000, capacity at least 2000", r)
	}
	// Send lag over the bound is client-limited too.
	run = func(_ context.Context, rate float64) (Trial, error) {
		return Trial{Achieved: rate, SendLagP99Ms: rate / 100, Pass: true}, nil
	}
	r, _ = Search(context.Background(), Config{Start: 500, MaxSendLag: 15 * time.Millisecond}, run)
	if r.LimitedBy != LimitedByClient || r.Rate != 1000 || r.Bracket[1] != 0 {
		t.Errorf("send lag: %+v; want client-limited at 2000", r)
	}
}

func TestSearchShortfallInFailIsAFail(t *testing.T) {
	// A saturated target slows sends too: that is the target's failure.
	run := func(_ context.Context, rate float64) (Trial, error) {
		if rate > 700 {
			return Trial{Achieved: 700, Pass: false, FailedBy: LimitedByErrors}, nil
		}
		return Trial{Achieved: rate, Pass: true}, nil
	}
	r, err := Search(context.Background(), Config{Start: 100}, run)
	if err != nil || !r.Converged || r.LimitedBy != LimitedByErrors || r.Rate > 700 || r.Bracket[1] < 700 {
		t.Errorf("%+v, %v; want converged at 700, limited by errors", r, err)
	}
}

func TestSearchAllFail(t *testing.T) {
	run, _ := fake(50)
	r, err := Search(context.Background(), Config{Start: 200}, run)
	if err != nil || r.Rate != 0 || len(r.Trials) != 1 || r.Converged || r.LimitedBy != LimitedBySLO ||
		!strings.Contains(r.Reason, "first trial, at 200 req/s, failed (p99 < 20ms: 35 ms)") {
		t.Errorf("%+v, %v; want rate 0 after one trial, saying so", r, err)
	}
}

func TestSearchMax(t *testing.T) {
	run, rates := fake(1e9)
	r, err := Search(context.Background(), Config{Start: 100, Max: 1000}, run)
	want := []float64{100, 200, 400, 800, 1000}
	if err != nil || r.LimitedBy != LimitedByMax || r.Rate != 1000 || r.Converged || len(*rates) != len(want) {
		t.Fatalf("%+v, %v, rates %v; want %v then stop at max", r, err, *rates, want)
	}
	for i := range want {
		if (*rates)[i] != want[i] {
			t.Errorf("rates %v; want %v", *rates, want)
		}
	}
}

func TestSearchDeadlineAndTrials(t *testing.T) {
	// A fake clock: each trial takes 10 s.
	now := time.Unix(0, 0)
	inner, _ := fake(1234)
	run := func(ctx context.Context, rate float64) (Trial, error) {
		now = now.Add(10 * time.Second)
		return inner(ctx, rate)
	}
	r, err := Search(context.Background(), Config{Start: 100, Deadline: 65 * time.Second, Now: func() time.Time { return now }}, run)
	if err != nil || r.LimitedBy != LimitedByDeadline || r.Converged || len(r.Trials) != 7 || r.Rate == 0 || r.Bracket[1] == 0 {
		t.Errorf("%+v, %v; want 7 trials, then the deadline", r, err)
	}
	run, _ = fake(1234)
	r, err = Search(context.Background(), Config{Start: 100, MaxTrials: 6}, run)
	if err != nil || r.LimitedBy != LimitedByTrials || r.Converged || len(r.Trials) != 6 {
		t.Errorf("%+v, %v; want 6 trials, then the trial limit", r, err)
	}
}

func TestSearchContextAndErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inner, _ := fake(1234)
	n := 0
	run := func(ctx context.Context, rate float64) (Trial, error) {
		if n++; n == 3 {
			cancel()
			return Trial{}, ctx.Err()
		}
		return inner(ctx, rate)
	}
	r, err := Search(ctx, Config{Start: 100}, run)
	if !errors.Is(err, context.Canceled) || len(r.Trials) != 2 || r.Rate != 200 {
		t.Errorf("%+v, %v; want cancelled after 2 trials", r, err)
	}
	boom := errors.New("boom")
	r, err = Search(context.Background(), Config{Start: 100}, func(context.Context, float64) (Trial, error) { return Trial{}, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "trial at 100 req/s") || len(r.Trials) != 0 {
		t.Errorf("%+v, %v; want the run's error, naming the rate", r, err)
	}
}

func TestConfigErrors(t *testing.T) {
	run, _ := fake(1)
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{}, "start 0"},
		{Config{Start: 100, Max: 50}, "max 50"},
		{Config{Start: 100, Bracket: 1}, "bracket 1"},
		{Config{Start: 100, MaxTrials: -1}, "max trials -1"},
		{Config{Start: 100, Repeats: -1}, "repeats -1"},
		{Config{Start: 100, Deadline: -1}, "deadline"},
		{Config{Start: 100, MinAchieved: 2}, "min achieved 2"},
	} {
		_, err := Search(context.Background(), tc.c, run)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error naming %q", tc.c, err, tc.want)
		}
	}
}

// A confirmation run that holds less than the short trials (capacity 900
// for it, 1000 for them) steps the answer down by the bracket's width
// until it passes; one that never passes leaves no capacity established.
func TestSearchConfirm(t *testing.T) {
	run, _ := fake(1000)
	confirm, confirmed := fake(900)
	r, err := Search(context.Background(), Config{Start: 100, MaxTrials: 40, Confirm: confirm}, run)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Confirmed || r.Rate > 900 || r.Rate < 900*(1-3*DefaultBracket) || len(r.Confirmations) < 2 || len(r.Confirmations) != len(*confirmed) {
		t.Errorf("%+v; want a confirmed rate stepped down to just under 900", r)
	}
	for i, c := range r.Confirmations {
		if c.Pass != (i == len(r.Confirmations)-1) {
			t.Errorf("confirmation %d %+v: only the last one passes", i, c)
		}
	}
	// The bracket's fail is the lowest failing confirmation.
	if last := r.Confirmations[len(r.Confirmations)-2]; r.Bracket != [2]float64{r.Rate, last.Rate} {
		t.Errorf("bracket %v, want [%v, %v]", r.Bracket, r.Rate, last.Rate)
	}
	if !strings.Contains(r.Reason, "confirmed by a longer run") {
		t.Errorf("reason %q", r.Reason)
	}
	never, _ := fake(0)
	r, err = Search(context.Background(), Config{Start: 100, MaxTrials: 40, Confirm: never}, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.Confirmed || r.Rate != 0 || r.Converged || len(r.Confirmations) != ConfirmSteps+1 || !strings.Contains(r.Reason, "not established") {
		t.Errorf("%+v; want no rate, %d confirmations", r, ConfirmSteps+1)
	}
}

// Cooldown pauses before every trial but the first.
func TestSearchCooldown(t *testing.T) {
	run, rates := fake(300)
	began := time.Now()
	r, err := Search(context.Background(), Config{Start: 100, Max: 400, Bracket: 0.5, Cooldown: 20 * time.Millisecond}, run)
	if err != nil {
		t.Fatal(err)
	}
	if min := time.Duration(len(*rates)-1) * 20 * time.Millisecond; time.Since(began) < min || len(r.Trials) < 3 {
		t.Errorf("%d trials in %v, want at least %v of cooldowns", len(r.Trials), time.Since(began), min)
	}
	if _, err := Search(context.Background(), Config{Start: 1, Cooldown: -time.Second}, run); !errors.Is(err, ErrConfig) {
		t.Errorf("negative cooldown: %v", err)
	}
}

// With WholeRates every rate tried is a whole number, and the search
// stops when no whole rate is left between the pass and the fail.
func TestSearchWholeRates(t *testing.T) {
	run, rates := fake(1037)
	r, err := Search(context.Background(), Config{Start: 100, MaxTrials: 40, Bracket: 0.0001, WholeRates: true}, run)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range *rates {
		if x != math.Trunc(x) {
			t.Errorf("rate %v tried", x)
		}
	}
	if !r.Converged || r.Rate != 1037 || r.Bracket[1] != 1038 {
		t.Errorf("%+v; want 1037 passing, 1038 failing", r)
	}
}
