package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Exec runs smp with args as the process's command line would: standard
// streams, and a context that SIGINT or SIGTERM cancels (a second signal
// kills the process the usual way). It returns the exit code.
func Exec(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the process the usual way.
	go func() { <-ctx.Done(); stop() }()
	defer stop()
	return Main(ctx, args, Streams{Out: os.Stdout, Err: os.Stderr})
}
