package run

import (
	"fmt"
	"math/rand/v2"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/load/reqmix"
	"github.com/smp-dev/smp/spec"
)

// maxRandomSeed keeps picked seeds exact in any JSON reader (2⁵³).
const maxRandomSeed = 1 << 53

// withSeed returns t with load.arrival.seed filled in when t draws random
// numbers (Poisson arrivals, a request mix) and has none: a seed is picked
// now, so that the report's copy of the spec says how to repeat the run.
// t itself is not changed.
func withSeed(t *spec.Test) *spec.Test {
	if t.Load.Arrival.Seed != 0 || !t.Load.NeedsSeed() {
		return t
	}
	c := t.Clone()
	c.Load.Arrival.Seed = 1 + rand.Uint64N(maxRandomSeed-1)
	return c
}

// pacer builds the open-loop schedule of l, or nil for closed loop.
func pacer(l *spec.Load) (load.Pacer, error) {
	if l.Rate == 0 {
		return nil, nil
	}
	d := l.Duration.D()
	a := &l.Arrival
	switch a.Type {
	case spec.ArrivalConstant, "":
		return load.NewConstant(l.Rate, d)
	case spec.ArrivalPoisson:
		return load.NewPoisson(l.Rate, d, a.Seed)
	case spec.ArrivalRamp:
		return load.NewRamp(a.From, a.To, d)
	case spec.ArrivalStep:
		steps := make([]load.Step, len(a.Steps))
		for i, s := range a.Steps {
			steps[i] = load.Step{PerSecond: s.Rate, Duration: s.Duration.D()}
		}
		return load.NewSteps(steps, d)
	case spec.ArrivalSine:
		return load.NewSine(l.Rate, a.Amplitude, a.Period.D(), d)
	case spec.ArrivalBurst:
		return load.NewBurst(l.Rate, a.On.D(), a.Off.D(), d)
	}
	return nil, fmt.Errorf("load.arrival.type %q: expected one of constant, poisson, ramp, step, sine, burst", a.Type)
}

// variants turns load.requests into the http1 mix. Each request's path
// replaces the workload URL's.
func variants(rs []spec.MixRequest) []http1.Variant {
	out := make([]http1.Variant, len(rs))
	for i, r := range rs {
		body, sizes := mixBody(r)
		out[i] = http1.Variant{Weight: r.Weight, Method: r.Method, Target: r.Path, Headers: r.Headers, Body: body, Sizes: http1.SizeDist(sizes)}
	}
	return out
}

// h2Variants turns load.requests into the http2 mix, as variants does.
func h2Variants(rs []spec.MixRequest) []http2.Variant {
	out := make([]http2.Variant, len(rs))
	for i, r := range rs {
		body, sizes := mixBody(r)
		out[i] = http2.Variant{Weight: r.Weight, Method: r.Method, Target: r.Path, Headers: r.Headers, Body: body, Sizes: sizes}
	}
	return out
}

// mixBody is the body of a mix request: its drawn sizes, or its body (of
// bodySize bytes when it has no body text).
func mixBody(r spec.MixRequest) ([]byte, reqmix.SizeDist) {
	switch d := r.BodySizeDist; {
	case d != nil && d.Type != spec.SizeFixed:
		return nil, reqmix.SizeDist{Type: d.Type, Min: int64(d.Min), Max: int64(d.Max), Median: int64(d.Median), Sigma: d.Sigma}
	case r.Body == "" && r.BodySize > 0:
		return reqmix.Filler(int64(r.BodySize)), reqmix.SizeDist{}
	}
	return []byte(r.Body), reqmix.SizeDist{}
}

// describeArrival is the schedule for progress lines: "1000 req/s", "poisson
// 1000 req/s (seed 42)", "ramp 0→2000 req/s".
func describeArrival(l *spec.Load) string {
	a := &l.Arrival
	seed := ""
	if l.NeedsSeed() {
		seed = fmt.Sprintf(" (seed %d)", a.Seed)
	}
	switch a.Type {
	case spec.ArrivalRamp:
		return fmt.Sprintf("ramp %g→%g req/s%s", a.From, a.To, seed)
	case spec.ArrivalStep:
		return fmt.Sprintf("%d steps%s", len(a.Steps), seed)
	case spec.ArrivalSine:
		return fmt.Sprintf("sine %g±%g req/s over %v%s", l.Rate, a.Amplitude, a.Period.D(), seed)
	case spec.ArrivalBurst:
		return fmt.Sprintf("bursts of %v at %g req/s every %v%s", a.On.D(), l.Rate, a.On.D()+a.Off.D(), seed)
	case spec.ArrivalPoisson:
		return fmt.Sprintf("poisson %g req/s%s", l.Rate, seed)
	}
	return fmt.Sprintf("%g req/s%s", l.Rate, seed)
}
