package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/spec/smpimport"
)

// newSpecImportCmd is `smp spec import FILE [-o OUT]`.
func newSpecImportCmd(s Streams) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Convert an SMP PerformanceTestConfig (YAML or JSON, as Meshery takes) into a test spec",
		Long: "Convert a Service Mesh Performance PerformanceTestConfig (YAML or JSON, as Meshery's\n" +
			"performance profiles and mesheryctl perf apply -f take) into an smp test spec. Every\n" +
			"field that is not mapped is named on stderr and in a comment at the top of the spec.\n" +
			"Bad input exits 2.",
		Args: args(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, files []string) error {
			data, err := os.ReadFile(files[0])
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			r, err := smpimport.Import(data)
			if err != nil {
				if errors.Is(err, smpimport.ErrInvalid) {
					return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", files[0], err)}
				}
				return err
			}
			for _, n := range r.Notes {
				fmt.Fprintf(s.Err, "%s: note: %s\n", files[0], n)
			}
			if output == "" {
				_, err = s.Out.Write(r.YAML)
				return err
			}
			if err := os.WriteFile(output, r.YAML, 0o644); err != nil { //nolint:gosec // G306: a spec, not a secret
				return err
			}
			fmt.Fprintf(s.Err, "spec: %s\n", output)
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "the spec file to write (default stdout)")
	return c
}

// readSpec reads the test spec at path; an SMP PerformanceTestConfig is
// converted (smp spec import) with its notes on s.Err.
func readSpec(s Streams, path string) (*spec.Test, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: reading the spec the user named is the point
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	if !smpimport.Looks(data) {
		return spec.Parse(data, path)
	}
	r, err := smpimport.Import(data)
	if err != nil {
		if errors.Is(err, smpimport.ErrInvalid) {
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", path, err)}
		}
		return nil, err
	}
	fmt.Fprintf(s.Err, "%s: note: an SMP PerformanceTestConfig, run as the spec smp spec import writes from it\n", path)
	for _, n := range r.Notes {
		fmt.Fprintf(s.Err, "%s: note: %s\n", path, n)
	}
	return r.Test, nil
}
