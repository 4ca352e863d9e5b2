package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format"
	"github.com/smp-dev/smp/report/format/fortio"
	smpformat "github.com/smp-dev/smp/report/format/smp"
	rendering "github.com/smp-dev/smp/report/render"
	"github.com/smp-dev/smp/slo"
)

// Output formats of smp report show beyond the renderings.
const (
	outSMP    = "smp"
	outFortio = "fortio"
)

func newReportCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "report",
		Short: "Show, merge and import result files",
		Long: `Work with result files: show one in any rendering or format, merge
several runs of the same test, import a Fortio JSON result.

Files are recognized by content: an smp report (smp.report/v1) or a Fortio
JSON result.`,
	}
	c.AddCommand(newReportShowCmd(s), newReportMergeCmd(s), newReportImportCmd(s))
	return c
}

type showOptions struct {
	output   string
	out      string
	scenario string
	slo      []string
	color    string
}

func newReportShowCmd(s Streams) *cobra.Command {
	o := &showOptions{}
	c := &cobra.Command{
		Use:   "show FILE",
		Short: "Render a result file: table, markdown, json, html, csv, junit, smp or fortio",
		Long: `Render a result file (an smp report, or a Fortio result imported on the fly).

  table     the comparison table for a terminal (colour only on a TTY)
  markdown  the same as GitHub Markdown
  json      the smp.report/v1 document
  html      one self-contained page with charts; works offline
  csv       one row per scenario and iteration
  junit     the SLO results as JUnit XML (one test case per assertion)
  smp       the Service Mesh Performance specification's JSON
  fortio    Fortio's result JSON (one scenario: --scenario when there are several)

Comparisons against the baseline are computed when the file has none.
With --slo, the assertions are evaluated and recorded; smp exits 3 when any
fails. Exit codes: 0 ok, 2 bad input, 3 an SLO failed.`,
		Example: `  smp report show smp-results/quickstart.json
  smp report show result.json -o html --out report.html
  smp report show result.json -o junit --slo 'p99 < 20ms' --slo 'overhead.p50 < 10%' > slo.xml
  smp report show result.json -o fortio --scenario istio > istio.fortio.json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return o.run(s, a[0]) },
	}
	o.register(c.Flags())
	return c
}

// register adds the flags of smp report show to f.
func (o *showOptions) register(f *pflag.FlagSet) {
	f.StringVarP(&o.output, "output", "o", rendering.FormatTable, "format: "+strings.Join(append(rendering.Formats(), outSMP, outFortio), ", "))
	f.StringVar(&o.out, "out", "", "write to this file instead of stdout")
	f.StringVar(&o.scenario, "scenario", "", "scenario to export with -o fortio")
	f.StringArrayVar(&o.slo, "slo", nil, "SLO assertion to evaluate, e.g. 'p99 < 20ms' (repeatable)")
	f.StringVar(&o.color, "color", "auto", "colour the table: auto (on a TTY, unless NO_COLOR is set), always or never")
}

func (o *showOptions) run(s Streams, path string) error {
	if err := o.check(append(rendering.Formats(), outSMP, outFortio)); err != nil {
		return err
	}
	rep, err := readResults(path, fortio.ImportOptions{})
	if err != nil {
		return err
	}
	return o.show(s, path, rep)
}

// check checks -o against the formats valid, and --color.
func (o *showOptions) check(valid []string) error {
	if !contains(valid, o.output) {
		return usageErr("-o %q: expected one of %s", o.output, strings.Join(valid, ", "))
	}
	if !contains([]string{"auto", "always", "never"}, o.color) {
		return usageErr("--color %q: expected auto, always or never", o.color)
	}
	return nil
}

// show renders rep (read from where, which errors name) as the options
// say: smp report show and smp results show/export.
func (o *showOptions) show(s Streams, where string, rep *report.Report) error {
	var err error
	if len(rep.Comparisons) == 0 {
		if rep.Comparisons, err = report.Compare(rep); err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", where, err)}
		}
	}
	if len(o.slo) > 0 {
		as, err := slo.Parse(o.slo)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--slo: %w", err)}
		}
		rep.SLO = slo.Evaluate(rep, as)
	}
	var buf bytes.Buffer
	switch o.output {
	case outSMP:
		err = smpformat.Write(&buf, smpformat.Export(rep))
	case outFortio:
		var res *fortio.Result
		if res, err = fortio.Export(rep, o.scenario); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		err = fortio.Write(&buf, res)
	default:
		err = rendering.Write(&buf, o.output, rep, rendering.Options{Color: o.color == "always" || o.color == "auto" && o.out == "" && isTerminal(s.Out)})
	}
	if err != nil {
		return err
	}
	if err := emit(s.Out, o.out, buf.Bytes()); err != nil {
		return err
	}
	if len(rep.SLO) > 0 {
		fmt.Fprintln(s.Err, slo.Summary(rep.SLO))
		if slo.Failed(rep.SLO) {
			return &ExitError{Code: ExitSLO, Err: errors.New("SLO failed")}
		}
	}
	return nil
}

func newReportMergeCmd(s Streams) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "merge FILE FILE...",
		Short: "Pool several reports of the same test into one (lossless)",
		Long: `Merge reports: scenarios of the same name are pooled, their iterations
concatenated and their summaries recomputed from the merged HDR histograms,
so percentiles are exact (no value is lost). Comparisons are recomputed.
The merged report is printed as JSON, or written atomically with --out.`,
		Example: `  smp report merge monday.json tuesday.json --out week.json`,
		Args:    args(cobra.MinimumNArgs(2)),
		RunE: func(c *cobra.Command, a []string) error {
			reps := make([]*report.Report, len(a))
			for i, p := range a {
				r, err := readResults(p, fortio.ImportOptions{})
				if err != nil {
					return err
				}
				reps[i] = r
			}
			merged, err := report.Merge(reps...)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if out != "" {
				if err := report.WriteFile(out, merged); err != nil {
					return err
				}
				fmt.Fprintf(s.Err, "report: %s\n", out)
				return nil
			}
			return report.Encode(s.Out, merged)
		},
	}
	c.Flags().StringVar(&out, "out", "", "write the merged report to this file instead of stdout")
	return c
}

func newReportImportCmd(s Streams) *cobra.Command {
	var o fortio.ImportOptions
	var out string
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Read another load generator's result into an smp report",
		Long: `Import another load generator's result as a one-scenario smp report:

  fortio     its JSON result (fortio load -json, or what Meshery stores)
  wrk, wrk2  the text summary, run with --latency
  nighthawk  its JSON output (--output-format json)
  vegeta     its JSON results (vegeta encode --to json)
  hey        its CSV (hey -o csv)

The tool is recognized by the content. The report's client.generator says
what the tool measured: latency from the actual or the intended send, a
native histogram or one reconstructed from printed percentiles (wrk, wrk2,
Nighthawk), its resolution. Fortio: min, mean, max and stddev are Fortio's
own; the histogram is rebuilt by spreading each of its buckets evenly, so
percentiles match Fortio's to within a bucket; the test carries Fortio's
URL, connections (NumThreads), rate and requested duration. wrk, wrk2 and
hey do not record when they ran: the file's modification time is taken as
the end of the run. vegeta's and hey's files do not say the rate asked for.`,
		Example: `  smp report import fortio.json --scenario istio --mesh istio --out istio.json
  smp report import wrk2-output.txt --mesh none --scenario baseline`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			o.Tool = report.Tool{}
			r, f, err := format.DecodeFile(a[0], o)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", a[0], err)}
			}
			if f != format.Fortio && f != format.Output {
				return usageErr("%s: format %s, not another tool's result (expected fortio's JSON, wrk's or wrk2's summary, Nighthawk's JSON, vegeta's JSON results or hey's CSV)", a[0], f)
			}
			if out != "" {
				if err := report.WriteFile(out, r); err != nil {
					return err
				}
				fmt.Fprintf(s.Err, "report: %s\n", out)
				return nil
			}
			return report.Encode(s.Out, r)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Scenario, "scenario", "", "scenario name (default: Fortio's labels, else the URL, else the tool's name)")
	f.StringVar(&o.MeshType, "mesh", "", `mesh type of the scenario ("none" makes it a baseline; default "unknown")`)
	f.StringVar(&out, "out", "", "write the report to this file instead of stdout")
	return c
}

// readResults reads a results file in any known format; failures are bad
// input (exit 2).
func readResults(path string, o fortio.ImportOptions) (*report.Report, error) {
	r, _, err := format.DecodeFile(path, o)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", path, err)}
	}
	return r, nil
}

// emit writes data to path (atomically enough for a rendering: whole
// file or error), or to w when path is empty.
func emit(w io.Writer, path string, data []byte) error {
	if path == "" {
		_, err := w.Write(data)
		return err
	}
	// A rendering the user asked for is made to be shared: world-readable, as
	// the shell's redirection would make it (the umask still applies).
	if err := os.WriteFile(path, data, 0o644); err != nil { //nolint:gosec // G306: see above
		return &ExitError{Code: ExitFailed, Err: err}
	}
	return nil
}

// isTerminal reports whether w is a terminal and NO_COLOR is unset.
func isTerminal(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && liveTerminal(w)
}

func contains(list []string, v string) bool {
	for _, l := range list {
		if l == v {
			return true
		}
	}
	return false
}
