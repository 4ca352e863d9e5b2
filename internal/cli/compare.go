package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	rendering "github.com/smp-dev/smp/report/render"
)

type compareOptions struct {
	baseline, scenario string
	output             string
}

func newCompareCmd(s Streams) *cobra.Command {
	o := &compareOptions{}
	c := &cobra.Command{
		Use:   "compare BASE.json OTHER.json",
		Short: "Compare the scenarios of two reports, with confidence intervals",
		Long: `Compare OTHER against BASE: every delta (p50, p90, p99, p99.9, throughput,
error rate, CPU and memory per proxy) with a 95% confidence interval from
the per-iteration values and a verdict: significant, not significant, or
insufficient iterations (fewer than 2 on a side). Point estimates come from
the pooled histograms. The same code computes a report's own comparisons.

Pairs: --baseline and --scenario name them; otherwise scenarios of the same
name are paired; otherwise, with one scenario in each file, those two.
Exit codes: 0 ok, 2 bad input.`,
		Example: `  smp compare yesterday.json today.json
  smp compare base.json istio.json --baseline baseline --scenario istio -o markdown`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(c *cobra.Command, a []string) error { return o.run(s, a[0], a[1]) },
	}
	f := c.Flags()
	f.StringVar(&o.baseline, "baseline", "", "scenario of BASE to compare against")
	f.StringVar(&o.scenario, "scenario", "", "scenario of OTHER to compare")
	f.StringVarP(&o.output, "output", "o", rendering.FormatTable, "format: table, markdown or json")
	return c
}

func (o *compareOptions) run(s Streams, basePath, otherPath string) error {
	if err := o.check(); err != nil {
		return err
	}
	base, err := readResults(basePath, fortio.ImportOptions{})
	if err != nil {
		return err
	}
	other, err := readResults(otherPath, fortio.ImportOptions{})
	if err != nil {
		return err
	}
	return o.compare(s, base, other)
}

// compare compares two reports and prints the result: smp compare and
// smp results compare.
func (o *compareOptions) compare(s Streams, base, other *report.Report) error {
	cs, err := report.CompareReports(base, other, o.baseline, o.scenario)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if w := report.FingerprintWarning(base, other); w != "" && o.output == rendering.FormatJSON {
		fmt.Fprintln(s.Err, "warning: "+w)
	}
	if o.output == rendering.FormatJSON {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(cs)
	}
	return rendering.Write(s.Out, o.output, report.SideBySide(base, other, cs), rendering.Options{Color: isTerminal(s.Out)})
}

func (o *compareOptions) check() error {
	if !contains([]string{rendering.FormatTable, rendering.FormatMarkdown, rendering.FormatJSON}, o.output) {
		return usageErr("-o %q: expected table, markdown or json", o.output)
	}
	return nil
}
