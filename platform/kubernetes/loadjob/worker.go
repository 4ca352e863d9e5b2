package loadjob

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/spec"
)

// Load runs a share of a test's load and returns its result.
type Load func(ctx context.Context) (*load.Result, error)

// Worker is one client of a load Job: it runs its share of a test's load
// from the shared start time and writes its result, framed.
type Worker struct {
	Test    *spec.Test
	Target  string
	Clients int
	Index   int
	// Start is the shared start time; zero starts at once.
	Start time.Time
	// Pod names the pod it runs in, recorded in the result (may be empty).
	Pod string
	// Prepare readies a test's load (this client's share of it) against
	// the target URL, and returns what runs it: smp's engine or the test's
	// external generator (run.PrepareLoad). It runs before the wait for
	// the start, so that a share that cannot run (no such tool in the
	// image) fails at once.
	Prepare func(t *spec.Test, target string) (Load, error)
	// Log receives progress lines (stderr); nil discards them.
	Log io.Writer
}

// Run waits for the start, runs the share and writes the framed result to
// out. A client that is ready after the start begins at once and records
// how late it was (ClientShare.StartLate). A cancelled ctx before the start
// returns its error; during the run, the partial result is still written.
func (w *Worker) Run(ctx context.Context, out io.Writer) error {
	logf := func(format string, args ...any) {
		if w.Log != nil {
			fmt.Fprintf(w.Log, format+"\n", args...)
		}
	}
	share, err := Split(w.Test, w.Clients, w.Index)
	if err != nil {
		return err
	}
	run, err := w.Prepare(share, w.Target)
	if err != nil {
		return err
	}
	logf("smp worker: client %d of %d: %s, %d connections, %v, target %s, generator %s",
		w.Index, w.Clients, rateText(share.Load.Rate), share.Load.Connections, share.Load.Duration, w.Target, generator(share))
	var late time.Duration
	if !w.Start.IsZero() {
		if wait := time.Until(w.Start); wait > 0 {
			logf("smp worker: waiting %v for the shared start %s", wait.Round(time.Millisecond), w.Start.Format(time.RFC3339Nano))
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		} else {
			late = -wait
			logf("smp worker: started %v after the shared start", late.Round(time.Millisecond))
		}
	}
	res, err := run(ctx)
	if err != nil {
		return err
	}
	self := record.ShareOf(res)
	self.Index, self.Pod, self.StartLate = w.Index, w.Pod, late
	res.Clients = []record.ClientShare{self}
	logf("smp worker: %d requests, %d errors, %.1f req/s achieved", res.Requests, res.Errors, res.AchievedRate())
	return WriteFrame(out, res)
}

func generator(t *spec.Test) string {
	if t.Load.Generator == "" {
		return spec.GeneratorBuiltin
	}
	return t.Load.Generator
}

func rateText(r float64) string {
	if r == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%g req/s", r)
}
