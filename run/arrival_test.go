package run

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// TestPlanArrivals checks that each arrival type of the spec becomes its
// pacer, over the run's duration.
func TestPlanArrivals(t *testing.T) {
	tests := []struct {
		arrival spec.Arrival
		want    reflect.Type
	}{
		{spec.Arrival{Type: spec.ArrivalConstant}, reflect.TypeFor[load.Constant]()},                                                                       // the default
		{spec.Arrival{Type: spec.ArrivalPoisson, Seed: 3}, reflect.TypeFor[*load.Poisson]()},                                                               // seeded
		{spec.Arrival{Type: spec.ArrivalRamp, From: 10, To: 100}, reflect.TypeFor[load.Ramp]()},                                                            // closed form
		{spec.Arrival{Type: spec.ArrivalStep, Steps: []spec.Step{{Rate: 50, Duration: spec.Duration(time.Second)}}}, reflect.TypeFor[*load.Steps]()},       // piecewise
		{spec.Arrival{Type: spec.ArrivalSine, Amplitude: 100, Period: spec.Duration(time.Second)}, reflect.TypeFor[load.Sine]()},                           // around the rate
		{spec.Arrival{Type: spec.ArrivalBurst, On: spec.Duration(100 * time.Millisecond), Off: spec.Duration(time.Second)}, reflect.TypeFor[load.Burst]()}, // on/off
	}
	for _, tc := range tests {
		tt := test(t, func(tt *spec.Test) { tt.Load.Arrival = tc.arrival })
		p, err := Plan(tt, "http://h:1/")
		if err != nil {
			t.Fatalf("%s: %v", tc.arrival.Type, err)
		}
		if reflect.TypeOf(p.Pacer) != tc.want {
			t.Errorf("%s: pacer %T, want %v", tc.arrival.Type, p.Pacer, tc.want)
		}
		if at, ok := p.Pacer.At(0); !ok || at >= time.Second {
			t.Errorf("%s: first send at %v, %v", tc.arrival.Type, at, ok)
		}
	}
}

// TestPlanMix checks that load.requests becomes the client's mix, with
// one serialized request per distinct body size.
func TestPlanMix(t *testing.T) {
	tt := test(t, func(tt *spec.Test) {
		tt.Load.Request = spec.Request{}
		tt.Load.Arrival.Seed = 11
		tt.Load.Requests = []spec.MixRequest{
			{Weight: 2, Request: spec.Request{Method: "GET", Path: "/a"}},
			{Weight: 1, Request: spec.Request{Method: "PUT", Path: "/b", BodySize: 10}, BodySizeDist: &spec.SizeDist{Type: spec.SizeFixed}},
			{Weight: 1, Request: spec.Request{Method: "POST", Path: "/c"}, BodySizeDist: &spec.SizeDist{Type: spec.SizeUniform, Min: 1, Max: 3}},
		}
	})
	p, err := Plan(tt, "http://h:1/own")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Dialer.(*http1.Client)
	if got := c.Variants(); !reflect.DeepEqual(got, []int{1, 1, 3}) {
		t.Errorf("variants %v, want [1 1 3]", got)
	}
	if got := string(c.Request()); got[:len("GET /a ")] != "GET /a " {
		t.Errorf("first request %q: the mix's path replaces the URL's", got)
	}
}

// TestWithSeed checks that a seed is picked only when something random
// needs one, and never in the caller's spec.
func TestWithSeed(t *testing.T) {
	constant := test(t, func(*spec.Test) {})
	if got := withSeed(constant); got != constant {
		t.Error("constant arrivals: the spec was copied for no seed")
	}
	poisson := test(t, func(tt *spec.Test) { tt.Load.Arrival.Type = spec.ArrivalPoisson })
	got := withSeed(poisson)
	if got.Load.Arrival.Seed == 0 || got.Load.Arrival.Seed >= maxRandomSeed || poisson.Load.Arrival.Seed != 0 {
		t.Errorf("seed %d picked, original %d", got.Load.Arrival.Seed, poisson.Load.Arrival.Seed)
	}
	fixed := test(t, func(tt *spec.Test) { tt.Load.Arrival = spec.Arrival{Type: spec.ArrivalPoisson, Seed: 5} })
	if withSeed(fixed).Load.Arrival.Seed != 5 {
		t.Error("a given seed was replaced")
	}
}

// TestRunRecordsSeed checks that the report's copy of the spec holds the
// seed a run picked, and that the run is repeatable with it.
func TestRunRecordsSeed(t *testing.T) {
	tt := test(t, func(tt *spec.Test) {
		tt.Load.Arrival.Type = spec.ArrivalPoisson
		tt.Load.Duration = spec.Duration(400 * time.Millisecond)
		tt.Load.Warmup = 0
	})
	rep, err := Run(context.Background(), tt, Options{Tool: report.Tool{Name: "smp"}})
	if err != nil {
		t.Fatal(err)
	}
	seed := rep.Test.Load.Arrival.Seed
	if seed == 0 || tt.Load.Arrival.Seed != 0 {
		t.Fatalf("report seed %d, caller's spec seed %d; want a picked seed in the report only", seed, tt.Load.Arrival.Seed)
	}
	// The same seed gives the same schedule: as many sends as the run had.
	want, _ := load.NewPoisson(tt.Load.Rate, tt.Load.Duration.D(), seed)
	if got := rep.Scenarios[0].Summary.Requests + rep.Scenarios[0].Summary.Dropped; got != int64(want.Len()) {
		t.Errorf("run made %d requests (with drops), seed %d schedules %d", got, seed, want.Len())
	}
}
