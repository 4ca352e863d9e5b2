package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smp-dev/smp/certify"
)

// tuneCmd is smp certify --tune or --reset.
func tuneCmd(ctx context.Context, s Streams, o *certifyOptions) error {
	state := o.state
	if state == "" {
		var err error
		if state, err = certify.DefaultStatePath(os.Getenv); err != nil {
			return usageErr("%v", err)
		}
	}
	w := certify.Root(o.root)
	var res certify.TuneResult
	var err error
	if o.tune {
		r := certify.Run(ctx, w, certify.Options{StealInterval: o.steal})
		res, err = certify.Tune(w, r, state)
	} else {
		res, err = certify.Reset(w, state)
	}
	if errors.Is(err, certify.ErrNoState) {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("nothing to reset: %w (smp certify --tune saves one; --state names another file)", err)}
	}
	if err != nil && !errors.Is(err, certify.ErrIncomplete) {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	if werr := writeTune(s.Out, o.output, o.tune, res); werr != nil {
		return &ExitError{Code: ExitFailed, Err: werr}
	}
	if err != nil {
		failed := 0
		for _, c := range res.Changes {
			if c.Error != "" {
				failed++
			}
		}
		verb := "tune"
		if o.reset {
			verb = "reset"
		}
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("did not fully %s: %d of %d settings could not be written (root? a read-only sysfs?): %w", verb, failed, len(res.Changes), err)}
	}
	return nil
}

// writeTune prints what --tune or --reset did: one line a setting.
func writeTune(w io.Writer, format string, tune bool, res certify.TuneResult) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if res.Changes == nil {
			res.Changes = []certify.Change{}
		}
		return enc.Encode(res)
	}
	var b strings.Builder
	verb, done := "tune", "tuned"
	if !tune {
		verb, done = "reset", "reset"
	}
	for _, c := range res.Changes {
		if c.Error != "" {
			fmt.Fprintf(&b, "FAILED  %s: %q → %q (%s): %s\n", c.Path, c.Old, c.New, c.Check, c.Error)
			continue
		}
		fmt.Fprintf(&b, "%-7s %s: %q → %q (%s)\n", done, c.Path, c.Old, c.New, c.Check)
	}
	if len(res.Changes) == 0 {
		fmt.Fprintf(&b, "nothing to %s\n", verb)
	}
	for _, c := range res.Untuned {
		fix := c.Fix
		if fix == "" {
			fix = "no file to write"
		}
		fmt.Fprintf(&b, "not tuned %s (%s, %s): %s\n", c.ID, c.Observed, c.Severity, fix)
	}
	if tune {
		fmt.Fprintf(&b, "state: %s (smp certify --reset writes the old values back)\n", res.StateFile)
	} else if res.Complete {
		fmt.Fprintf(&b, "state %s removed\n", res.StateFile)
	} else {
		fmt.Fprintf(&b, "state %s keeps the settings not written back\n", res.StateFile)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
