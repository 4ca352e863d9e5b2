package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/report/format/fortio"
	rendering "github.com/smp-dev/smp/report/render"
	"github.com/smp-dev/smp/store"
)

func newResultsShowCmd(s Streams, sf *storeFlags) *cobra.Command {
	o := &showOptions{}
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Render a stored run, as smp report show renders a file",
		Long: `Render a stored run in any of smp report show's formats: table, markdown,
json, html, csv, junit, smp or fortio (--scenario with several scenarios).
With --slo, the assertions are evaluated; smp exits 3 when any fails.`,
		Example: `  smp results show 3fa2
  smp results show 3fa2c1d0 -o html --out run.html`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			if err := o.check(append(rendering.Formats(), outSMP, outFortio)); err != nil {
				return err
			}
			return showStored(c.Context(), s, sf, o, a[0])
		},
	}
	o.register(c.Flags())
	return c
}

// showStored renders the run id names with the show options.
func showStored(ctx context.Context, s Streams, sf *storeFlags, o *showOptions, id string) error {
	return withStore(ctx, sf, func(st store.Store) error {
		rep, full, err := getRun(ctx, st, id)
		if err != nil {
			return err
		}
		return o.show(s, "run "+full, rep)
	})
}

func newResultsExportCmd(s Streams, sf *storeFlags) *cobra.Command {
	o := &showOptions{color: "never"}
	c := &cobra.Command{
		Use:   "export ID",
		Short: "Write a stored run as an smp report, SMP JSON or Fortio JSON",
		Long: `Write a stored run out: json (the smp.report/v1 document, what smp report
and smp compare read), smp (the Service Mesh Performance specification's
JSON) or fortio (Fortio's result JSON, one scenario: --scenario when there
are several). To stdout, or to --file.`,
		Example: `  smp results export 3fa2 --file run.json
  smp results export 3fa2 -o fortio --scenario istio > istio.fortio.json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			if err := o.check([]string{rendering.FormatJSON, outSMP, outFortio}); err != nil {
				return err
			}
			return showStored(c.Context(), s, sf, o, a[0])
		},
	}
	f := c.Flags()
	f.StringVarP(&o.output, "output", "o", rendering.FormatJSON, "format: json, smp or fortio")
	f.StringVar(&o.out, "file", "", "write to this file instead of stdout")
	f.StringVar(&o.scenario, "scenario", "", "scenario to export with -o fortio")
	return c
}

func newResultsCompareCmd(s Streams, sf *storeFlags) *cobra.Command {
	o := &compareOptions{}
	c := &cobra.Command{
		Use:   "compare BASE-ID OTHER-ID",
		Short: "Compare two stored runs, as smp compare compares two files",
		Long: `Compare the scenarios of OTHER-ID against those of BASE-ID, with 95%
confidence intervals from the per-iteration values (see smp compare).`,
		Example: `  smp results compare 3fa2 9c41
  smp results compare 3fa2 9c41 --baseline baseline --scenario istio -o markdown`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(c *cobra.Command, a []string) error {
			if err := o.check(); err != nil {
				return err
			}
			ctx := c.Context()
			return withStore(ctx, sf, func(st store.Store) error {
				base, _, err := getRun(ctx, st, a[0])
				if err != nil {
					return err
				}
				other, _, err := getRun(ctx, st, a[1])
				if err != nil {
					return err
				}
				return o.compare(s, base, other)
			})
		},
	}
	f := c.Flags()
	f.StringVar(&o.baseline, "baseline", "", "scenario of BASE-ID to compare against")
	f.StringVar(&o.scenario, "scenario", "", "scenario of OTHER-ID to compare")
	f.StringVarP(&o.output, "output", "o", rendering.FormatTable, "format: table, markdown or json")
	return c
}

func newResultsImportCmd(s Streams, sf *storeFlags) *cobra.Command {
	var o fortio.ImportOptions
	c := &cobra.Command{
		Use:   "import FILE|DIR...",
		Short: "Store smp reports and Fortio JSON results",
		Long: `Store results files: smp reports and Fortio JSON results (imported as
smp report import does), each FILE, and every .json file of each DIR (not
its subdirectories). A file stored already is kept once. Files that cannot
be read are named, the others stored all the same; then smp exits 2.`,
		Example: `  smp results import smp-results/
  smp results import fortio-runs/ --mesh istio`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			files, err := importFiles(a)
			if err != nil {
				return err
			}
			ctx := c.Context()
			return withStore(ctx, sf, func(st store.Store) error {
				var bad []error
				for _, f := range files {
					rep, err := readResults(f, o)
					if err == nil {
						var run store.Run
						if run, err = st.Put(ctx, rep); err == nil {
							fmt.Fprintf(s.Out, "%s\t%s\n", run.ID, f)
							continue
						}
					}
					bad = append(bad, err)
				}
				if len(bad) > 0 {
					return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%d of %d files not imported:\n%w", len(bad), len(files), errors.Join(bad...))}
				}
				return nil
			})
		},
	}
	f := c.Flags()
	f.StringVar(&o.Scenario, "scenario", "", "Fortio results: scenario name (default: the Fortio labels, else the URL)")
	f.StringVar(&o.MeshType, "mesh", "", `Fortio results: mesh type of the scenario ("none" makes it a baseline; default "unknown")`)
	return c
}

// importFiles expands the arguments of import: files as given, directories
// to their .json files in name order.
func importFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".json") {
				found = append(found, filepath.Join(a, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, usageErr("%s: no .json files: expected smp reports or Fortio JSON results in it", a)
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, nil
}
