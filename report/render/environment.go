package render

import (
	"fmt"
	"strings"

	"github.com/smp-dev/smp/report"
)

// EnvironmentLine is the one-line verdict of smp certify on the machine
// a run measured from, for the headers of the table, Markdown and HTML:
// "Environment: certified PASS", or FAIL with the failed checks' ids,
// then the calibration's figures when the run calibrated. It is empty
// when the report has no environment.certify (reports from before it,
// runs with --no-certify).
func EnvironmentLine(r *report.Report) string {
	c := r.Environment.Certify
	if c == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("Environment: certified ")
	if c.Pass {
		b.WriteString("PASS")
	} else {
		b.WriteString("FAIL")
	}
	if len(c.Failed) > 0 {
		fmt.Fprintf(&b, " (failed: %s)", checkIDs(c.Failed))
	}
	if len(c.Warned) > 0 {
		fmt.Fprintf(&b, " (warned: %s)", checkIDs(c.Warned))
	}
	if cal := c.Calibration; cal != nil {
		fmt.Fprintf(&b, ", calibration CV p50 %.3f, p99 %.3f, send lag p99 %.2f ms (%d runs at %.0f req/s)",
			cal.CVP50, cal.CVP99, cal.SendLagP99Ms, cal.Runs, cal.Rate)
	} else {
		b.WriteString(", not calibrated")
	}
	return b.String()
}

// checkIDs are the ids of certify entries ("load: 1.91 on 2 CPUs" → "load").
func checkIDs(entries []string) string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i], _, _ = strings.Cut(e, ":")
	}
	return strings.Join(ids, ", ")
}
