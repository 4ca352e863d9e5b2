package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/platform/kubernetes"
)

type cleanupOptions struct {
	kubeconfig, context, run string
	all                      bool
	timeout                  time.Duration
}

func newCleanupCmd(s Streams) *cobra.Command {
	o := &cleanupOptions{}
	c := &cobra.Command{
		Use:   "cleanup (--run ID | --all)",
		Short: "Delete the namespaces smp left in a cluster (runs that were killed)",
		Long: `Delete the namespaces that smp runs on platform kubernetes created and did
not delete (the run was killed): those labelled app.kubernetes.io/managed-by=smp,
of one run (--run ID, the smp.dev/run label, also the last part of their
names) or of every run (--all). Without either, it lists them. It waits
until they are gone.`,
		Example: `  smp cleanup                 # list leftovers
  smp cleanup --run 3f9a01bc
  smp cleanup --all --context kind-bench`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return o.cleanup(c.Context(), s) },
	}
	f := c.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&o.context, "context", "", "kubeconfig context (default its current one)")
	f.StringVar(&o.run, "run", "", "delete the namespaces of this run id")
	f.BoolVar(&o.all, "all", false, "delete the namespaces of every smp run")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for the namespaces to be gone")
	return c
}

func (o *cleanupOptions) cleanup(ctx context.Context, s Streams) error {
	if o.all && o.run != "" {
		return usageErr("--all and --run %q: expected one of them", o.run)
	}
	c, err := kubernetes.Connect(o.kubeconfig, o.context)
	if err != nil {
		return usageErr("%v", err)
	}
	if !o.all && o.run == "" {
		names, err := c.Leftovers(ctx, "")
		if err != nil {
			return &ExitError{Code: ExitFailed, Err: err}
		}
		if len(names) == 0 {
			fmt.Fprintln(s.Out, "no namespaces of smp runs")
			return nil
		}
		fmt.Fprintf(s.Out, "%s\n", strings.Join(names, "\n"))
		fmt.Fprintln(s.Err, "pass --all (or --run ID) to delete them")
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	names, err := c.Cleanup(ctx, o.run)
	for _, n := range names {
		fmt.Fprintf(s.Out, "deleted namespace %s\n", n)
	}
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	if len(names) == 0 {
		fmt.Fprintln(s.Out, "no namespaces of smp runs")
	}
	return nil
}
