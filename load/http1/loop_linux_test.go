//go:build linux

package http1_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// countingServer serves h over HTTP/1.1 and counts the connections it
// accepted.
func countingServer(t *testing.T, h http.Handler, idle time.Duration) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	srv := &http.Server{Handler: h, IdleTimeout: idle, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/", &conns
}

func newClient(t *testing.T, cfg http1.Config, raw string) *http1.Client {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg.URL = u
	c, err := http1.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func runPlan(t *testing.T, ctx context.Context, p load.Plan) *load.Result {
	t.Helper()
	if p.Timeout == 0 {
		p.Timeout = 2 * time.Second
	}
	res, err := load.Run(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(fds)
}

// eachLoopDriver runs fn as a subtest per event-loop driver, with a run
// function that drives a plan with it: epoll, and io_uring where the
// kernel allows it (that subtest skipped otherwise).
func eachLoopDriver(t *testing.T, fn func(t *testing.T, run func(context.Context, load.Plan) *load.Result)) {
	for _, d := range []string{load.DriverEventLoop, load.DriverUring} {
		t.Run(d, func(t *testing.T) {
			fn(t, func(ctx context.Context, p load.Plan) *load.Result {
				t.Helper()
				if d == load.DriverUring {
					return runUring(t, ctx, p)
				}
				p.Driver = d
				res := runPlan(t, ctx, p)
				if res.Driver != d {
					t.Fatalf("driver %q, want %q", res.Driver, d)
				}
				return res
			})
		})
	}
}

// The event loop reconnects when the server closes a connection after a
// response (Connection: close) and when it closes one that sat idle, with
// no request failing.
func TestLoopReconnects(t *testing.T) {
	eachLoopDriver(t, func(t *testing.T, run func(context.Context, load.Plan) *load.Result) {
		var n atomic.Int64
		closing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1)%3 == 0 {
				w.Header().Set("Connection", "close")
			}
			io.WriteString(w, "ok")
		})
		raw, conns := countingServer(t, closing, 0)
		res := run(context.Background(), load.Plan{
			Dialer: newClient(t, http1.Config{}, raw), Connections: 2, Duration: 300 * time.Millisecond,
		})
		if res.Errors != 0 || res.Requests < 30 {
			t.Fatalf("%d requests, %d errors %v; want many, none failed", res.Requests, res.Errors, res.ErrorKinds)
		}
		if c := conns.Load(); c < n.Load()/3 {
			t.Errorf("%d connections for %d responses, every third closing: the loop did not reconnect", c, n.Load())
		}

		// Idle for 60 ms between sends, the server closes after 15 ms.
		raw, conns = countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}), 15*time.Millisecond)
		p, _ := load.NewConstant(1000.0/60, time.Second)
		res = run(context.Background(), load.Plan{
			Dialer: newClient(t, http1.Config{}, raw), Connections: 1, Pacer: p, Duration: 500 * time.Millisecond,
		})
		if res.Errors != 0 || res.Requests < 7 || conns.Load() < res.Requests-1 {
			t.Errorf("idle closes: %d requests, %d errors %v, %d connections; want ~8 requests, no error, a connection each",
				res.Requests, res.Errors, res.ErrorKinds, conns.Load())
		}
	})
}

// A request larger than the socket buffers is written in several writes
// (or sends, head and body together), and a large response read across
// many reads.
func TestLoopLargeBodies(t *testing.T) {
	eachLoopDriver(t, func(t *testing.T, run func(context.Context, load.Plan) *load.Result) {
		const reqSize, respSize = 4 << 20, 1 << 20
		var got atomic.Int64
		resp := strings.Repeat("r", respSize)
		raw, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			got.Add(n)
			w.Header().Set("Content-Length", fmt.Sprint(respSize))
			io.WriteString(w, resp)
		}), 0)
		res := run(context.Background(), load.Plan{
			Dialer:      newClient(t, http1.Config{Method: "POST", Body: make([]byte, reqSize)}, raw),
			Connections: 2, Duration: 400 * time.Millisecond,
		})
		if res.Errors != 0 || res.Requests == 0 {
			t.Fatalf("%d requests, %d errors %v", res.Requests, res.Errors, res.ErrorKinds)
		}
		if per := res.BytesReceived / res.Requests; per < respSize || per > respSize+300 {
			t.Errorf("%d bytes per response, want %d plus headers", per, respSize)
		}
		if got.Load() < res.Requests*reqSize {
			t.Errorf("server read %d body bytes for %d requests of %d", got.Load(), res.Requests, reqSize)
		}
	})
}

