package main

import (
	"strconv"
	"time"
)

// fortioGen is `fortio load`: -qps is split evenly across the -c threads,
// each keeping its own schedule with Go's timers and catching up when late.
type fortioGen struct{ bin string }

var _ generator = fortioGen{}

func (fortioGen) name() string    { return "fortio" }
func (fortioGen) setting() string { return "" }

// command: fortio load -quiet -qps R -c C -t D URL
func (g fortioGen) command(url string, rate, conns int, d time.Duration) ([]string, string) {
	return []string{g.bin, "load", "-quiet", "-qps", strconv.Itoa(rate), "-c", strconv.Itoa(conns),
		"-t", d.String(), url}, ""
}
