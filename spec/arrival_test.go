package spec

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestValidateArrival breaks one rule of load.arrival or load.requests per
// row on a valid test built in code, and checks the exact problems.
func TestValidateArrival(t *testing.T) {
	sec := func(n int) Duration { return Duration(time.Duration(n) * time.Second) }
	tests := []struct {
		name   string
		mutate func(*Test)
		want   []string // problems, in order; none means valid
	}{
		// Every type with its fields is valid.
		{"poisson", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalPoisson, Seed: 9} }, nil},
		{"ramp", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalRamp, To: 10} }, nil},
		{"step", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalStep, Steps: []Step{{5, sec(10)}}} }, nil},
		{"sine", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalSine, Amplitude: 1000, Period: sec(3)} }, nil},
		{"burst", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalBurst, On: sec(1), Off: sec(2)} }, nil},
		// A seed with constant arrivals seeds the request mix.
		{"seed with a mix", func(t *Test) {
			t.Load.Arrival.Seed = 1
			t.Load.Request = Request{}
			t.Load.Requests = []MixRequest{{Weight: 1, Request: Request{Method: "GET", Path: "/"}}}
		}, nil},
		// Closed loop and a schedule do not mix.
		{"closed loop", func(t *Test) { t.Load.Rate = 0; t.Load.Arrival = Arrival{Type: ArrivalBurst, On: sec(1), Off: sec(1)} },
			[]string{`load.arrival.type: got "burst", expected constant when load.rate is 0 (closed loop has no arrival schedule; set load.rate > 0)`}},
		// A ramp from 0 to 0 sends nothing.
		{"ramp 0 to 0", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalRamp} },
			[]string{"load.arrival.to: got nothing, expected a number > 0 when from is 0 (a ramp from 0 to 0 sends nothing)"}},
		// Fields of another type.
		{"foreign fields", func(t *Test) {
			t.Load.Arrival = Arrival{Type: ArrivalSine, Amplitude: 1, Period: sec(1), From: 2, Off: sec(1)}
		},
			[]string{"load.arrival.from: got 2, expected nothing (only for type ramp)", "load.arrival.off: got 1s, expected nothing (only for type burst)"}},
		// Steps longer than the run (10s).
		{"steps too long", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalStep, Steps: []Step{{5, sec(6)}, {1, sec(6)}}} },
			[]string{"load.arrival.steps: got steps lasting 12s, expected steps lasting at most load.duration (10s) in all; the last rate holds until the run ends"}},
		// No steps at all.
		{"no steps", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalStep} },
			[]string{"load.arrival.steps: got an empty list, expected at least one step, such as [{rate: 100, duration: 10s}]"}},
		// Sine amplitude above the mean (load.rate 1000).
		{"sine too wide", func(t *Test) { t.Load.Arrival = Arrival{Type: ArrivalSine, Amplitude: 1001, Period: sec(1)} },
			[]string{"load.arrival.amplitude: got 1001, expected a number > 0 and at most load.rate (1000), the sine's mean rate"}},
		// A mix next to load.request (the default GET /).
		{"request and requests", func(t *Test) { t.Load.Requests = []MixRequest{{Weight: 1, Request: Request{Method: "GET", Path: "/"}}} },
			[]string{"load.request: got a request, expected nothing when load.requests is set (request and requests are exclusive)"}},
		// An empty mix.
		{"empty mix", func(t *Test) { t.Load.Request = Request{}; t.Load.Requests = []MixRequest{} },
			[]string{"load.requests: got an empty list, expected at least one request, such as [{weight: 1, path: /}] (or leave load.requests out)"}},
		// A lognormal without its shape.
		{"lognormal", func(t *Test) {
			t.Load.Request = Request{}
			t.Load.Requests = []MixRequest{{Weight: 1, Request: Request{Method: "POST", Path: "/"}, BodySizeDist: &SizeDist{Type: SizeLognormal}}}
		}, []string{
			"load.requests[0].bodySizeDist.median: got nothing, expected a size > 0 and at most 64MiB, such as 1KiB",
			"load.requests[0].bodySizeDist.sigma: got nothing, expected a number > 0 and at most 4 (the standard deviation of ln(size))",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test := valid()
			tt.mutate(test)
			err := test.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if got, want := errString(err), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Validate():\ngot\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestParseArrival(t *testing.T) {
	tests := []struct {
		in   string
		want Arrival
		err  string // part of the error; "" = none
	}{
		{"constant", Arrival{Type: ArrivalConstant}, ""},                                                     // a word
		{"poisson", Arrival{Type: ArrivalPoisson}, ""},                                                       // a word
		{"ramp:0:2000", Arrival{Type: ArrivalRamp, To: 2000}, ""},                                            // from 0
		{"ramp:10.5:1e3", Arrival{Type: ArrivalRamp, From: 10.5, To: 1000}, ""},                              // any float syntax
		{"sine:500:30s", Arrival{Type: ArrivalSine, Amplitude: 500, Period: Duration(30 * time.Second)}, ""}, // amplitude, period
		{"burst:200ms:800ms", Arrival{Type: ArrivalBurst, On: Duration(200 * time.Millisecond), Off: Duration(800 * time.Millisecond)}, ""},
		{"step:100@10s,0@5s, 500@1m", Arrival{Type: ArrivalStep, Steps: []Step{{100, Duration(10 * time.Second)}, {0, Duration(5 * time.Second)}, {500, Duration(time.Minute)}}}, ""}, // spaces after commas
		{"", Arrival{}, "expected constant, poisson, ramp:FROM:TO"},                                                                                                                   // empty
		{"Poisson", Arrival{}, "expected constant, poisson"},                                                                                                                          // case matters
		{"poisson:1", Arrival{}, "expected poisson without arguments"},                                                                                                                // no arguments
		{"ramp:100", Arrival{}, "expected ramp:FROM:TO"},                                                                                                                              // one rate
		{"ramp:a:b", Arrival{}, `rates "a" and "b": expected ramp:FROM:TO`},                                                                                                           // not numbers
		{"ramp:inf:1", Arrival{}, "expected ramp:FROM:TO"},                                                                                                                            // infinite
		{"sine:500", Arrival{}, "expected sine:AMPLITUDE:PERIOD"},                                                                                                                     // no period
		{"sine:500:30", Arrival{}, `period "30": expected a duration`},                                                                                                                // period without a unit
		{"burst:1s", Arrival{}, "expected burst:ON:OFF"},                                                                                                                              // no off
		{"burst:1s:x", Arrival{}, `durations "1s" and "x"`},                                                                                                                           // bad off
		{"step", Arrival{}, "expected step:RATE@DURATION"},                                                                                                                            // no steps
		{"step:100", Arrival{}, `step 1 "100": expected RATE@DURATION`},                                                                                                               // no duration
		{"step:100@10s,x@1s", Arrival{}, `step 2 "x@1s": rate "x"`},                                                                                                                   // bad rate
		{"step:100@10", Arrival{}, `step 1 "100@10": duration "10"`},                                                                                                                  // duration without unit
	}
	for _, tc := range tests {
		got, err := ParseArrival(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseArrival(%q): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseArrival(%q) = %v; want an error with %q", tc.in, err, tc.err)
		case tc.err == "" && !reflect.DeepEqual(got, tc.want):
			t.Errorf("ParseArrival(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestRedactedRequests checks that the headers of a request mix are
// redacted in the copy and untouched in the original.
func TestRedactedRequests(t *testing.T) {
	tt := valid()
	tt.Load.Requests = []MixRequest{{Weight: 1, Request: Request{Headers: map[string]string{"cookie": "c", "X-A": "a"}}, BodySizeDist: &SizeDist{Type: SizeFixed}}}
	tt.Load.Arrival.Steps = []Step{{1, 1}}
	r := tt.Redacted()
	if r.Load.Requests[0].Headers["cookie"] != redactedValue || r.Load.Requests[0].Headers["X-A"] != "a" {
		t.Errorf("redacted headers = %v", r.Load.Requests[0].Headers)
	}
	if tt.Load.Requests[0].Headers["cookie"] != "c" {
		t.Error("Redacted changed the original")
	}
	r.Load.Requests[0].BodySizeDist.Type = "x"
	r.Load.Arrival.Steps[0].Rate = 9
	if tt.Load.Requests[0].BodySizeDist.Type != SizeFixed || tt.Load.Arrival.Steps[0].Rate != 1 {
		t.Error("Clone shares the size distribution or the steps")
	}
}

// FuzzParseArrival checks that ParseArrival never panics, and that what it
// accepts has a known type.
func FuzzParseArrival(f *testing.F) {
	for _, s := range []string{"constant", "poisson", "ramp:0:100", "sine:5:1s", "burst:1s:2s", "step:1@1s,2@2s", "ramp::", "step:@,@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseArrival(s)
		if err != nil {
			if a.Type != "" {
				t.Errorf("ParseArrival(%q) = %+v with error %v", s, a, err)
			}
			return
		}
		if !strings.HasPrefix(s, a.Type) {
			t.Errorf("ParseArrival(%q) = type %q", s, a.Type)
		}
	})
}

// FuzzParseSteps checks that ParseSteps never panics, and that what it
// accepts has one step per comma-separated item.
func FuzzParseSteps(f *testing.F) {
	for _, s := range []string{"100@10s", "1@1s,2@2s,0@1ms", "1e3@1m", ",", "@", "1@1s@2s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		steps, err := ParseSteps(s)
		if err != nil {
			if steps != nil {
				t.Errorf("ParseSteps(%q) = %v with error %v", s, steps, err)
			}
			return
		}
		if len(steps) != strings.Count(s, ",")+1 {
			t.Errorf("ParseSteps(%q) = %d steps", s, len(steps))
		}
	})
}
