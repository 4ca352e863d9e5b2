package main

import (
	"strconv"
	"time"
)

// smpGen is smp's own generator, `smp load`, with its connection driver
// forced: the event loop or a goroutine per connection. Both keep one
// even schedule for all connections.
type smpGen struct{ bin, driver string }

var _ generator = smpGen{}

func (smpGen) name() string      { return "smp" }
func (g smpGen) setting() string { return "--driver " + g.driver }

// command: smp load URL --rate R -c C -d D --warmup 1s -o json --driver X
func (g smpGen) command(url string, rate, conns int, d time.Duration) ([]string, string) {
	return []string{g.bin, "load", url, "--rate", strconv.Itoa(rate), "-c", strconv.Itoa(conns),
		"-d", d.String(), "--warmup", "1s", "-o", "json", "--driver", g.driver}, ""
}
