package target

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

func start(t *testing.T, o Options) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Wait() })
	return s
}

func get(t *testing.T, url string) (int, []byte, time.Duration) {
	t.Helper()
	begin := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, time.Since(begin)
}

func TestStatusRotationAndSize(t *testing.T) {
	s := start(t, Options{Size: 100, Statuses: []int{200, 503, 404}})
	want := []int{200, 503, 404, 200, 503}
	for i, w := range want {
		code, body, _ := get(t, s.URL())
		if code != w || len(body) != 100 {
			t.Errorf("request %d: status %d, %d bytes; want %d, 100", i, code, len(body), w)
		}
	}
	if s.Requests() != 5 {
		t.Errorf("Requests() = %d, want 5", s.Requests())
	}
}

func TestQueryOverrides(t *testing.T) {
	s := start(t, Options{Size: 10})
	code, body, took := get(t, s.URL()+"?delay=30ms&size=5000&status=201")
	if code != 201 || len(body) != 5000 || took < 30*time.Millisecond {
		t.Errorf("status %d, %d bytes, %v; want 201, 5000, >= 30ms", code, len(body), took)
	}
	for _, q := range []string{"?delay=fast", "?delay=-1s", "?size=-1", "?size=1e12", "?status=99", "?status=x"} {
		if code, _, _ := get(t, s.URL()+q); code != 400 {
			t.Errorf("%s: status %d, want 400", q, code)
		}
	}
}

func TestDelay(t *testing.T) {
	s := start(t, Options{Delay: 20 * time.Millisecond})
	_, _, took := get(t, s.URL())
	if took < 20*time.Millisecond || took > 200*time.Millisecond {
		t.Errorf("request took %v with a 20ms delay", took)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Delay: -1},                 // negative delay
		{Size: -1},                  // negative size
		{Size: MaxSize + 1},         // too large
		{Statuses: []int{200, 700}}, // not an HTTP status
		{Addr: "256.0.0.1:0"},       // cannot listen
	} {
		if s, err := Start(context.Background(), o); err == nil {
			s.Close()
			t.Errorf("Start(%+v): no error", o)
		}
	}
}

func TestStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error)
	go func() { done <- s.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Wait after cancel: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("server still running 2s after its context was cancelled")
	}
}

// A stall of 100 ms in every 400 ms holds the requests that arrive in it
// until it ends: sent every 10 ms over two periods, about a quarter wait
// (up to 100 ms), the rest answer at once.
func TestStall(t *testing.T) {
	s := start(t, Options{Stall: &Stall{For: 100 * time.Millisecond, Every: 400 * time.Millisecond}})
	var held int
	var longest time.Duration
	const n = 80
	next := time.Now()
	for range n {
		time.Sleep(time.Until(next))
		next = next.Add(10 * time.Millisecond)
		_, _, d := get(t, s.URL())
		if d > 20*time.Millisecond {
			held++
		}
		longest = max(longest, d)
		if now := time.Now(); next.Before(now) {
			next = now
		}
	}
	// Sends slip behind a held request, so the share is below 100/400.
	if held < 2 || held > n*45/100 {
		t.Errorf("%d of %d requests held, want about a quarter (sends slip while one is held)", held, n)
	}
	if longest < 50*time.Millisecond || longest > 400*time.Millisecond {
		t.Errorf("longest wait %v, want close to the 100ms stall", longest)
	}
	for _, bad := range []*Stall{{For: 0, Every: time.Second}, {For: time.Second, Every: time.Second}} {
		if _, err := Start(context.Background(), Options{Stall: bad}); err == nil {
			t.Errorf("stall %+v accepted", bad)
		}
	}
}
