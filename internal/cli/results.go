package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/store"
)

func newResultsCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "results",
		Short: "List, show, compare and check the runs kept in the results store",
		Long: `Every smp run and smp load keeps its report in the results store (unless
--no-store): a SQLite file by default, or a shared PostgreSQL server
(--store postgres://…, or $SMP_STORE). These commands read it.

A run is named by its ID (16 hex digits, derived from the report's
content) or by a prefix of at least 4 digits that no other run shares.
smp results check compares a run with the earlier runs of the same spec
on the same machine and exits 4 on a regression (docs/results.md).`,
	}
	var sf storeFlags
	sf.register(c.PersistentFlags(), false)
	c.AddCommand(newResultsListCmd(s, &sf), newResultsShowCmd(s, &sf), newResultsCompareCmd(s, &sf),
		newResultsExportCmd(s, &sf), newResultsImportCmd(s, &sf), newResultsDeleteCmd(s, &sf), newResultsCheckCmd(s, &sf))
	return c
}

// withStore opens the store the flags name, runs f with it and closes it.
// A store that cannot be opened fails the command (exit 1).
func withStore(ctx context.Context, sf *storeFlags, f func(store.Store) error) error {
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	err = f(st)
	if cerr := st.Close(); err == nil && cerr != nil {
		return cerr
	}
	return err
}

// resolve turns an ID or unique prefix into a run ID; a malformed,
// unknown or ambiguous one is bad input (exit 2).
func resolve(ctx context.Context, st store.Store, id string) (string, error) {
	full, err := store.Resolve(ctx, st, id)
	var nf *store.NotFoundError
	var amb *store.AmbiguousError
	var bad *store.BadIDError
	switch {
	case err == nil:
		return full, nil
	case errors.As(err, &nf):
		return "", usageErr("run id %q: no such run in the store: expected an ID from smp results list", id)
	case errors.As(err, &amb), errors.As(err, &bad):
		return "", &ExitError{Code: ExitUsage, Err: err}
	}
	return "", err
}

// getRun reads the report of the run id names.
func getRun(ctx context.Context, st store.Store, id string) (*report.Report, string, error) {
	full, err := resolve(ctx, st, id)
	if err != nil {
		return nil, "", err
	}
	rep, err := st.Get(ctx, full)
	return rep, full, err
}

type listOptions struct {
	test, mesh, since, until string
	labels                   []string
	limit                    int
	output                   string
}

func newResultsListCmd(s Streams, sf *storeFlags) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "list",
		Short: "List stored runs, newest first",
		Long: `List the stored runs, newest first: ID, start time (UTC), test, platform,
scenarios' mesh types, and labels (the spec's metadata.labels and
environment labels). --since and --until take a duration back from now
(90m, 24h, 7d) or a date (2026-11-30) or time (RFC 3339).`,
		Example: `  smp results list --test quickstart --since 7d
  smp results list --mesh istio --label team=payments -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			f, err := o.filter(time.Now())
			if err != nil {
				return err
			}
			return withStore(c.Context(), sf, func(st store.Store) error {
				runs, err := st.List(c.Context(), f)
				if err != nil {
					return err
				}
				return writeRuns(s, o.output, runs)
			})
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.test, "test", "", "only runs of this test (metadata.name)")
	fl.StringVar(&o.mesh, "mesh", "", "only runs with a scenario of this mesh type (none, istio, …)")
	fl.StringVar(&o.since, "since", "", "only runs started at or after this: 24h, 7d (back from now), 2026-11-30 or an RFC 3339 time")
	fl.StringVar(&o.until, "until", "", "only runs started before this (same forms as --since)")
	fl.StringArrayVar(&o.labels, "label", nil, "only runs with this label, key=value (repeatable: all must match)")
	fl.IntVar(&o.limit, "limit", 0, "at most this many runs, the newest (0 = all)")
	fl.StringVarP(&o.output, "output", "o", "table", "format: table, json or csv")
	return c
}

// filter turns the flags into a store filter; now anchors --since 7d.
func (o *listOptions) filter(now time.Time) (store.Filter, error) {
	f := store.Filter{Test: o.test, Mesh: o.mesh, Limit: o.limit}
	if !contains([]string{"table", "json", "csv"}, o.output) {
		return f, usageErr("-o %q: expected table, json or csv", o.output)
	}
	if o.limit < 0 {
		return f, usageErr("--limit %d: expected 0 (no limit) or more", o.limit)
	}
	var err error
	if f.Since, err = parseWhen("--since", o.since, now); err != nil {
		return f, err
	}
	if f.Until, err = parseWhen("--until", o.until, now); err != nil {
		return f, err
	}
	for _, l := range o.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return f, usageErr("--label %q: expected key=value", l)
		}
		if f.Labels == nil {
			f.Labels = map[string]string{}
		}
		f.Labels[k] = v
	}
	return f, nil
}

// parseWhen reads a time flag (store.ParseWhen); a bad value is a usage
// error naming the flag.
func parseWhen(flag, v string, now time.Time) (time.Time, error) {
	t, err := store.ParseWhen(v, now)
	if err != nil {
		return t, usageErr("%s %w", flag, err)
	}
	return t, nil
}

// writeRuns prints runs as a table, JSON or CSV.
func writeRuns(s Streams, format string, runs []store.Run) error {
	switch format {
	case "json":
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	case "csv":
		w := csv.NewWriter(s.Out)
		_ = w.Write([]string{"id", "startTime", "test", "platform", "meshes", "labels", "partial", "specHash", "fingerprint", "toolVersion"})
		for _, r := range runs {
			_ = w.Write([]string{r.ID, r.StartTime.Format(time.RFC3339), r.Test, r.Platform, strings.Join(r.MeshTypes(), " "),
				labelText(r.Labels), strconv.FormatBool(r.Partial), r.SpecHash, r.Fingerprint, r.ToolVersion})
		}
		w.Flush()
		return w.Error()
	}
	if len(runs) == 0 {
		fmt.Fprintln(s.Err, "no runs")
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED (UTC)\tTEST\tPLATFORM\tMESHES\tLABELS")
	for _, r := range runs {
		test := r.Test
		if r.Partial {
			test += " (partial)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.StartTime.Format("2006-01-02 15:04:05"), test, r.Platform,
			strings.Join(r.MeshTypes(), ","), labelText(r.Labels))
	}
	return tw.Flush()
}

func labelText(m map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, ",")
}

func newResultsDeleteCmd(s Streams, sf *storeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete stored runs (without asking)",
		Long: `Delete the runs named, without asking. Every ID is checked first: when one
is unknown or ambiguous, nothing is deleted and smp exits 2 naming it.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			ctx := c.Context()
			return withStore(ctx, sf, func(st store.Store) error {
				var ids []string
				for _, id := range a {
					full, err := resolve(ctx, st, id)
					if err != nil {
						return err
					}
					if !slices.Contains(ids, full) {
						ids = append(ids, full)
					}
				}
				for _, id := range ids {
					if err := st.Delete(ctx, id); err != nil {
						return err
					}
					fmt.Fprintf(s.Err, "deleted: run %s\n", id)
				}
				return nil
			})
		},
	}
}
