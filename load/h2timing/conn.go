// Package h2timing times one HTTP/2 request's wait for its response from
// beneath the HTTP/2 library (golang.org/x/net/http2 for load/http2,
// grpc-go for load/grpc), by following the frames on the connection that
// carries it. Neither library says when a request's last frame went to the
// kernel: both write from a goroutine of their own.
//
// Conn measures from the start of the write call that completes the frame
// ending the request (HEADERS or DATA carrying END_STREAM, on a stream) to
// the return of the read that brought the first byte of the response: the
// first HEADERS frame of a stream from the server (a 1xx counts). The
// connection's own frames (SETTINGS and their acknowledgements,
// WINDOW_UPDATE, PING) are passed over: a server acknowledges the client's
// settings before it answers, and a plain "first read after the last
// write" would time that instead.
//
// Why the start of that write and not its return: the writer is not the
// reader, and on loopback the kernel delivers the request to the server
// within the write call, so a fast server's answer can be read before the
// writer's call has returned, and a wait timed from the return would come
// out negative (a few percent of requests to an in-process server on a
// busy two-core machine). Timed from the start, the wait is never below
// the true one and includes the one write call (microseconds, plus the TLS
// encryption of that record with TLS).
//
// Conn is meant for a connection that carries one request (a connection
// per request); it times the first request that ends on it.
package h2timing

import (
	"encoding/binary"
	"net"
	"sync"
	"time"
)

// HTTP/2 framing (RFC 9113 §4.1), as far as Conn follows it.
const (
	frameHeaderLen = 9
	frameData      = 0x0
	frameHeaders   = 0x1
	flagEndStream  = 0x1
	// PrefaceLen is the length of the client connection preface, which
	// precedes the client's first frame.
	PrefaceLen = len("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
)

// Conn wraps the client side of an HTTP/2 connection (above TLS, where the
// frames are readable) and times its first request's wait for the
// response. The HTTP/2 library reads and writes it from goroutines of its
// own: the state is locked.
type Conn struct {
	net.Conn
	mu           sync.Mutex
	out, in      frames
	wrote, first time.Time // zero until seen
}

// New wraps c, on which the client has written nothing yet.
func New(c net.Conn) *Conn {
	t := &Conn{Conn: c}
	t.out.skip = PrefaceLen
	return t
}

// Write implements net.Conn.
func (t *Conn) Write(p []byte) (int, error) {
	start := time.Now()
	n, err := t.Conn.Write(p)
	if n > 0 {
		t.mu.Lock()
		if t.wrote.IsZero() && t.out.wrote(p[:n]) {
			t.wrote = start
		}
		t.mu.Unlock()
	}
	return n, err
}

// Read implements net.Conn.
func (t *Conn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	if n > 0 {
		now := time.Now()
		t.mu.Lock()
		if t.first.IsZero() {
			if at, ok := t.in.read(p[:n], now); ok {
				t.first = at
			}
		}
		t.mu.Unlock()
	}
	return n, err
}

// FirstByte is the request's time to first byte; ok is false until both
// the end of the request and the start of its response have been seen,
// and when the response began before the request's last write did (a
// server that answers before reading the whole request). Call it once the
// response has been read.
func (t *Conn) FirstByte() (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.wrote.IsZero() || t.first.IsZero() || t.first.Before(t.wrote) {
		return 0, false
	}
	return t.first.Sub(t.wrote), true
}

// frames follows the frame boundaries of one direction of an HTTP/2
// connection, fed the bytes in any pieces.
type frames struct {
	skip int                  // bytes still to pass: a frame's payload, or the client preface
	hdr  [frameHeaderLen]byte // the frame header being assembled
	n    int                  // bytes of hdr seen
	at   time.Time            // when hdr's first byte was read
	end  bool                 // the frame being passed ends a stream
}

// header decodes the whole hdr and passes over its payload next.
func (f *frames) header() (typ, flags byte, stream uint32) {
	f.n = 0
	f.skip = int(f.hdr[0])<<16 | int(f.hdr[1])<<8 | int(f.hdr[2])
	return f.hdr[3], f.hdr[4], binary.BigEndian.Uint32(f.hdr[5:]) &^ (1 << 31)
}

// pass passes over up to len(p) bytes of what is to skip and returns the
// rest of p; it reports whether that completed a frame ending a stream.
func (f *frames) pass(p []byte) ([]byte, bool) {
	k := min(f.skip, len(p))
	f.skip -= k
	if f.skip == 0 && f.end {
		f.end = false
		return p[k:], true
	}
	return p[k:], false
}

// wrote follows p, written by the client, and reports whether it
// completed a frame that ends a stream.
func (f *frames) wrote(p []byte) bool {
	done := false
	for len(p) > 0 {
		if f.skip > 0 {
			var ended bool
			p, ended = f.pass(p)
			done = done || ended
			continue
		}
		k := copy(f.hdr[f.n:], p)
		f.n += k
		p = p[k:]
		if f.n < frameHeaderLen {
			break
		}
		typ, flags, stream := f.header()
		if stream != 0 && flags&flagEndStream != 0 && (typ == frameData || typ == frameHeaders) {
			f.end = true
			if f.skip == 0 {
				f.end, done = false, true
			}
		}
	}
	return done
}

// read follows p, read by the client at now. When p completes the header
// of the first HEADERS frame of a stream, it returns when that header's
// first byte was read.
func (f *frames) read(p []byte, now time.Time) (time.Time, bool) {
	for len(p) > 0 {
		if f.skip > 0 {
			p, _ = f.pass(p)
			continue
		}
		if f.n == 0 {
			f.at = now
		}
		k := copy(f.hdr[f.n:], p)
		f.n += k
		p = p[k:]
		if f.n < frameHeaderLen {
			break
		}
		if typ, _, stream := f.header(); typ == frameHeaders && stream != 0 {
			return f.at, true
		}
	}
	return time.Time{}, false
}
