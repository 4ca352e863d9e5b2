package main

import (
	"strconv"
	"time"
)

// vegetaGen is `vegeta attack`, targets on standard input, results
// discarded (it still encodes each one to its output). One pacer hands
// each due send to the next free worker; the pool and the connections are
// fixed at C.
type vegetaGen struct{ bin string }

var _ generator = vegetaGen{}

func (vegetaGen) name() string    { return "vegeta" }
func (vegetaGen) setting() string { return "" }

// command: echo "GET URL" | vegeta attack -rate R/s -duration D
// -connections C -max-connections C -workers C -max-workers C -keepalive
func (g vegetaGen) command(url string, rate, conns int, d time.Duration) ([]string, string) {
	c := strconv.Itoa(conns)
	return []string{g.bin, "attack", "-rate", strconv.Itoa(rate) + "/s", "-duration", d.String(),
		"-connections", c, "-max-connections", c, "-workers", c, "-max-workers", c, "-keepalive"}, "GET " + url + "\n"
}
