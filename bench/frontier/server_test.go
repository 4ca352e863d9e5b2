package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for this program's server
// process (startServer runs SELF -serve NAME).
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "-serve" {
		if err := runServer(context.Background(), os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// send makes n GET requests to url from conns keep-alive connections
// with net/http's client, and fails t on any error or non-200 response.
func send(t *testing.T, url string, n, conns int) {
	t.Helper()
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range conns {
		wg.Go(func() {
			for i := w; i < n; i += conns {
				resp, err := c.Get(url)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(body) != responseBody {
					errs <- fmt.Errorf("status %d body %q err %v", resp.StatusCode, body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestServersCount sends a known number of requests to each server and
// checks that it counted and timestamped exactly those.
func TestServersCount(t *testing.T) {
	t.Parallel()
	for _, s := range servers() {
		t.Run(s.name(), func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			rec := newRecorder()
			rec.arm(10_000)
			done := make(chan error, 1)
			go func() { done <- s.serve(ctx, ln, rec) }()
			const n = 1234
			send(t, "http://"+ln.Addr().String()+"/", n, 4)
			ts, got, lost := rec.take()
			if got != n || len(ts) != n || lost != 0 {
				t.Errorf("counted %d, timestamped %d, lost %d; want %d, %d, 0", got, len(ts), lost, n, n)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// TestRawPipelined sends requests pipelined in one write and split across
// writes: the raw server must count and answer each.
func TestRawPipelined(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	rec.arm(2) // fewer than will come: the rest counted as lost
	go func() { _ = rawServer{}.serve(t.Context(), ln, rec) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	br := bufio.NewReader(c)
	readResponses := func(k int) {
		for range k {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != responseBody {
				t.Fatalf("status %d body %q", resp.StatusCode, body)
			}
		}
	}
	if _, err := io.WriteString(c, strings.Repeat(req, 3)); err != nil {
		t.Fatal(err)
	}
	readResponses(3)
	for _, piece := range []string{req[:len(req)-2], req[len(req)-2:]} {
		if _, err := io.WriteString(c, piece); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // let the server read the piece alone
	}
	readResponses(1)
	ts, n, lost := rec.take()
	if n != 4 || len(ts) != 2 || lost != 2 {
		t.Errorf("counted %d, timestamped %d, lost %d; want 4, 2, 2", n, len(ts), lost)
	}
}

// TestControl drives the server process's protocol in process: arm, a
// known number of requests, stats; then bad commands.
func TestControl(t *testing.T) {
	t.Parallel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	cpu := time.Duration(0)
	go func() {
		done <- control(t.Context(), rawServer{}, inR, outW, func() time.Duration { cpu += time.Millisecond; return cpu })
		_ = outW.Close()
	}()
	dec := json.NewDecoder(outR)
	next := func() reply {
		var r reply
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	addr := next().Addr
	if addr == "" {
		t.Fatal("no address first")
	}
	command := func(s string) reply {
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatal(err)
		}
		return next()
	}
	if r := command("arm 1000"); r.Error != "" {
		t.Fatal(r.Error)
	}
	send(t, "http://"+addr+"/", 300, 2)
	r := command(fmt.Sprintf("stats 0 %d", time.Millisecond))
	if r.Error != "" || r.Stats == nil {
		t.Fatalf("stats: %+v", r)
	}
	if r.Stats.Requests != 300 || r.Stats.Unrecorded != 0 || r.Stats.ServerCPU != int64(time.Millisecond) {
		t.Errorf("requests %d unrecorded %d server CPU %d; want 300, 0 and 1 ms (the fake clock's step)",
			r.Stats.Requests, r.Stats.Unrecorded, r.Stats.ServerCPU)
	}
	if r.Stats.ServerWall <= 0 {
		t.Errorf("server wall time %d ns, want > 0", r.Stats.ServerWall)
	}
	for _, bad := range []string{"arm x", "stats 0 0", "stats 1", "frobnicate"} {
		if r := command(bad); r.Error == "" {
			t.Errorf("%q: no error", bad)
		}
	}
	_ = inW.Close()
	if err := <-done; err != nil {
		t.Errorf("control: %v", err)
	}
}

// TestRunOne runs the server as a child process (this test binary) and a
// stand-in generator that sends a known number of requests, and checks
// what one run reports.
func TestRunOne(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(t.Context(), self, "0", "raw")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	const n = 500
	b := &bench{
		o:   options{duration: time.Second, warmup: 0, window: time.Millisecond, conns: 2},
		srv: srv, url: "http://" + srv.addr + "/",
		exec: func(_ context.Context, _ string, argv ...string) (time.Duration, error) {
			send(t, argv[0], n, 2)
			return 5 * time.Millisecond, nil
		},
	}
	r, err := b.runOne(t.Context(), fakeGen{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if r.failed != "" || r.e.Requests != n || r.cpuPerReq() != 10 {
		t.Errorf("failed %q, requests %d, CPU %.2f µs/req; want none, %d, 10 (5 ms / %d)", r.failed, r.e.Requests, r.cpuPerReq(), n, n)
	}
	// A generator that fails makes a failed run, not an error.
	b.exec = func(context.Context, string, ...string) (time.Duration, error) { return 0, fmt.Errorf("exit status 2") }
	if r, err := b.runOne(t.Context(), fakeGen{}, 1000); err != nil || !strings.Contains(r.failed, "exit status 2") {
		t.Errorf("failing generator: result %+v, err %v; want a failed run", r, err)
	}
}

// fakeGen's command is just the URL, for a stand-in exec.
type fakeGen struct{}

func (fakeGen) name() string    { return "fake" }
func (fakeGen) setting() string { return "" }
func (fakeGen) command(url string, _, _ int, _ time.Duration) ([]string, string) {
	return []string{url}, ""
}
