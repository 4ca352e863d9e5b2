//go:build !linux

package certify

import "time"

// sleepFor sleeps d on the Go runtime's timer.
func sleepFor(d time.Duration) error {
	time.Sleep(d)
	return nil
}
