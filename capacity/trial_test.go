package capacity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/capacity"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/slo"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

func runner(t *testing.T, url string, exprs ...string) *capacity.Runner {
	t.Helper()
	as, err := slo.Parse(exprs)
	if err != nil {
		t.Fatal(err)
	}
	test := spec.Default()
	test.Workload = spec.Workload{URL: url}
	test.Load.Connections = 4
	return &capacity.Runner{Test: test, URL: url, Warmup: 100 * time.Millisecond, Window: 400 * time.Millisecond, SLO: as, MaxErrorRate: 0.01,
		Load: func(ctx context.Context, t *spec.Test, url string) (*load.Result, error) {
			plan, err := run.Plan(t, url)
			if err != nil {
				return nil, err
			}
			return load.Run(ctx, plan)
		}}
}

func TestRunnerTrial(t *testing.T) {
	srv := targettest.Start(t, target.Options{Delay: 2 * time.Millisecond})
	tr, err := runner(t, srv.URL(), "p99 < 2s").Trial(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Pass || tr.Rate != 200 || tr.Requests != 80 || tr.Errors != 0 || tr.P50Ms < 2 || tr.P99Ms < tr.P50Ms ||
		tr.P999Ms < tr.P99Ms || tr.Achieved < 150 || tr.Achieved > 250 {
		t.Errorf("%+v; want a pass of 80 requests at 200/s with latencies of 2 ms or more", tr)
	}
	// The same load under a p50 no server meets fails, saying why.
	tr, err = runner(t, srv.URL(), "p99 < 2s", "p50 < 1ms").Trial(context.Background(), 200)
	if err != nil || tr.Pass || tr.FailedBy != capacity.LimitedBySLO || len(tr.Reasons) != 1 || !strings.HasPrefix(tr.Reasons[0], "p50 < 1ms: ") {
		t.Errorf("%+v, %v; want a fail on p50 < 1ms", tr, err)
	}
}

func TestRunnerErrors(t *testing.T) {
	srv := targettest.Start(t, target.Options{Statuses: []int{200, 500}})
	tr, err := runner(t, srv.URL(), "p99 < 2s").Trial(context.Background(), 200)
	if err != nil || tr.Pass || tr.FailedBy != capacity.LimitedByErrors || tr.Errors != 40 || !strings.Contains(tr.Reasons[0], "error rate 0.5") {
		t.Errorf("%+v, %v; want a fail on errors (half of 80)", tr, err)
	}
}
