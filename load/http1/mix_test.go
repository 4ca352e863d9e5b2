package http1

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// looping is a net.Conn that answers every write with the same response
// and records how many writes it got.
type looping struct {
	resp   []byte
	pend   []byte
	writes int
	last   []byte // the last write (not copied)
}

func (l *looping) Read(p []byte) (int, error) {
	if len(l.pend) == 0 {
		l.pend = l.resp
	}
	n := copy(p, l.pend)
	l.pend = l.pend[n:]
	return n, nil
}
func (l *looping) Write(p []byte) (int, error)      { l.writes++; l.last = p; return len(p), nil }
func (l *looping) Close() error                     { return nil }
func (l *looping) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (l *looping) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (l *looping) SetDeadline(time.Time) error      { return nil }
func (l *looping) SetReadDeadline(time.Time) error  { return nil }
func (l *looping) SetWriteDeadline(time.Time) error { return nil }

func mixClient(t testing.TB, seed uint64, vs ...Variant) *Client {
	t.Helper()
	u, _ := url.Parse("http://example.test/base")
	c, err := New(Config{URL: u, Variants: vs, Seed: seed, UserAgent: "smp", Headers: map[string]string{"X-Common": "1", "x-over": "common"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// picked returns the request lines and body sizes of the next n picks of
// connection conn.
func picked(c *Client, conn uint64, n int) []string {
	p := newPicks(c.seed, conn)
	out := make([]string, n)
	for i := range out {
		s := c.mix.pick(&p)
		line, _, _ := strings.Cut(string(s.req), "\r\n")
		out[i] = line + " " + strconv.Itoa(bodyLen(s))
	}
	return out
}

func bodyLen(s *slot) int {
	if s.body != nil {
		return len(s.body)
	}
	_, body, _ := bytes.Cut(s.req, []byte("\r\n\r\n"))
	return len(body)
}

// TestMixWeights checks that picks follow the weights: over 60000 picks,
// each variant's share is within 4 standard deviations of its weight's.
func TestMixWeights(t *testing.T) {
	c := mixClient(t, 1,
		Variant{Weight: 6, Target: "/a"},
		Variant{Weight: 3, Target: "/b"},
		Variant{Weight: 0.5, Target: "/c"},
		Variant{Weight: 0.5, Target: "/d"})
	const n = 60000
	count := map[string]int{}
	for _, p := range picked(c, 0, n) {
		count[strings.Fields(p)[1]]++
	}
	for _, w := range []struct {
		target string
		share  float64
	}{{"/a", 0.6}, {"/b", 0.3}, {"/c", 0.05}, {"/d", 0.05}} {
		sd := math.Sqrt(n * w.share * (1 - w.share))
		if got := float64(count[w.target]); math.Abs(got-n*w.share) > 4*sd {
			t.Errorf("%s picked %v times, want %v ± %.0f", w.target, got, n*w.share, 4*sd)
		}
	}
}

// TestMixDeterministic checks that a seed fixes each connection's
// sequence, and that connections and seeds differ.
func TestMixDeterministic(t *testing.T) {
	vs := []Variant{{Weight: 1, Target: "/a"}, {Weight: 1, Target: "/b", Method: "POST", Sizes: SizeDist{Type: SizeUniform, Min: 0, Max: 1000}}}
	a, b, other := mixClient(t, 7, vs...), mixClient(t, 7, vs...), mixClient(t, 8, vs...)
	if !slices.Equal(picked(a, 0, 200), picked(b, 0, 200)) {
		t.Error("same seed, same connection: sequences differ")
	}
	if slices.Equal(picked(a, 0, 200), picked(a, 1, 200)) {
		t.Error("connections 0 and 1: same sequence")
	}
	if slices.Equal(picked(a, 0, 200), picked(other, 0, 200)) {
		t.Error("seeds 7 and 8: same sequence")
	}
	// Conns are numbered in the order they are made.
	c0 := a.Conn(context.Background()).(*conn)
	c1 := a.Conn(context.Background()).(*conn)
	if c0.picks != newPicks(7, 0) || c1.picks != newPicks(7, 1) {
		t.Error("Conn does not number its pick sequences 0, 1, ...")
	}
}

// TestMixSizes checks the body size tables of each distribution.
func TestMixSizes(t *testing.T) {
	tests := []struct {
		name       string
		d          SizeDist
		lo, hi     int64   // every size within
		median     float64 // want the table's median within 15% (0: skip)
		maxDistinc int     // at most this many distinct sizes
	}{
		{"fixed", SizeDist{Type: SizeFixed, Min: 300}, 300, 300, 300, 1},                                                              // one size
		{"uniform", SizeDist{Type: SizeUniform, Min: 100, Max: 200}, 100, 200, 150, 101},                                              // inclusive bounds
		{"uniform one value", SizeDist{Type: SizeUniform, Min: 5, Max: 5}, 5, 5, 5, 1},                                                // min = max
		{"lognormal", SizeDist{Type: SizeLognormal, Median: 2048, Sigma: 1}, 0, MaxBodySize, 2048, sizeTableLen},                      // median as asked
		{"lognormal clamped", SizeDist{Type: SizeLognormal, Median: 1000, Sigma: 3, Min: 500, Max: 2000}, 500, 2000, 0, sizeTableLen}, // clamp
	}
	for _, tc := range tests {
		sizes, err := tc.d.table(3, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(sizes) != sizeTableLen {
			t.Fatalf("%s: %d sizes", tc.name, len(sizes))
		}
		s := slices.Sorted(slices.Values(sizes))
		if s[0] < tc.lo || s[len(s)-1] > tc.hi {
			t.Errorf("%s: sizes from %d to %d, want within [%d, %d]", tc.name, s[0], s[len(s)-1], tc.lo, tc.hi)
		}
		if med := float64(s[len(s)/2]); tc.median > 0 && math.Abs(med-tc.median) > 0.15*tc.median {
			t.Errorf("%s: median %v, want %v", tc.name, med, tc.median)
		}
		if d := len(slices.Compact(s)); d > tc.maxDistinc {
			t.Errorf("%s: %d distinct sizes, want at most %d", tc.name, d, tc.maxDistinc)
		}
	}
	for _, bad := range []SizeDist{
		{Type: "pareto"},                                     // unknown
		{Type: SizeUniform, Min: 10, Max: 5},                 // max < min
		{Type: SizeLognormal, Median: 0, Sigma: 1},           // no median
		{Type: SizeLognormal, Median: 10, Sigma: math.NaN()}, // no sigma
		{Type: SizeFixed, Min: -1},                           // negative
	} {
		if _, err := bad.table(1, 0); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestMixSerialize checks each variant's wire form: method, target,
// merged headers, Content-Length and body; HEAD marks its slot.
func TestMixSerialize(t *testing.T) {
	c := mixClient(t, 1,
		Variant{Weight: 1, Method: "HEAD", Headers: map[string]string{"X-Over": "mine"}},
		Variant{Weight: 1, Method: "POST", Target: "/p?q=1", Body: []byte("hey")},
		Variant{Weight: 1, Method: "PUT", Target: "/u", Sizes: SizeDist{Type: SizeUniform, Min: 10, Max: 12}})
	want := "HEAD /base HTTP/1.1\r\nHost: example.test\r\nUser-Agent: smp\r\nX-Common: 1\r\nX-Over: mine\r\n\r\n"
	if s := c.mix.variants[0].slots[0]; string(s.req) != want || !s.head {
		t.Errorf("variant 0: %q head=%v\nwant %q", s.req, s.head, want)
	}
	if string(c.Request()) != want {
		t.Errorf("Request() = %q, want the first variant's", c.Request())
	}
	want = "POST /p?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: smp\r\nX-Common: 1\r\nx-over: common\r\nContent-Length: 3\r\n\r\nhey"
	if s := c.mix.variants[1].slots[0]; string(s.req) != want || s.head {
		t.Errorf("variant 1: %q\nwant %q", s.req, want)
	}
	if got := c.Variants(); !slices.Equal(got, []int{1, 1, 3}) {
		t.Errorf("Variants() = %v, want [1 1 3] (sizes 10, 11, 12)", got)
	}
	for _, s := range c.mix.variants[2].slots {
		cl := "Content-Length: " + strconv.Itoa(bodyLen(&s)) + "\r\n"
		if !strings.Contains(string(s.req), cl) || !strings.HasPrefix(string(s.req), "PUT /u ") {
			t.Errorf("variant 2 slot %q: want %q", s.req, cl)
		}
	}
}

// TestMixLargeBodies checks that past the inline budget, requests keep
// their header block and write their body from the shared filler.
func TestMixLargeBodies(t *testing.T) {
	u, _ := url.Parse("http://example.test/")
	m, err := newMix(u, []Variant{{Weight: 1, Method: "POST", Sizes: SizeDist{Type: SizeUniform, Min: 1000, Max: 5000}}}, nil, "", 1, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	split := 0
	for _, s := range m.variants[0].slots {
		if s.body == nil {
			continue
		}
		split++
		if strings.Contains(string(s.req), "xxx") || !strings.Contains(string(s.req), "Content-Length: "+strconv.Itoa(len(s.body))+"\r\n") || strings.Trim(string(s.body), "x") != "" {
			t.Fatalf("split slot: head %q, body of %d", s.req, len(s.body))
		}
	}
	if split == 0 || split == len(m.variants[0].slots) {
		t.Errorf("%d of %d slots split; want some inline, some split", split, len(m.variants[0].slots))
	}
}

func TestMixRejects(t *testing.T) {
	u, _ := url.Parse("http://example.test/")
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero weight", Config{URL: u, Variants: []Variant{{Weight: 0}}}},                                                                 // weights are > 0
		{"NaN weight", Config{URL: u, Variants: []Variant{{Weight: math.NaN()}}}},                                                         // not a number
		{"method with variants", Config{URL: u, Method: "POST", Variants: []Variant{{Weight: 1}}}},                                        // each variant has its own
		{"bad method", Config{URL: u, Variants: []Variant{{Weight: 1, Method: "GE T"}}}},                                                  // not a token
		{"bad target", Config{URL: u, Variants: []Variant{{Weight: 1, Target: "/a b"}}}},                                                  // space
		{"header injection", Config{URL: u, Variants: []Variant{{Weight: 1, Headers: map[string]string{"X": "a\r\nY: b"}}}}},              // CRLF
		{"body and sizes", Config{URL: u, Variants: []Variant{{Weight: 1, Body: []byte("x"), Sizes: SizeDist{Type: SizeFixed, Min: 1}}}}}, // both
	}
	for _, tc := range tests {
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// mixConn returns a conn of a mix client wired to a looping server.
func mixConn(t testing.TB) (*conn, *looping) {
	c := mixClient(t, 5,
		Variant{Weight: 3, Target: "/a"},
		Variant{Weight: 1, Method: "HEAD", Target: "/h"},
		Variant{Weight: 1, Method: "POST", Target: "/p", Sizes: SizeDist{Type: SizeLognormal, Median: 512, Sigma: 1}})
	cn := c.Conn(context.Background()).(*conn)
	l := &looping{resp: []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")}
	cn.nc.Conn = l
	return cn, l
}

// TestMixDoNoAlloc checks that a request of a mix allocates nothing, and
// that HEAD variants are read as HEAD.
func TestMixDoNoAlloc(t *testing.T) {
	cn, l := mixConn(t)
	deadline := time.Now().Add(time.Hour)
	heads := 0
	for range 200 {
		if _, err := cn.Do(deadline); err != nil {
			t.Fatal(err)
		}
		if cn.head != strings.HasPrefix(string(l.last), "HEAD ") {
			t.Fatalf("head = %v for %q", cn.head, l.last)
		}
		if cn.head {
			heads++
		}
	}
	if heads == 0 {
		t.Error("no HEAD variant picked in 200 requests")
	}
	if a := testing.AllocsPerRun(500, func() { _, _ = cn.Do(deadline) }); a != 0 {
		t.Errorf("%v allocations per request of a mix", a)
	}
}

func BenchmarkDoMix(b *testing.B) {
	cn, _ := mixConn(b)
	deadline := time.Now().Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cn.Do(deadline); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoSingle(b *testing.B) {
	u, _ := url.Parse("http://example.test/")
	c, _ := New(Config{URL: u})
	cn := c.Conn(context.Background()).(*conn)
	cn.nc.Conn = &looping{resp: []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")}
	deadline := time.Now().Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cn.Do(deadline); err != nil {
			b.Fatal(err)
		}
	}
}
