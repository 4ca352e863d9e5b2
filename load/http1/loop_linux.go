//go:build linux

package http1

import (
	"context"
	"fmt"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/evloop"
)

var (
	_ load.LoopDialer = (*Client)(nil)
	_ evloop.Feed     = (*load.Feed)(nil)
)

// Loop implements load.LoopDialer for plain-text keep-alive HTTP/1.1: TLS
// and a connection per request stay with the goroutine per connection.
func (c *Client) Loop(ctx context.Context, lo, hi int) (load.Loop, error) {
	switch {
	case c.tls != nil:
		return nil, fmt.Errorf("%w: TLS (https) runs a goroutine per connection", load.ErrNoLoop)
	case c.newConn:
		return nil, fmt.Errorf("%w: a connection per request runs a goroutine per connection", load.ErrNoLoop)
	}
	codecs := make([]evloop.Codec, hi-lo)
	for i := range codecs {
		k := &codec{c: c}
		if c.mix != nil {
			k.picks = newPicks(c.seed, uint64(lo+i))
		}
		codecs[i] = k
	}
	return load.EventLoop[evloop.Feed](evloop.New(ctx, evloop.Config{Addr: c.addr, Codecs: codecs, ReadBuffer: c.bufSize, ErrProtocol: load.ErrProtocol}))
}

// codec is one event-loop connection's HTTP/1.1: the client's request (or
// the connection's pick of the mix) and the response parser.
type codec struct {
	c     *Client
	p     parser
	picks picks
}

func (k *codec) Request() (head, body []byte) {
	c := k.c
	req, isHead := c.req, c.head
	if c.mix != nil {
		s := c.mix.pick(&k.picks)
		req, body, isHead = s.req, s.body, s.head
	}
	k.p.reset(isHead)
	return req, body
}

func (k *codec) Feed(b []byte) (int, bool, error) { return k.p.feed(b) }
func (k *codec) EOF(pending int) (bool, error)    { return k.p.eof(pending) }
func (k *codec) Response() (load.Response, bool)  { return k.p.resp, k.p.keep }
