package main

import (
	"strconv"
	"time"
)

// smpGen is smp's own generator, `smp load`, with its connection driver
// forced: the event loop or a goroutine per connection. Both keep one
// even schedule for all connections; with a send tolerance (event loop
// only), the loop sends the requests intended within it of a send with
// that send, early, on one wake-up.
type smpGen struct{ bin, driver, tolerance string }

var _ generator = smpGen{}

func (smpGen) name() string { return "smp" }
func (g smpGen) setting() string {
	if g.tolerance == "" {
		return "--driver " + g.driver
	}
	return "--driver " + g.driver + " --send-tolerance " + g.tolerance
}

// command: smp load URL --rate R -c C -d D --warmup 1s -o json --driver X
// [--send-tolerance T]
func (g smpGen) command(url string, rate, conns int, d time.Duration) ([]string, string) {
	argv := []string{g.bin, "load", url, "--rate", strconv.Itoa(rate), "-c", strconv.Itoa(conns),
		"-d", d.String(), "--warmup", "1s", "-o", "json", "--driver", g.driver}
	if g.tolerance != "" {
		argv = append(argv, "--send-tolerance", g.tolerance)
	}
	return argv, ""
}
