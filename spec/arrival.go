package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// arrivalFields maps the fields of load.arrival that belong to one type
// each to that type.
func arrivalFields() map[string]string {
	return map[string]string{
		"from": ArrivalRamp, "to": ArrivalRamp,
		"amplitude": ArrivalSine, "period": ArrivalSine,
		"on": ArrivalBurst, "off": ArrivalBurst,
	}
}

// arrivalOnly adds the problems Validate cannot see: a field of another
// arrival type written as zero (from: 0 with type poisson). Non-zero ones
// are Validate's.
func (w *walker) arrivalOnly(t *Test) {
	typ := t.Load.Arrival.Type
	known := false
	for _, k := range arrivalTypes() {
		known = known || typ == k
	}
	if !known {
		return
	}
	for name, owner := range arrivalFields() {
		path := "load.arrival." + name
		n := w.nodes[path]
		if n == nil || w.bad[path] || owner == typ {
			continue
		}
		if r := resolve(n); r != nil && r.Kind == yaml.ScalarNode && isZeroScalar(r.Value) {
			w.problem(n, path, render(n), "nothing (only for type "+owner+")")
		}
	}
}

// isZeroScalar reports whether a number or duration as written is zero.
func isZeroScalar(v string) bool {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f == 0
	}
	d, err := ParseDuration(v)
	return err == nil && d == 0
}

// ParseArrival reads the --arrival syntax of smp load:
//
//	constant | poisson | ramp:FROM:TO | sine:AMPLITUDE:PERIOD |
//	burst:ON:OFF | step:RATE@DUR,RATE@DUR,...
//
// Rates are requests/s, durations as in specs (10s, 250ms). It checks the
// syntax only; Validate checks the values against the rest of the spec.
// Errors say what was wrong and what was expected.
func ParseArrival(s string) (Arrival, error) {
	kind, rest, hasArgs := strings.Cut(s, ":")
	args := strings.Split(rest, ":")
	want := func(n int, form string) error {
		if !hasArgs || len(args) != n {
			return fmt.Errorf("expected %s", form)
		}
		return nil
	}
	switch kind {
	case ArrivalConstant, ArrivalPoisson:
		if hasArgs {
			return Arrival{}, fmt.Errorf("expected %s without arguments", kind)
		}
		return Arrival{Type: kind}, nil
	case ArrivalRamp:
		const form = "ramp:FROM:TO with rates in requests/s, such as ramp:100:2000"
		if err := want(2, form); err != nil {
			return Arrival{}, err
		}
		from, err1 := parseRate(args[0])
		to, err2 := parseRate(args[1])
		if err1 != nil || err2 != nil {
			return Arrival{}, fmt.Errorf("rates %q and %q: expected %s", args[0], args[1], form)
		}
		return Arrival{Type: kind, From: from, To: to}, nil
	case ArrivalSine:
		const form = "sine:AMPLITUDE:PERIOD, such as sine:500:30s (amplitude in requests/s around --rate)"
		if err := want(2, form); err != nil {
			return Arrival{}, err
		}
		amp, err := parseRate(args[0])
		if err != nil {
			return Arrival{}, fmt.Errorf("amplitude %q: expected a number of requests/s in %s", args[0], form)
		}
		period, err := ParseDuration(args[1])
		if err != nil {
			return Arrival{}, fmt.Errorf("period %q: expected a duration in %s", args[1], form)
		}
		return Arrival{Type: kind, Amplitude: amp, Period: period}, nil
	case ArrivalBurst:
		const form = "burst:ON:OFF, such as burst:200ms:800ms (bursts at --rate)"
		if err := want(2, form); err != nil {
			return Arrival{}, err
		}
		on, err1 := ParseDuration(args[0])
		off, err2 := ParseDuration(args[1])
		if err1 != nil || err2 != nil {
			return Arrival{}, fmt.Errorf("durations %q and %q: expected %s", args[0], args[1], form)
		}
		return Arrival{Type: kind, On: on, Off: off}, nil
	case ArrivalStep:
		if !hasArgs {
			return Arrival{}, fmt.Errorf("expected %s", stepsForm)
		}
		steps, err := ParseSteps(rest)
		if err != nil {
			return Arrival{}, err
		}
		return Arrival{Type: kind, Steps: steps}, nil
	}
	return Arrival{}, fmt.Errorf("expected constant, poisson, ramp:FROM:TO, sine:AMPLITUDE:PERIOD, burst:ON:OFF or step:RATE@DUR[,RATE@DUR]")
}

const stepsForm = "step:RATE@DURATION,RATE@DURATION,..., such as step:100@10s,500@10s,1000@10s"

// ParseSteps reads a step list, RATE@DURATION,RATE@DURATION,... (the part
// of --arrival after "step:").
func ParseSteps(s string) ([]Step, error) {
	items := strings.Split(s, ",")
	if len(items) > maxSteps {
		return nil, fmt.Errorf("%d steps: expected at most %d", len(items), maxSteps)
	}
	steps := make([]Step, 0, len(items))
	for i, it := range items {
		r, d, ok := strings.Cut(strings.TrimSpace(it), "@")
		if !ok {
			return nil, fmt.Errorf("step %d %q: expected RATE@DURATION in %s", i+1, it, stepsForm)
		}
		rate, err := parseRate(r)
		if err != nil {
			return nil, fmt.Errorf("step %d %q: rate %q: expected a number of requests/s in %s", i+1, it, r, stepsForm)
		}
		dur, err := ParseDuration(d)
		if err != nil {
			return nil, fmt.Errorf("step %d %q: duration %q: expected a duration such as 10s in %s", i+1, it, d, stepsForm)
		}
		steps = append(steps, Step{Rate: rate, Duration: dur})
	}
	return steps, nil
}

// parseRate reads a finite number (its range is Validate's).
func parseRate(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("not a finite number")
	}
	return f, nil
}
