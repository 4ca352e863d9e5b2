package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits of arrival schedules and request mixes.
const (
	maxSteps    = 1000
	maxRequests = 100
	// maxPoissonSends bounds a Poisson schedule, which is computed ahead
	// of the run (8 bytes a send).
	maxPoissonSends = 100_000_000
	maxSigma        = 4
)

// What Validate says was expected of arrivals and request mixes.
const (
	expArrivalType = "one of constant, poisson, ramp, step, sine, burst"
	expArrivalRate = "a number from 0 to 10000000 (requests per second)"
	expAmplitude   = "a number > 0 and at most load.rate (%s), the sine's mean rate"
	expPeriod      = "a duration > 0 and at most 24h, such as 30s"
	expOnOff       = "a duration > 0 and at most 24h, such as 200ms"
	expStepDur     = "a duration > 0, such as 10s"
	expWeight      = "a number > 0 (the request's share of the sends, relative to the others')"
	expSizeDist    = "one of fixed, uniform, lognormal"
	expSigma       = "a number > 0 and at most 4 (the standard deviation of ln(size))"
)

// arrivalTypes are the arrival types this version runs.
func arrivalTypes() []string {
	return []string{ArrivalConstant, ArrivalPoisson, ArrivalRamp, ArrivalStep, ArrivalSine, ArrivalBurst}
}

// NeedsSeed reports whether l draws random numbers: Poisson arrivals or a
// request mix. Only then does load.arrival.seed mean something.
func (l *Load) NeedsSeed() bool {
	return l.Arrival.Type == ArrivalPoisson || len(l.Requests) > 0
}

// arrival checks load.arrival against the rest of load.
func (c *checker) arrival(l *Load) {
	a := &l.Arrival
	const f = "load.arrival"
	c.oneOf(f+".type", a.Type, arrivalTypes(), nil, expArrivalType, "arrival")
	known := false
	for _, t := range arrivalTypes() {
		known = known || a.Type == t
	}
	if known && a.Type != ArrivalConstant && l.Rate == 0 {
		c.add(f+".type", quote(a.Type), "constant when load.rate is 0 (closed loop has no arrival schedule; set load.rate > 0)")
	}
	// Fields of the other types.
	only := func(field string, set bool, value, typ string) {
		if set && known && a.Type != typ {
			c.add(f+"."+field, value, "nothing (only for type "+typ+")")
		}
	}
	only("from", a.From != 0, number(a.From), ArrivalRamp)
	only("to", a.To != 0, number(a.To), ArrivalRamp)
	only("steps", a.Steps != nil, listValue(len(a.Steps)), ArrivalStep)
	only("amplitude", a.Amplitude != 0, number(a.Amplitude), ArrivalSine)
	only("period", a.Period != 0, a.Period.String(), ArrivalSine)
	only("on", a.On != 0, a.On.String(), ArrivalBurst)
	only("off", a.Off != 0, a.Off.String(), ArrivalBurst)
	if a.Seed != 0 && known && !l.NeedsSeed() {
		c.add(f+".seed", strconv.FormatUint(a.Seed, 10), "nothing (only for type poisson or with load.requests, which it seeds)")
	}

	switch a.Type {
	case ArrivalPoisson:
		if sends := l.Rate * l.Duration.D().Seconds(); sends > maxPoissonSends {
			c.add("load.rate", number(l.Rate), fmt.Sprintf(
				"at most %d sends over load.duration with poisson arrivals (at most %s req/s for %s; the schedule is computed ahead)",
				maxPoissonSends, number(math.Floor(maxPoissonSends/l.Duration.D().Seconds())), l.Duration))
		}
	case ArrivalRamp:
		c.arrivalRate(f+".from", a.From)
		c.arrivalRate(f+".to", a.To)
		if a.From == 0 && a.To == 0 {
			c.add(f+".to", zeroAsNothing(a.To), "a number > 0 when from is 0 (a ramp from 0 to 0 sends nothing)")
		}
	case ArrivalStep:
		c.steps(l)
	case ArrivalSine:
		if !(a.Amplitude > 0) || a.Amplitude > l.Rate {
			c.add(f+".amplitude", zeroAsNothing(a.Amplitude), fmt.Sprintf(expAmplitude, number(l.Rate)))
		}
		if a.Period <= 0 || a.Period > maxRunDuration {
			c.add(f+".period", durationOrNothing(a.Period), expPeriod)
		}
	case ArrivalBurst:
		if a.On <= 0 || a.On > maxRunDuration {
			c.add(f+".on", durationOrNothing(a.On), expOnOff)
		}
		if a.Off <= 0 || a.Off > maxRunDuration {
			c.add(f+".off", durationOrNothing(a.Off), expOnOff)
		}
	}
}

// arrivalRate checks a rate of a ramp or a step.
func (c *checker) arrivalRate(field string, r float64) {
	if math.IsNaN(r) || r < 0 || r > maxRate {
		c.add(field, number(r), expArrivalRate)
	}
}

