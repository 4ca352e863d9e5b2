package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/smp-dev/smp/report"
)

// Output formats for reports on stdout.
const (
	outTable = "table"
	outJSON  = "json"
)

func checkOutput(v string) error {
	switch v {
	case outTable, outJSON:
		return nil
	}
	return usageErr("-o %q: expected table or json", v)
}

func render(w io.Writer, format string, r *report.Report) error {
	if format == outJSON {
		return report.Encode(w, r)
	}
	return report.WriteTable(w, r)
}

// defaultReportPath is smp-results/<name>-<UTC time>.json.
func defaultReportPath(name string, t time.Time) string {
	return fmt.Sprintf("smp-results/%s-%s.json", name, t.UTC().Format("20060102T150405Z"))
}
