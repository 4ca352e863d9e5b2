package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/platform/kubernetes/loadjob"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

type workerOptions struct {
	spec    string
	target  string
	clients int
	index   int
	start   string
}

// newWorkerCmd is the hidden command a load Job's pods run (see package
// platform/kubernetes/loadjob): one client's share of a test's load, its
// result framed on stdout, its progress on stderr. The load runs on smp's
// engine, or on the test's load.generator found on the image's PATH (smp
// image build --add-tool).
func newWorkerCmd(s Streams) *cobra.Command {
	o := &workerOptions{}
	c := &cobra.Command{
		Use:    "worker",
		Short:  "Run one client's share of a test's load and print its result (used by load Jobs)",
		Hidden: true,
		Args:   args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			w, err := o.worker(s)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			// An external generator's files (its work folder) go to a
			// temporary folder, removed at the end.
			work, err := os.MkdirTemp("", "smp-worker-")
			if err != nil {
				return fmt.Errorf("worker: a work folder: %w", err)
			}
			defer func() { _ = os.RemoveAll(work) }() // scratch space: nothing to report
			w.Prepare = func(t *spec.Test, target string) (loadjob.Load, error) {
				l, err := run.PrepareLoad(t, target, work)
				if errors.Is(err, loadgen.ErrNotFound) {
					return nil, fmt.Errorf("%w; in a client pod, smp's image must carry it (smp image build --add-tool, docs/kubernetes.md)", err)
				}
				return l, err
			}
			return w.Run(c.Context(), s.Out)
		},
	}
	f := c.Flags()
	f.StringVar(&o.spec, "spec", "/etc/smp/spec.yaml", "the test spec")
	f.StringVar(&o.target, "target", "", "the URL to send load to")
	f.IntVar(&o.clients, "clients", 1, "how many clients share the load")
	f.IntVar(&o.index, "index", -1, "this client's index, 0..clients-1 (default: $JOB_COMPLETION_INDEX)")
	f.StringVar(&o.start, "start", "", "the shared start time, RFC 3339 (default: at once)")
	return c
}

func (o *workerOptions) worker(s Streams) (*loadjob.Worker, error) {
	t, err := spec.ParseFile(o.spec)
	if err != nil {
		return nil, fmt.Errorf("--spec %s: %w", o.spec, err)
	}
	if o.target == "" {
		return nil, fmt.Errorf("--target: missing: expected the URL to send load to")
	}
	index := o.index
	if index < 0 {
		env := os.Getenv("JOB_COMPLETION_INDEX")
		if index, err = strconv.Atoi(env); err != nil {
			return nil, fmt.Errorf("--index not given and JOB_COMPLETION_INDEX %q: expected an integer", env)
		}
	}
	var start time.Time
	if o.start != "" {
		if start, err = time.Parse(time.RFC3339Nano, o.start); err != nil {
			return nil, fmt.Errorf("--start %q: expected an RFC 3339 time: %w", o.start, err)
		}
	}
	host, _ := os.Hostname()
	return &loadjob.Worker{
		Test: t, Target: o.target, Clients: o.clients, Index: index, Start: start,
		Pod: host, Log: s.Err,
	}, nil
}
