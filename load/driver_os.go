package load

import "fmt"

// HasEventLoop reports whether the event-loop driver exists on goos
// (runtime.GOOS): it is built on epoll(7), so only on Linux. Elsewhere an
// empty Plan.Driver runs a goroutine per connection, and DriverEventLoop
// is an error.
func HasEventLoop(goos string) bool { return goos == "linux" }

// eventLoopOSError is Plan.Check's answer to DriverEventLoop on goos.
func eventLoopOSError(goos string) error {
	return fmt.Errorf("%w: driver %q: the event loop is linux-only (this is %s); expected %s or empty (automatic: %s here)",
		ErrPlan, DriverEventLoop, goos, DriverGoroutines, DriverGoroutines)
}
