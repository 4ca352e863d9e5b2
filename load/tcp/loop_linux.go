//go:build linux

package tcp

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/evloop"
)

var _ load.LoopDialer = (*Client)(nil)

// Loop implements load.LoopDialer for keep-alive connections; a connection
// per request stays with the goroutine per connection.
func (c *Client) Loop(ctx context.Context, lo, hi int) (load.Loop, error) {
	if c.newConn {
		return nil, fmt.Errorf("%w: a connection per request runs a goroutine per connection", load.ErrNoLoop)
	}
	codecs := make([]evloop.Codec, hi-lo)
	for i := range codecs {
		codecs[i] = &codec{payload: c.payload}
	}
	return load.EventLoop[evloop.Feed](evloop.New(ctx, evloop.Config{Addr: c.addr, Codecs: codecs, ReadBuffer: max(64, min(len(c.payload), readBuffer)), ErrProtocol: load.ErrProtocol}))
}

// codec is one event-loop connection's echo: the payload out, the same
// bytes back.
type codec struct {
	payload []byte
	got     int // echo bytes checked so far
}

func (k *codec) Request() (head, body []byte) {
	k.got = 0
	return k.payload, nil
}

func (k *codec) Feed(b []byte) (int, bool, error) {
	n := min(len(b), len(k.payload)-k.got)
	if !bytes.Equal(b[:n], k.payload[k.got:k.got+n]) {
		return n, false, fmt.Errorf("%w: %w at byte %d", load.ErrProtocol, ErrEcho, k.got)
	}
	k.got += n
	return n, k.got == len(k.payload), nil
}

func (k *codec) EOF(int) (bool, error) {
	return false, fmt.Errorf("echo ended after %d of %d bytes: %w", k.got, len(k.payload), io.ErrUnexpectedEOF)
}

func (k *codec) Response() (load.Response, bool) {
	return load.Response{Status: 0, Bytes: int64(len(k.payload))}, true
}
