// Package cli holds smp's cobra commands, one file per verb. Commands parse
// flags into an options struct and call a library package; they hold no
// state of their own beyond that struct.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1   // the run failed (every request failed, a target would not start)
	ExitUsage       = 2   // bad input: flags, spec, arguments
	ExitSLO         = 3   // an SLO assertion failed
	ExitRegression  = 4   // smp results check: a metric regressed against the run's history
	ExitUncertified = 5   // smp certify: a check failed, the machine is not fit for benchmarks
	ExitInterrupted = 130 // Ctrl-C or SIGTERM; a partial report was written
)

// ExitError carries the process exit code of a failed command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Streams are where commands read and write.
type Streams struct {
	Out, Err io.Writer
}

// Version is the smp version; the build can override it with
// -ldflags "-X github.com/smp-dev/smp/internal/cli.Version=…" (see
// version.go for the commit and date).
var Version = defaultVersion

// NewRoot builds the smp command tree.
func NewRoot(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "smp",
		Short: "Measure what a service mesh costs",
		Long: `smp measures what a service mesh (or a proxy) costs: latency percentiles,
throughput and errors against a no-mesh baseline, from its own open-loop,
coordinated-omission-correct load generator, in a versioned JSON report.

Start with:
  smp run examples/quickstart.yaml     run a test spec, write its report
  smp load http://127.0.0.1:8080/ --rate 2000 -c 8 -d 10s
  smp target --addr 127.0.0.1:8080     a built-in server to measure against`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	var cpuProfile string
	var stopProfile func()
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this command to FILE (for go tool pprof)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile) //nolint:gosec // G304: the file the user named with --cpuprofile
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close() // cleanup on an error path: the start error is the one to report
			return usageErr("--cpuprofile: %v", err)
		}
		stopProfile = func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil { // the profile may be incomplete: say so
				fmt.Fprintf(s.Err, "smp: --cpuprofile %s: %v\n", cpuProfile, err)
			}
		}
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
	})
	root.AddCommand(
		newRunCmd(s),
		newLoadCmd(s),
		newCapacityCmd(s),
		newTargetCmd(s),
		newSpecCmd(s),
		newVersionCmd(s),
		newServiceCmd(s),
		newProxyCmd(s),
		newReportCmd(s), newCompareCmd(s), newResultsCmd(s),
		newImageCmd(s),
		newWorkerCmd(s),
		newCleanupCmd(s),
		newCertifyCmd(s),
		newServeCmd(s),
	)
	return root
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, s Streams) int {
	root := NewRoot(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(s.Err, "smp: %v\n", err)
	return ExitCode(err)
}

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, spec.ErrInvalid):
		return ExitUsage
	case errors.Is(err, run.ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		if isCobraUsage(err) {
			return ExitUsage
		}
		return ExitFailed
	}
}

// isCobraUsage recognizes cobra's own command errors, which are plain
// errors ("unknown command …").
func isCobraUsage(err error) bool {
	return strings.Contains(err.Error(), "unknown command")
}

// args wraps a cobra argument check so that its failure exits with ExitUsage.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := check(c, a); err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
		}
		return nil
	}
}
