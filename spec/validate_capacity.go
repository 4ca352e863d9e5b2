package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// capacity checks load.mode and load.capacity.
func (c *checker) capacity(l *Load) {
	switch l.Mode {
	case ModeFixed, ModeCapacity:
	default:
		c.add("load.mode", quoteOrNothing(l.Mode), expMode)
		return
	}
	k := l.Capacity
	switch {
	case l.Mode == ModeFixed && k != nil:
		c.add("load.capacity", "a mapping", "nothing with mode fixed (set load.mode: capacity to search)")
		return
	case l.Mode == ModeFixed:
		return
	case k == nil:
		c.add("load.capacity", "", "a mapping with at least slo, with mode capacity")
		return
	}
	if a := l.Arrival.Type; a != ArrivalConstant && a != ArrivalPoisson {
		c.add("load.arrival.type", quote(a), "constant or poisson with mode capacity (each trial holds one rate)")
	}
	if len(k.SLO) == 0 {
		c.add("load.capacity.slo", "", `at least one objective, such as "p99 < 10ms"`)
	}
	for i, s := range k.SLO {
		if strings.TrimSpace(s) == "" {
			c.add(fmt.Sprintf("load.capacity.slo[%d]", i), quote(s), expSLO)
		}
	}
	if !(k.MaxErrors >= 0 && k.MaxErrors <= 1) {
		c.add("load.capacity.maxErrors", number(k.MaxErrors), expFraction)
	}
	if !(k.Start > 0 && k.Start <= maxRate) {
		c.add("load.capacity.start", number(k.Start), fmt.Sprintf("a rate > 0 and at most %s", number(maxRate)))
	}
	if !(k.MaxRate == 0 || (k.MaxRate >= k.Start && k.MaxRate <= maxRate)) {
		c.add("load.capacity.maxRate", number(k.MaxRate), fmt.Sprintf("0 (no bound) or a rate from load.capacity.start (%s) to %s", number(k.Start), number(maxRate)))
	}
	if !(k.Bracket > 0 && k.Bracket < 1) {
		c.add("load.capacity.bracket", number(k.Bracket), "a fraction > 0 and < 1")
	}
	if k.MaxTrials < 1 || k.MaxTrials > 1000 {
		c.add("load.capacity.maxTrials", strconv.Itoa(k.MaxTrials), expTrials)
	}
	if k.Repeats < 1 || k.Repeats > 10 {
		c.add("load.capacity.repeats", strconv.Itoa(k.Repeats), expRepeats)
	}
	for _, d := range []struct {
		field string
		v     Duration
		most  time.Duration
	}{{"deadline", k.Deadline, maxRunDuration.D()}, {"cooldown", k.Cooldown, time.Minute}, {"confirm", k.Confirm, time.Hour}} {
		if d.v < 0 || d.v.D() > d.most {
			c.add("load.capacity."+d.field, d.v.String(), fmt.Sprintf("a duration from 0 to %v", d.most))
		}
	}
}
