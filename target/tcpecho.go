package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Echo is a TCP echo server: it writes back every byte it reads, on every
// connection, until the client closes it (smp load --protocol tcp).
type Echo struct {
	ln    net.Listener
	bytes atomic.Int64
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  chan struct{}
}

// StartEcho listens on addr ("127.0.0.1:0" picks a free port) and echoes
// until ctx is done or Close is called.
func StartEcho(ctx context.Context, addr string) (*Echo, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("target: tcp echo: listen on %s: %w", addr, err)
	}
	e := &Echo{ln: ln, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	e.wg.Add(1)
	go e.accept()
	context.AfterFunc(ctx, func() { _ = e.Close() }) // nobody to tell: the caller cancelled
	return e, nil
}

func (e *Echo) accept() {
	defer e.wg.Done()
	for {
		c, err := e.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a failed accept (out of descriptors, say) is not fatal
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		e.mu.Lock()
		select {
		case <-e.done:
			e.mu.Unlock()
			c.Close()
			return
		default:
		}
		e.conns[c] = struct{}{}
		e.mu.Unlock()
		e.wg.Add(1)
		go e.serve(c)
	}
}

func (e *Echo) serve(c net.Conn) {
	defer e.wg.Done()
	n, _ := io.Copy(c, c)
	e.bytes.Add(n)
	c.Close()
	e.mu.Lock()
	delete(e.conns, c)
	e.mu.Unlock()
}

// Addr is the address the server listens on.
func (e *Echo) Addr() string { return e.ln.Addr().String() }

// Bytes is how many bytes connections that have ended echoed.
func (e *Echo) Bytes() int64 { return e.bytes.Load() }

// Close stops the server and closes its connections; it waits for them.
func (e *Echo) Close() error {
	e.mu.Lock()
	select {
	case <-e.done:
		e.mu.Unlock()
		e.wg.Wait()
		return nil
	default:
	}
	close(e.done)
	err := e.ln.Close()
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	return err
}

// Wait blocks until the server has been closed.
func (e *Echo) Wait() { <-e.done; e.wg.Wait() }
