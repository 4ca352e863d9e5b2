package certify

import (
	"context"
	"math"
	"strings"
	"testing"
)

// The spread is the sample CV of the runs' figures, checked against the
// limits: steady runs pass, a run twice as slow as the others fails.
func TestCalibrate(t *testing.T) {
	seq := func(s ...Sample) func(context.Context) (Sample, error) {
		i := 0
		return func(context.Context) (Sample, error) { i++; return s[i-1], nil }
	}
	steady, err := Calibrate(context.Background(), 3, 1000, 0.2, 1,
		seq(Sample{1, 2, 0.1}, Sample{1, 2, 0.2}, Sample{1, 2, 0.1}))
	if err != nil || steady.CVP50 != 0 || steady.CVP99 != 0 || steady.SendLagP99Ms != 0.2 || steady.Check().Severity != Info {
		t.Errorf("steady: %+v, %v; check %+v", steady, err, steady.Check())
	}
	// p99 of 2, 2, 4: mean 8/3, sd sqrt(4/3): CV sqrt(3)/4 ≈ 0.433.
	noisy, err := Calibrate(context.Background(), 3, 1000, 0.2, 1,
		seq(Sample{1, 2, 0.1}, Sample{1, 2, 0.1}, Sample{1, 4, 0.1}))
	if err != nil || math.Abs(noisy.CVP99-math.Sqrt(3)/4) > 1e-12 || noisy.Check().Severity != Fail || !strings.Contains(noisy.Check().Observed, "CV p99 0.433") {
		t.Errorf("noisy: %+v, %v; check %+v", noisy, err, noisy.Check())
	}
	laggy, _ := Calibrate(context.Background(), 2, 1000, 0.2, 1, seq(Sample{1, 2, 3}, Sample{1, 2, 0.1}))
	if laggy.Check().Severity != Fail {
		t.Errorf("send lag 3 ms over 1 ms passed: %+v", laggy)
	}
	if _, err := Calibrate(context.Background(), 1, 1000, 0.2, 1, seq(Sample{1, 2, 0})); err == nil {
		t.Error("one run accepted")
	}
}
