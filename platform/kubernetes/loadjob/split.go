package loadjob

import (
	"fmt"

	"github.com/smp-dev/smp/spec"
)

// ShareConnections is how many of total connections client index of n
// opens: total/n, and one more for the first total%n clients, so that the
// shares differ by at most one and add up to total.
func ShareConnections(total, n, index int) int {
	c := total / n
	if index < total%n {
		c++
	}
	return c
}

// Split returns the part of t that client index of n runs: a copy of t
// with its share of the connections and 1/n of every rate of its arrival
// schedule (constant and poisson: the rate; ramp: from and to; step: each
// step's rate; sine: the rate and amplitude; burst: the rate), so that the
// n clients together send t's schedule. A poisson or request-mix seed s
// becomes s+index, so that the clients do not send in lockstep. Closed
// loop (rate 0) splits only the connections.
func Split(t *spec.Test, n, index int) (*spec.Test, error) {
	switch {
	case n < 1:
		return nil, fmt.Errorf("clients %d: expected >= 1", n)
	case index < 0 || index >= n:
		return nil, fmt.Errorf("client index %d: expected 0..%d (clients %d)", index, n-1, n)
	case t.Load.Connections < n:
		return nil, fmt.Errorf("load.connections %d: expected >= the number of clients %d (each client needs one)", t.Load.Connections, n)
	}
	s := t.Clone()
	l := &s.Load
	l.Connections = ShareConnections(t.Load.Connections, n, index)
	if n == 1 {
		return s, nil
	}
	f := float64(n)
	a := &l.Arrival
	l.Rate /= f
	switch a.Type {
	case spec.ArrivalConstant, "", spec.ArrivalPoisson, spec.ArrivalBurst:
	case spec.ArrivalRamp:
		a.From /= f
		a.To /= f
	case spec.ArrivalStep:
		steps := make([]spec.Step, len(a.Steps))
		for i, st := range a.Steps {
			steps[i] = spec.Step{Rate: st.Rate / f, Duration: st.Duration}
		}
		a.Steps = steps
	case spec.ArrivalSine:
		a.Amplitude /= f
	default:
		return nil, fmt.Errorf("load.arrival.type %q: cannot split over %d clients (expected constant, poisson, ramp, step, sine or burst)", a.Type, n)
	}
	if a.Seed != 0 {
		a.Seed += uint64(index)
	}
	return s, nil
}
