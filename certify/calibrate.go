package certify

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Sample is one calibration run's figures, in ms.
type Sample struct {
	P50Ms, P99Ms, SendLagP99Ms float64
}

// Calibration is how repeatable this machine's measurements are: the
// same short run against smp's built-in target, several times, and the
// spread of its figures.
type Calibration struct {
	Runs    int      `json:"runs"`
	Rate    float64  `json:"rate"` // req/s of each run
	Samples []Sample `json:"samples"`
	// CVP50 and CVP99 are the coefficients of variation (sample standard
	// deviation over mean) of the runs' p50 and p99.
	CVP50 float64 `json:"cvP50"`
	CVP99 float64 `json:"cvP99"`
	// SendLagP99Ms is the largest send-lag p99 of the runs: how late the
	// generator itself was.
	SendLagP99Ms float64 `json:"sendLagP99Ms"`
	// Limits the figures are held to.
	MaxCV        float64 `json:"maxCV"`
	MaxSendLagMs float64 `json:"maxSendLagMs"`
}

// Check is the calibration as a check: fail when the p50 or p99 varies
// more than MaxCV from run to run, or the generator's send lag exceeds
// MaxSendLagMs.
func (c Calibration) Check() Check {
	ch := Check{ID: "calibration",
		Observed: fmt.Sprintf("%d runs at %.0f req/s: CV p50 %.3f, CV p99 %.3f, send lag p99 up to %.3f ms", c.Runs, c.Rate, c.CVP50, c.CVP99, c.SendLagP99Ms),
		Expected: fmt.Sprintf("CV of p50 and p99 <= %.2f, send lag p99 <= %.2f ms", c.MaxCV, c.MaxSendLagMs),
		Severity: Info}
	if c.CVP50 > c.MaxCV || c.CVP99 > c.MaxCV || c.SendLagP99Ms > c.MaxSendLagMs {
		ch.Severity = Fail
		ch.Fix = "the machine's own noise is larger than what a comparison should resolve: fix the failing checks above, stop other work on the machine, pin with environment.placement, or measure more iterations"
	}
	return ch
}

// Calibrate runs run n times (at least 2) and measures the spread of its
// figures; rate is what each run asked for, recorded as it is.
func Calibrate(ctx context.Context, n int, rate, maxCV, maxLagMs float64, run func(context.Context) (Sample, error)) (Calibration, error) {
	c := Calibration{Runs: n, Rate: rate, MaxCV: maxCV, MaxSendLagMs: maxLagMs}
	if n < 2 {
		return c, fmt.Errorf("calibration runs %d: expected 2 or more (a spread needs two)", n)
	}
	var p50, p99 []float64
	for range n {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		s, err := run(ctx)
		if err != nil {
			return c, fmt.Errorf("calibration run %d: %w", len(c.Samples)+1, err)
		}
		c.Samples = append(c.Samples, s)
		p50, p99 = append(p50, s.P50Ms), append(p99, s.P99Ms)
		c.SendLagP99Ms = math.Max(c.SendLagP99Ms, s.SendLagP99Ms)
	}
	var err1, err2 error
	c.CVP50, err1 = cv(p50)
	c.CVP99, err2 = cv(p99)
	return c, errors.Join(err1, err2)
}

// cv is the sample standard deviation over the mean.
func cv(xs []float64) (float64, error) {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	if !(mean > 0) {
		return 0, fmt.Errorf("calibration: mean %v ms: expected > 0", mean)
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss/float64(len(xs)-1)) / mean, nil
}
