package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/spec"
)

func newSpecCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "spec",
		Short: "Check test specs, print their JSON Schema, import SMP test configurations",
	}
	c.AddCommand(&cobra.Command{
		Use:   "validate SPEC.yaml...",
		Short: "Check test specs; print every problem with line:col (exit 2 if any)",
		Args:  args(cobra.MinimumNArgs(1)),
		RunE: func(_ *cobra.Command, files []string) error {
			bad := 0
			for _, f := range files {
				if _, err := spec.ParseFile(f); err != nil {
					bad++
					fmt.Fprintln(s.Err, err)
					continue
				}
				fmt.Fprintf(s.Out, "%s: ok\n", f)
			}
			if bad > 0 {
				return &ExitError{Code: ExitUsage, Err: errors.New(plural(bad, "spec is invalid", "specs are invalid"))}
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of test specs (for editors and linters)",
		Args:  args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := s.Out.Write(spec.Schema())
			return err
		},
	}, newSpecImportCmd(s))
	return c
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
