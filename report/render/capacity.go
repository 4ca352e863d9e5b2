package render

import (
	"fmt"
	"strings"

	"github.com/smp-dev/smp/report"
)

// capacityLines describe each scenario's capacity search (load.mode
// capacity), one [scenario, answer, trials] triple each; nil when no
// scenario has one.
func capacityLines(r *report.Report) [][3]string {
	var out [][3]string
	for _, s := range r.Scenarios {
		c := s.Summary.Capacity
		if c == nil {
			continue
		}
		answer := fmt.Sprintf("%s req/s under %s", fmtNum(c.Rate, 1), strings.Join(c.SLO, ", "))
		if c.Bracket[1] > 0 {
			answer += fmt.Sprintf(", first fail at %s", fmtNum(c.Bracket[1], 1))
		}
		state := "not converged"
		if c.Converged {
			state = "converged"
		}
		if c.Confirmed {
			state += ", confirmed"
		}
		answer += fmt.Sprintf(" (%s; limited by %s)", state, c.LimitedBy)
		var trials []string
		for _, t := range c.Trials {
			v := "pass"
			if !t.Pass {
				v = "fail"
			}
			if !t.Valid {
				v = "invalid"
			}
			trials = append(trials, fmt.Sprintf("%s→%s p99 %s", fmtNum(t.Rate, 0), v, fmtNum(t.P99Ms, 2)))
		}
		out = append(out, [3]string{s.Name, answer, strings.Join(trials, ", ")})
	}
	return out
}
