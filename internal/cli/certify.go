package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/certify"
)

type certifyOptions struct {
	output string
	steal  time.Duration
}

func newCertifyCmd(s Streams) *cobra.Command {
	o := &certifyOptions{}
	c := &cobra.Command{
		Use:   "certify",
		Short: "Check whether this machine can be trusted for benchmarks",
		Long: `Check whether this machine can be trusted for benchmarks: CPU frequency
governor and range, turbo, SMT, isolated CPUs, clock source, transparent
hugepages, ASLR, perf_event_paranoid, load and steal time, the cgroup CPU
quota, the open-file limit, the ephemeral port range and somaxconn. Each
check prints what it saw, what it expects and how to fix it; a file the
kernel does not have here is "not available here" (info), never a failure.

It exits 0 when no check fails and 5 when one does. The fingerprint hashes
the machine's stable facts (CPU model and count, kernel, governor, SMT,
clock source): it is the same from run to run on one machine. Off Linux it
lists what it cannot check and exits 0. See docs/certify.md.`,
		Example: `  smp certify
  smp certify -o json | jq '.checks[] | select(.severity == "fail")'`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if o.output != "table" && o.output != "json" {
				return usageErr("-o %q: expected table or json", o.output)
			}
			if o.steal <= 0 {
				return usageErr("--steal-interval %s: expected a positive duration", o.steal)
			}
			r := certify.Run(c.Context(), certify.System(), certify.Options{StealInterval: o.steal})
			if err := writeCertify(s.Out, o.output, r); err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			if !r.Pass {
				var failed []string
				for _, c := range r.Checks {
					if c.Severity == certify.Fail {
						failed = append(failed, c.ID)
					}
				}
				return &ExitError{Code: ExitUncertified, Err: fmt.Errorf("this machine is not certified for benchmarks: failed %s", strings.Join(failed, ", "))}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.output, "output", "o", "table", "format: table or json")
	f.DurationVar(&o.steal, "steal-interval", time.Second, "how long to sample /proc/stat for steal time")
	return c
}

// writeCertify prints r as a table or as JSON.
func writeCertify(w io.Writer, format string, r certify.Result) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tOBSERVED\tEXPECTED\tSEVERITY\tFIX")
	for _, c := range r.Checks {
		fix := c.Fix
		if fix == "" {
			fix = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Observed, c.Expected, c.Severity, fix)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	_, err := fmt.Fprintf(w, "\nfingerprint %s\n%s\n", r.Fingerprint, verdict)
	return err
}
