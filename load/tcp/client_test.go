package tcp_test

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/tcp"
	"github.com/smp-dev/smp/target"
)

func startEcho(t *testing.T) *target.Echo {
	t.Helper()
	e, err := target.StartEcho(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func client(t *testing.T, cfg tcp.Config) *tcp.Client {
	t.Helper()
	c, err := tcp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEcho(t *testing.T) {
	e := startEcho(t)
	tests := []struct {
		name    string
		size    int
		newConn bool
	}{
		{"one byte", 1, false},                    // the smallest payload
		{"1KiB", 1024, false},                     // a typical one
		{"256KiB", 256 << 10, false},              // larger than the read buffer and socket buffers: written while read
		{"new connection", 100, true},             // a connection per request, connects timed
		{"new connection large", 100 << 10, true}, // the same, large
	}
	for _, tt := range tests {
		for _, drv := range []string{load.DriverEventLoop, load.DriverUring, load.DriverGoroutines} {
			loop := drv != load.DriverGoroutines
			if tt.newConn && loop {
				continue // the event loop keeps connections alive
			}
			if loop && runtime.GOOS != "linux" {
				continue // the event loop is linux-only
			}
			t.Run(tt.name+"/"+drv, func(t *testing.T) {
				c := client(t, tcp.Config{Addr: e.Addr(), PayloadSize: tt.size, NewConnection: tt.newConn})
				res, err := load.Run(context.Background(), load.Plan{
					Dialer: c, Connections: 2, Duration: 250 * time.Millisecond,
					Warmup: 50 * time.Millisecond, Timeout: 2 * time.Second, Driver: drv,
				})
				if err != nil {
					t.Fatal(err)
				}
				if drv == load.DriverUring && strings.HasPrefix(res.Driver, load.DriverEventLoop+" (io_uring unavailable") {
					t.Skipf("io_uring unavailable on this machine: driver %q", res.Driver)
				}
				if res.Driver != drv {
					t.Fatalf("driver %s ran, want %s", res.Driver, drv)
				}
				if res.Requests == 0 || res.Errors != 0 || res.StatusCodes[0] != res.Requests || res.BytesReceived != int64(tt.size)*res.Requests {
					t.Fatalf("requests %d, errors %v, statuses %v, bytes %d", res.Requests, res.ErrorKinds, res.StatusCodes, res.BytesReceived)
				}
				timed := res.ConnectTime != nil && res.ConnectTime.Count() == res.Requests && res.ConnectTime.Min() > 0
				if timed != tt.newConn || res.TLSHandshake != nil {
					t.Errorf("connect %v, handshake %v for %d requests; want connects timed: %v", res.ConnectTime, res.TLSHandshake, res.Requests, tt.newConn)
				}
				// The echo's first byte is timed with a connection per
				// request, unless the payload is written while read.
				wantFB := tt.newConn && tt.size <= tcp.FirstByteMax
				fb := res.FirstByte != nil && res.FirstByte.Count() == res.Requests && res.FirstByte.Min() > 0
				if fb != wantFB || (!wantFB && res.FirstByte != nil) {
					t.Errorf("firstByte %v for %d requests; want one each: %v", res.FirstByte, res.Requests, wantFB)
				}
			})
		}
	}
}

// badServer answers each connection with serve.
func badServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return ln.Addr().String()
}

// TestFirstByte times the echo of a server that holds each piece it
// reads for 20ms: the wait must hold the delay and leave out the connect.
func TestFirstByte(t *testing.T) {
	const delay = 20 * time.Millisecond
	addr := badServer(t, func(c net.Conn) {
		b := make([]byte, 4096)
		for {
			n, err := c.Read(b)
			if err != nil {
				return
			}
			time.Sleep(delay) // the server's service time: what the test measures
			if _, err := c.Write(b[:n]); err != nil {
				return
			}
		}
	})
	c := client(t, tcp.Config{Addr: addr, PayloadSize: 100, NewConnection: true})
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: c, Connections: 2, Duration: 300 * time.Millisecond,
		Warmup: 50 * time.Millisecond, Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	fb, ct := res.FirstByte, res.ConnectTime
	if res.Requests == 0 || res.Errors != 0 || fb == nil || fb.Count() != res.Requests || ct == nil || ct.Count() != res.Requests {
		t.Fatalf("requests %d, errors %v, firstByte %v, connectTime %v; want a first byte and a connect each", res.Requests, res.ErrorKinds, fb, ct)
	}
	if fb.Min() < delay || fb.Quantile(50) > delay+15*time.Millisecond {
		t.Errorf("firstByte min %v p50 %v; want at least the %v delay, and not much more", fb.Min(), fb.Quantile(50), delay)
	}
	if ct.Quantile(50) > delay/4 {
		t.Errorf("connectTime p50 %v; want well below the %v delay", ct.Quantile(50), delay)
	}
	// Each latency holds its connect and then its wait: so do the means.
	if lat := res.Uncorrected.Mean(); lat+lat/100 < ct.Mean()+fb.Mean() {
		t.Errorf("latency mean %v below connect %v + firstByte %v", lat, ct.Mean(), fb.Mean())
	}
	t.Logf("firstByte p50 %v, connect p50 %v, latency p50 %v", fb.Quantile(50), ct.Quantile(50), res.Uncorrected.Quantile(50))
	// Keep-alive conns do not time: their responses measure nothing.
	cn := client(t, tcp.Config{Addr: addr, PayloadSize: 1}).Conn(context.Background())
	defer cn.Close()
	if resp, err := cn.Do(time.Now().Add(5 * time.Second)); err != nil || resp.Bytes != 1 || resp.Connect != 0 || resp.FirstByte != 0 {
		t.Errorf("keep-alive echo: %+v, %v; want 1 byte and nothing timed", resp, err)
	}
}

func TestEchoErrors(t *testing.T) {
	tests := []struct {
		name  string
		serve func(net.Conn)
		kind  string
	}{
		// Bytes other than those sent.
		{"different", func(c net.Conn) {
			b := make([]byte, 10)
			for {
				if _, err := c.Read(b); err != nil {
					return
				}
				c.Write([]byte("0123456789"))
			}
		}, load.KindProtocol},
		// Half the echo, then the connection closes.
		{"short", func(c net.Conn) {
			b := make([]byte, 10)
			if n, _ := c.Read(b); n > 0 {
				c.Write(b[:n/2])
			}
		}, load.KindReset},
		// No echo at all.
		{"silent", func(c net.Conn) { time.Sleep(time.Second) }, load.KindTimeout}, // a server that never answers
	}
	for _, tt := range tests {
		c := client(t, tcp.Config{Addr: badServer(t, tt.serve), PayloadSize: 10})
		cn := c.Conn(context.Background())
		_, err := cn.Do(time.Now().Add(200 * time.Millisecond))
		cn.Close()
		if got := load.Classify(err); got != tt.kind {
			t.Errorf("%s: %v classified %q, want %q", tt.name, err, got, tt.kind)
		}
		if runtime.GOOS != "linux" {
			continue // the event loop is linux-only
		}
		// The same through the event loop: every request fails so.
		res, err := load.Run(context.Background(), load.Plan{
			Dialer: c, Connections: 1, Duration: 300 * time.Millisecond,
			Timeout: 100 * time.Millisecond, Driver: load.DriverEventLoop,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests == 0 || res.ErrorKinds[tt.kind] != res.Requests {
			t.Errorf("%s, event loop: %d requests, errors %v; want every one %q", tt.name, res.Requests, res.ErrorKinds, tt.kind)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []tcp.Config{
		{Addr: "127.0.0.1", PayloadSize: 1},                    // no port
		{Addr: ":80", PayloadSize: 1},                          // no host
		{Addr: "127.0.0.1:1", PayloadSize: 0},                  // empty payload
		{Addr: "127.0.0.1:1", PayloadSize: tcp.MaxPayload + 1}, // too large
	} {
		if _, err := tcp.New(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestDoNoAlloc(t *testing.T) {
	e := startEcho(t)
	cn := client(t, tcp.Config{Addr: e.Addr(), PayloadSize: 512}).Conn(context.Background())
	defer cn.Close()
	deadline := time.Now().Add(time.Minute)
	if _, err := cn.Do(deadline); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() {
		if _, err := cn.Do(deadline); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
}
