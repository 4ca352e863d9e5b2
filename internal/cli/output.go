package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/render"
	"github.com/smp-dev/smp/slo"
)

// checkOutput accepts the formats of report/render.
func checkOutput(v string) error {
	for _, f := range render.Formats() {
		if v == f {
			return nil
		}
	}
	return usageErr("-o %q: expected one of %s", v, strings.Join(render.Formats(), ", "))
}

// renderTo writes r to w in format; the table is coloured on a terminal.
func renderTo(w io.Writer, format string, r *report.Report) error {
	return render.Write(w, format, r, render.Options{Color: isTerminal(w)})
}

// parseSLOFlags parses --slo assertions (exit 2 on a malformed one).
func parseSLOFlags(exprs []string) ([]slo.Assertion, error) {
	as, err := slo.Parse(exprs)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("--slo: %w", err)}
	}
	return as, nil
}

// sloVerdict prints the SLO results and returns the exit error when one
// failed.
func sloVerdict(s Streams, r *report.Report) error {
	if len(r.SLO) == 0 {
		return nil
	}
	fmt.Fprintln(s.Err, slo.Summary(r.SLO))
	if slo.Failed(r.SLO) {
		return &ExitError{Code: ExitSLO, Err: errors.New("SLO failed")}
	}
	return nil
}

// writeHTML writes the HTML rendering of r to path.
func writeHTML(path string, r *report.Report) error {
	f, err := os.Create(path) //nolint:gosec // G304: the page beside the report the user named (run --html)
	if err != nil {
		return err
	}
	if err := render.HTML(f, r); err != nil {
		_ = f.Close() // cleanup on an error path: the render error is the one to report
		return err
	}
	return f.Close()
}

// defaultReportPath is smp-results/<name>-<UTC time>.json.
func defaultReportPath(name string, t time.Time) string {
	return fmt.Sprintf("smp-results/%s-%s.json", name, t.UTC().Format("20060102T150405Z"))
}
