package http1

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
)

// scripted is a net.Conn that serves a fixed byte stream in reads of at
// most chunk bytes, then io.EOF; writes are accepted and dropped.
type scripted struct {
	data  []byte
	chunk int
}

func (s *scripted) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), s.chunk, len(s.data))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}
func (s *scripted) Write(p []byte) (int, error)      { return len(p), nil }
func (s *scripted) Close() error                     { return nil }
func (s *scripted) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (s *scripted) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (s *scripted) SetDeadline(time.Time) error      { return nil }
func (s *scripted) SetReadDeadline(time.Time) error  { return nil }
func (s *scripted) SetWriteDeadline(time.Time) error { return nil }

// newScripted returns a conn reading stream in chunks, with a read buffer
// of bufSize.
func newScripted(t testing.TB, method, stream string, chunk, bufSize int) *conn {
	u, _ := url.Parse("http://example.test/")
	c, err := New(Config{URL: u, Method: method, ReadBuffer: bufSize})
	if err != nil {
		t.Fatal(err)
	}
	cn := c.Conn(context.Background()).(*conn)
	cn.nc.Conn = &scripted{data: []byte(stream), chunk: chunk}
	return cn
}

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name   string
		method string
		stream string
		status int
		bytes  int64
		keep   bool
		kind   string // expected error kind, "" for none
	}{
		{"content-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, 43, true, ""},
		{"header names any case", "GET", "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 2\r\n\r\nhi", 200, 40, true, ""},
		{"chunked with extension and trailer", "GET",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", 200, 82, true, ""},
		{"connection close", "GET", "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 503, 59, false, ""},
		{"HTTP/1.0 closes by default", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, 39, false, ""},
		{"HTTP/1.0 keep-alive", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\nx", 200, 63, true, ""},
		{"body to EOF", "GET", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 200, 32, false, ""},
		{"HEAD has no body", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 200, 41, true, ""},
		{"204 has no body", "GET", "HTTP/1.1 204 No Content\r\n\r\n", 204, 27, true, ""},
		{"100 continue then 200", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, 63, true, ""},
		{"status without reason", "GET", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 404, 35, true, ""},
		{"garbage", "GET", "SSH-2.0-OpenSSH\r\n\r\n", 0, 0, false, load.KindProtocol},
		{"bad status code", "GET", "HTTP/1.1 2x0 OK\r\n\r\n", 0, 0, false, load.KindProtocol},
		{"bad content-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0, false, load.KindProtocol},
		{"conflicting content-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", 0, 0, false, load.KindProtocol},
		{"bad chunk size", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 0, false, load.KindProtocol},
		{"header line without colon", "GET", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", 0, 0, false, load.KindProtocol},
		{"truncated body", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 0, false, load.KindReset},
		{"truncated head", "GET", "HTTP/1.1 200 OK\r\nContent-Le", 0, 0, false, load.KindReset},
		{"nothing", "GET", "", 0, 0, false, load.KindReset},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 7, 4096} { // byte by byte, odd splits, whole
			c := newScripted(t, tc.method, tc.stream, chunk, 4096)
			resp, keep, err := c.readResponse()
			if tc.kind != "" {
				if k := load.Classify(err); k != tc.kind {
					t.Errorf("%s (chunk %d): error %v of kind %q, want kind %q", tc.name, chunk, err, k, tc.kind)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s (chunk %d): %v", tc.name, chunk, err)
				continue
			}
			if resp.Status != tc.status || resp.Bytes != tc.bytes || keep != tc.keep {
				t.Errorf("%s (chunk %d): status %d bytes %d keep %v; want %d %d %v",
					tc.name, chunk, resp.Status, resp.Bytes, keep, tc.status, tc.bytes, tc.keep)
			}
		}
	}
}

// Keep-alive: several responses back to back on one connection, with a
// buffer small enough that bodies and heads straddle reads and compaction.
func TestPipelinedResponsesSmallBuffer(t *testing.T) {
	one := "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("b", 100)
	c := newScripted(t, "GET", strings.Repeat(one, 50), 13, 64)
	for i := range 50 {
		resp, keep, err := c.readResponse()
		if err != nil || resp.Status != 200 || resp.Bytes != int64(len(one)) || !keep {
			t.Fatalf("response %d: %+v keep=%v err=%v", i, resp, keep, err)
		}
	}
}

func TestHeaderLargerThanBuffer(t *testing.T) {
	stream := "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 200) + "\r\n\r\n"
	c := newScripted(t, "GET", stream, 4096, 64)
	_, _, err := c.readResponse()
	if !errors.Is(err, load.ErrProtocol) || !strings.Contains(err.Error(), "read buffer") {
		t.Errorf("got %v, want a protocol error about the read buffer", err)
	}
}

func TestSerialize(t *testing.T) {
	u, _ := url.Parse("http://example.test:8080/a/b?x=1")
	c, err := New(Config{URL: u, Method: "POST", Body: []byte("hey"), UserAgent: "smp",
		Headers: map[string]string{"X-B": "2", "X-A": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "POST /a/b?x=1 HTTP/1.1\r\nHost: example.test:8080\r\nUser-Agent: smp\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 3\r\n\r\nhey"
	if got := string(c.Request()); got != want {
		t.Errorf("request:\n%q\nwant\n%q", got, want)
	}
	if c.Addr() != "example.test:8080" {
		t.Errorf("addr %q", c.Addr())
	}
	h, _ := url.Parse("https://example.test/")
	if c, _ := New(Config{URL: h}); c == nil || c.Addr() != "example.test:443" || c.tls == nil {
		t.Errorf("https: default port 443 and TLS expected")
	}
	for _, bad := range []string{"ftp://x/", "http:///nohost"} {
		u, _ := url.Parse(bad)
		if _, err := New(Config{URL: u}); err == nil {
			t.Errorf("New(%q): no error", bad)
		}
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 3)
	f.Add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 1)
	f.Add("HTTP/1.0 200 OK\r\n\r\nbody", 100)
	f.Add("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No\r\n\r\n", 5)
	f.Fuzz(func(t *testing.T, stream string, chunk int) {
		if chunk < 1 {
			chunk = 1
		}
		c := newScripted(t, "GET", stream, chunk%512+1, 256)
		for range 4 {
			resp, keep, err := c.readResponse()
			if err != nil {
				if load.Classify(err) == load.KindOther {
					t.Fatalf("unclassified error %v", err)
				}
				return
			}
			if resp.Bytes < 0 || resp.Bytes > int64(len(stream)) || resp.Status < 100 || resp.Status > 999 {
				t.Fatalf("impossible response %+v from %d bytes", resp, len(stream))
			}
			if c.r < 0 || c.r > c.w || c.w > len(c.buf) {
				t.Fatalf("buffer state r=%d w=%d", c.r, c.w)
			}
			if !keep {
				return
			}
		}
	})
}

// parseSplit feeds stream to a parser in pieces whose sizes come from cuts
// (cycled; none: all at once), the way a connection hands it what each read brought; at the
// end of stream it reports EOF. It returns the first response and how many
// bytes of stream it took.
func parseSplit(stream []byte, cuts []byte, head bool) (resp load.Response, keep bool, used int, err error) {
	var p parser
	p.reset(head)
	r, w := 0, 0 // stream[r:w] is handed over but not consumed
	for k := 0; ; k++ {
		n, done, ferr := p.feed(stream[r:w])
		r += n
		if ferr != nil {
			return p.resp, false, r, ferr
		}
		if done {
			return p.resp, p.keep, r, nil
		}
		if w == len(stream) {
			done, eerr := p.eof(w - r)
			if done {
				return p.resp, false, w, nil
			}
			return p.resp, false, r, eerr
		}
		step := len(stream) // no cuts: all at once
		if len(cuts) > 0 {
			step = int(cuts[k%len(cuts)])%97 + 1
		}
		w = min(len(stream), w+step)
	}
}

// Whatever the read sizes, the parser sees the same response: same status,
// size, keep-alive, error kind and bytes consumed as when it gets the whole
// stream at once.
func FuzzParserSplits(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1"), []byte{0, 3, 1})
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nT: 1\r\n\r\n"), []byte{1})
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nto the end"), []byte{2, 7})
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n"), []byte{5})
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		for _, head := range []bool{false, true} {
			r1, k1, u1, e1 := parseSplit(stream, nil, head)
			r2, k2, u2, e2 := parseSplit(stream, cuts, head)
			if (e1 == nil) != (e2 == nil) || load.Classify(e1) != load.Classify(e2) {
				t.Fatalf("head=%v: errors differ: %v / %v", head, e1, e2)
			}
			if e1 != nil {
				continue
			}
			if r1 != r2 || k1 != k2 || u1 != u2 {
				t.Fatalf("head=%v: %+v keep=%v used=%d vs %+v keep=%v used=%d", head, r1, k1, u1, r2, k2, u2)
			}
			if r1.Bytes != int64(u1) {
				t.Fatalf("head=%v: response counts %d bytes, consumed %d", head, r1.Bytes, u1)
			}
		}
	})
}