// A response header that does not fit the read buffer is a protocol error,
// not a hang.
func TestLoopHeaderLargerThanBuffer(t *testing.T) {
	raw, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("b", 2000))
	}), 0)
	res := runPlan(t, context.Background(), load.Plan{
		Dialer: newClient(t, http1.Config{ReadBuffer: 512}, raw), Connections: 1, Driver: load.DriverEventLoop,
		Duration: 100 * time.Millisecond,
	})
	if res.Requests == 0 || res.ErrorKinds[load.KindProtocol] != res.Requests {
		t.Errorf("%d requests, errors %v; want every one a protocol error", res.Requests, res.ErrorKinds)
	}
}

// The event loop leaves no file descriptor behind (sockets, nor the
// ring), whether a run is cancelled with requests in flight, promptly, or
// meets a refused connection.
func TestLoopNoLeaks(t *testing.T) {
	eachLoopDriver(t, func(t *testing.T, run func(context.Context, load.Plan) *load.Result) {
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		})
		raw, _ := countingServer(t, slow, 0)
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		refused := "http://" + ln.Addr().String() + "/"
		ln.Close()
		before := openFDs(t)
		for _, u := range []string{raw, refused} {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			p, _ := load.NewConstant(100, 10*time.Second)
			start := time.Now()
			res := run(ctx, load.Plan{
				Dialer: newClient(t, http1.Config{}, u), Connections: 4, Pacer: p, Duration: 10 * time.Second,
			})
			cancel()
			if !res.Partial || time.Since(start) > 3*time.Second {
				t.Errorf("%s: cancelled run: partial %v after %v; want partial, within a few ms of the cancel", u, res.Partial, time.Since(start))
			}
		}
		if after := settledFDs(t, before); after > before {
			t.Errorf("%d file descriptors open after the runs, %d before", after, before)
		}
	})
}

// Configurations the loop does not drive fall back to a goroutine per
// connection, unless the plan insists on the loop.
func TestLoopFallback(t *testing.T) {
	for name, cfg := range map[string]http1.Config{
		"tls":            {},
		"new connection": {NewConnection: true},
	} {
		raw := "http://127.0.0.1:1/"
		if name == "tls" {
			raw = "https://127.0.0.1:1/"
		}
		c := newClient(t, cfg, raw)
		res := runPlan(t, context.Background(), load.Plan{Dialer: c, Connections: 1, Duration: 50 * time.Millisecond})
		if res.Driver != load.DriverGoroutines {
			t.Errorf("%s: driver %s, want %s", name, res.Driver, load.DriverGoroutines)
		}
		_, err := load.Run(context.Background(), load.Plan{Dialer: c, Connections: 1, Duration: 50 * time.Millisecond,
			Timeout: time.Second, Driver: load.DriverEventLoop})
		if !errors.Is(err, load.ErrPlan) || !strings.Contains(err.Error(), "eventloop") {
			t.Errorf("%s: driver eventloop: error %v, want a plan error naming the driver", name, err)
		}
	}
}

