// Package targettest starts smp's built-in target for tests: one call,
// stopped when the test ends.
package targettest

import (
	"context"
	"testing"

	"github.com/smp-dev/smp/target"
)

// Start starts a target with opts and stops it (waiting until it has
// stopped) when t ends.
func Start(t testing.TB, opts target.Options) *target.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := target.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Wait() })
	return srv
}
