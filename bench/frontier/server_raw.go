package main

import (
	"context"
	"errors"
	"net"
)

// response is what both servers answer to every request.
const (
	responseBody = "hello, benchmark\n"
	rawResponse  = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\n" + responseBody
)

// rawServer is a minimal HTTP/1.1 keep-alive responder over TCP: it counts
// a request at each end of headers (CRLF CRLF) and answers each with one
// fixed 200 response, all of one read's requests in one write. It reads no
// request bodies, which is enough for the generators' GETs and leaves the
// server the least work per request.
type rawServer struct{}

var _ server = rawServer{}

func (rawServer) name() string { return "raw" }

func (rawServer) serve(ctx context.Context, ln net.Listener, rec *recorder) error {
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() }) // closing is how Accept is stopped
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go rawConn(ctx, c, rec)
	}
}

// rawConn serves one connection until the client closes it or ctx ends.
func rawConn(ctx context.Context, c net.Conn, rec *recorder) {
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	defer c.Close()
	buf := make([]byte, 16<<10)
	out := make([]byte, 0, 64*len(rawResponse))
	var st endOfHeaders
	for {
		n, err := c.Read(buf)
		if k := st.scan(buf[:n]); k > 0 {
			rec.add(k)
			out = out[:0]
			for range k {
				out = append(out, rawResponse...)
			}
			if _, werr := c.Write(out); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// endOfHeaders finds request ends (CRLF CRLF) in a byte stream read in
// pieces: its value is how much of the terminator the last piece ended
// with (0 to 3 bytes).
type endOfHeaders int

// scan returns how many request ends p completes.
func (s *endOfHeaders) scan(p []byte) int {
	k, st := 0, *s
	for _, c := range p {
		switch {
		case c == '\r' && (st == 0 || st == 2):
			st++
		case c == '\n' && st == 1:
			st = 2
		case c == '\n' && st == 3:
			k, st = k+1, 0
		case c == '\r':
			st = 1
		default:
			st = 0
		}
	}
	*s = st
	return k
}