// Every request of a mix goes out in the same order on the event loop as
// with a goroutine per connection: a connection's picks depend only on the
// seed and its number.
func TestLoopMixMatchesGoroutines(t *testing.T) {
	var paths [2]strings.Builder
	var which atomic.Int64
	raw, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(&paths[which.Load()], r.URL.Path[1:])
	}), 0)
	vs := []http1.Variant{{Weight: 1, Target: "/a"}, {Weight: 2, Target: "/b"}, {Weight: 1, Target: "/c"}}
	for i, drv := range []string{load.DriverEventLoop, load.DriverGoroutines} {
		which.Store(int64(i))
		p, _ := load.NewConstant(200, time.Second)
		res := runPlan(t, context.Background(), load.Plan{
			Dialer: newClient(t, http1.Config{Variants: vs, Seed: 7}, raw), Connections: 1, Driver: drv,
			Pacer: p, Duration: 250 * time.Millisecond,
		})
		if res.Errors != 0 {
			t.Fatalf("%s: errors %v", drv, res.ErrorKinds)
		}
	}
	a, b := paths[0].String(), paths[1].String()
	n := min(len(a), len(b))
	if n < 30 || a[:n] != b[:n] {
		t.Errorf("picks differ:\neventloop  %s\ngoroutines %s", a, b)
	}
}

// Between sends 20 ms apart the loop does not wake for responses (they
// wait for the next send's wake-up); each is still timed when the kernel
// received it, so a 1 ms server shows about 1 ms, not up to 20.
func TestLoopTimesResponsesOnArrival(t *testing.T) {
	srv := targettest.Start(t, target.Options{Delay: time.Millisecond})
	p, _ := load.NewConstant(50, 2*time.Second)
	res := runPlan(t, context.Background(), load.Plan{
		Dialer: newClient(t, http1.Config{}, srv.URL()), Connections: 4, Driver: load.DriverEventLoop,
		Pacer: p, Duration: 2 * time.Second, Warmup: 200 * time.Millisecond,
	})
	if res.Errors != 0 || res.Requests < 80 {
		t.Fatalf("%d requests, errors %v", res.Requests, res.ErrorKinds)
	}
	p50, p90 := res.Uncorrected.Quantile(50), res.Uncorrected.Quantile(90)
	t.Logf("uncorrected p50 %v p90 %v", p50, p90)
	if p50 < time.Millisecond || p50 > 4*time.Millisecond || p90 > 10*time.Millisecond {
		t.Errorf("uncorrected p50 %v p90 %v for a 1 ms server; want p50 1-4 ms, p90 under 10 ms (not the 20 ms between sends)", p50, p90)
	}
}

// Several loops share one schedule and split the connections: every
// scheduled send is made once, each connection is used, nothing leaks.
func TestLoopSeveralLoops(t *testing.T) {
	raw, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), 0)
	before := openFDs(t)
	p, _ := load.NewConstant(1000, time.Second)
	res := runPlan(t, context.Background(), load.Plan{
		Dialer: newClient(t, http1.Config{}, raw), Connections: 7, Loops: 3, Driver: load.DriverEventLoop,
		Pacer: p, Duration: time.Second,
	})
	if res.Errors != 0 || res.Requests+res.Dropped != 1000 || res.Requests < 900 {
		t.Errorf("%d requests, %d dropped, errors %v; want 1000 scheduled, nearly all sent", res.Requests, res.Dropped, res.ErrorKinds)
	}
	if c := conns.Load(); c != 7 {
		t.Errorf("%d connections opened, want 7", c)
	}
	var sum int64
	for _, iv := range res.Timeline {
		sum += iv.Requests
	}
	if sum != res.Requests {
		t.Errorf("timeline counts %d requests, result %d", sum, res.Requests)
	}
	if after := settledFDs(t, before); after > before {
		t.Errorf("%d file descriptors open after the run, %d before", after, before)
	}
}

// settledFDs waits up to 2 s for the descriptor count to fall to want
// (the in-process server closes its side of each connection a moment after
// the client does) and returns it.
func settledFDs(t *testing.T, want int) int {
	t.Helper()
	n := openFDs(t)
	for deadline := time.Now().Add(2 * time.Second); n > want && time.Now().Before(deadline); n = openFDs(t) {
		time.Sleep(10 * time.Millisecond)
	}
	return n
}