// steps checks load.arrival.steps.
func (c *checker) steps(l *Load) {
	const f = "load.arrival.steps"
	steps := l.Arrival.Steps
	switch {
	case len(steps) == 0:
		c.add(f, listValue(len(steps)), "at least one step, such as [{rate: 100, duration: 10s}]")
		return
	case len(steps) > maxSteps:
		c.add(f, listValue(len(steps)), fmt.Sprintf("at most %d steps", maxSteps))
		return
	}
	var total Duration
	positive := false
	for i, s := range steps {
		field := fmt.Sprintf("%s[%d]", f, i)
		c.arrivalRate(field+".rate", s.Rate)
		positive = positive || s.Rate > 0
		if s.Duration <= 0 {
			c.add(field+".duration", durationOrNothing(s.Duration), expStepDur)
		} else if total <= maxRunDuration {
			total += s.Duration
		}
	}
	if !positive {
		c.add(f, "every rate 0", "at least one step with a rate > 0")
	}
	if l.Duration > 0 && total > l.Duration {
		c.add(f, "steps lasting "+total.String(), fmt.Sprintf("steps lasting at most load.duration (%s) in all; the last rate holds until the run ends", l.Duration))
	}
}

// requests checks load.requests, the request mix.
func (c *checker) requests(l *Load) {
	const f = "load.requests"
	rs := l.Requests
	switch {
	case len(rs) == 0:
		c.add(f, "an empty list", "at least one request, such as [{weight: 1, path: /}] (or leave load.requests out)")
	case len(rs) > maxRequests:
		c.add(f, listValue(len(rs)), fmt.Sprintf("at most %d requests", maxRequests))
	}
	if !isZeroRequest(&l.Request) {
		c.add("load.request", "a request", "nothing when load.requests is set (request and requests are exclusive)")
	}
	for i := range rs {
		r := &rs[i]
		field := fmt.Sprintf("%s[%d]", f, i)
		if !(r.Weight > 0) || math.IsInf(r.Weight, 0) {
			c.add(field+".weight", number(r.Weight), expWeight)
		}
		c.request(field, &r.Request)
		if r.BodySizeDist != nil {
			c.sizeDist(field, r)
		}
	}
}

// sizeDist checks the body size distribution of the mix request at field.
func (c *checker) sizeDist(field string, r *MixRequest) {
	d := r.BodySizeDist
	f := field + ".bodySizeDist"
	c.oneOf(f+".type", d.Type, []string{SizeFixed, SizeUniform, SizeLognormal}, nil, expSizeDist, "distribution")
	only := func(name string, set bool, value string, types ...string) {
		for _, t := range types {
			if d.Type == t {
				return
			}
		}
		if set {
			c.add(f+"."+name, value, "nothing (only for type "+strings.Join(types, " or ")+")")
		}
	}
	only("min", d.Min != 0, d.Min.String(), SizeUniform, SizeLognormal)
	only("max", d.Max != 0, d.Max.String(), SizeUniform, SizeLognormal)
	only("median", d.Median != 0, d.Median.String(), SizeLognormal)
	only("sigma", d.Sigma != 0, number(d.Sigma), SizeLognormal)
	if d.Type == SizeUniform || d.Type == SizeLognormal {
		if r.Body != "" {
			c.add(field+".body", quote(r.Body), "nothing with a "+d.Type+" bodySizeDist (the body is generated)")
		}
		if r.BodySize != 0 {
			c.add(field+".bodySize", r.BodySize.String(), "nothing with a "+d.Type+" bodySizeDist (it draws the sizes)")
		}
		for _, b := range []struct {
			name string
			v    ByteSize
		}{{"min", d.Min}, {"max", d.Max}} {
			if b.v < 0 || b.v > maxBodySize {
				c.add(f+"."+b.name, b.v.String(), expSizeRange)
			}
		}
	}
	switch d.Type {
	case SizeFixed:
		if r.Body != "" {
			c.add(field+".body", quote(r.Body), "nothing with a fixed bodySizeDist (it sends bodySize bytes)")
		}
	case SizeUniform:
		if d.Max <= 0 || d.Max < d.Min {
			c.add(f+".max", d.Max.String(), fmt.Sprintf("a size > 0 and at least min (%s)", d.Min))
		}
	case SizeLognormal:
		if d.Median <= 0 || d.Median > maxBodySize {
			c.add(f+".median", sizeOrNothing(d.Median), "a size > 0 and at most 64MiB, such as 1KiB")
		}
		if !(d.Sigma > 0) || d.Sigma > maxSigma {
			c.add(f+".sigma", zeroAsNothing(d.Sigma), expSigma)
		}
		if d.Max != 0 && d.Max < d.Min {
			c.add(f+".max", d.Max.String(), fmt.Sprintf("at least min (%s), or 0 for 64MiB", d.Min))
		}
	}
}

func isZeroRequest(r *Request) bool {
	return r.Method == "" && r.Path == "" && len(r.Headers) == 0 && r.Body == "" && r.BodySize == 0
}

// listValue describes a list by its length.
func listValue(n int) string {
	switch n {
	case 0:
		return "an empty list"
	case 1:
		return "a list of 1"
	}
	return "a list of " + strconv.Itoa(n)
}

// zeroAsNothing renders a required number: 0 means missing.
func zeroAsNothing(f float64) string {
	if f == 0 {
		return ""
	}
	return number(f)
}

func durationOrNothing(d Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func sizeOrNothing(b ByteSize) string {
	if b == 0 {
		return ""
	}
	return b.String()
}
