package h2timing

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// frame is one HTTP/2 frame in wire form with a payload of n bytes.
func frame(typ, flags byte, stream uint32, n int) []byte {
	b := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags, byte(stream >> 24), byte(stream >> 16), byte(stream >> 8), byte(stream)}
	return append(b, bytes.Repeat([]byte{flagEndStream}, n)...) // payload bytes that look like flags
}

const (
	frameSettings     = 0x4
	framePing         = 0x6
	frameWindowUpdate = 0x8
	flagAck           = 0x1
	flagEndHeaders    = 0x4
)

// clientSide is what a gRPC client writes for one unary call: the preface
// and its settings, the acknowledgement of the server's, the call's
// HEADERS and the DATA that ends its stream. end is the offset just past
// that DATA frame.
func clientSide() (b []byte, end int) {
	b = append(b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"...)
	b = append(b, frame(frameSettings, 0, 0, 12)...)
	b = append(b, frame(frameWindowUpdate, 0, 0, 4)...)
	b = append(b, frame(frameSettings, flagAck, 0, 0)...) // flags 0x1 on stream 0: not an end
	b = append(b, frame(frameHeaders, flagEndHeaders, 1, 40)...)
	b = append(b, frame(frameData, flagEndStream, 1, 105)...)
	end = len(b)
	b = append(b, frame(framePing, flagAck, 0, 8)...)
	return b, end
}

// serverSide is what the server sends back: settings, the acknowledgement
// of the client's, a ping and a window update, then the response's
// HEADERS at offset start.
func serverSide() (b []byte, start int) {
	b = append(b, frame(frameSettings, 0, 0, 6)...)
	b = append(b, frame(frameSettings, flagAck, 0, 0)...)
	b = append(b, frame(framePing, 0, 0, 8)...)
	b = append(b, frame(frameWindowUpdate, 0, 0, 4)...)
	start = len(b)
	b = append(b, frame(frameHeaders, flagEndHeaders, 1, 30)...)
	b = append(b, frame(frameData, 0, 1, 10)...)
	return b, start
}

// TestFramesWrote feeds the client's bytes in pieces of every size: the
// end of the request is found in the piece holding its last byte.
func TestFramesWrote(t *testing.T) {
	b, end := clientSide()
	for size := 1; size <= len(b); size++ {
		f := frames{skip: PrefaceLen}
		found := -1
		for off := 0; off < len(b); off += size {
			if f.wrote(b[off:min(off+size, len(b))]) {
				if found >= 0 {
					t.Fatalf("pieces of %d: the end found twice", size)
				}
				found = off
			}
		}
		if want := (end - 1) / size * size; found != want {
			t.Fatalf("pieces of %d: end found in the piece at %d, want the one at %d", size, found, want)
		}
	}
}

// TestFramesRead feeds the server's bytes in pieces of every size, each
// read at its own time: the response is timed from the piece holding the
// first byte of its HEADERS frame, not from the one completing its header.
func TestFramesRead(t *testing.T) {
	b, start := serverSide()
	t0 := time.Unix(1000, 0)
	for size := 1; size <= len(b); size++ {
		f := frames{}
		var at time.Time
		for i, off := 0, 0; off < len(b); i, off = i+1, off+size {
			if got, ok := f.read(b[off:min(off+size, len(b))], t0.Add(time.Duration(i)*time.Millisecond)); ok {
				at = got
				break
			}
		}
		if want := t0.Add(time.Duration(start/size) * time.Millisecond); !at.Equal(want) {
			t.Fatalf("pieces of %d: response at %v, want %v (piece %d)", size, at.Sub(t0), want.Sub(t0), start/size)
		}
	}
	// The connection's frames alone are no response.
	if _, ok := (&frames{}).read(b[:start], t0); ok {
		t.Error("settings, ping and window update taken for a response")
	}
}

// FuzzFrames checks that how the bytes are cut does not change what is
// found, whatever the bytes.
func FuzzFrames(f *testing.F) {
	c, _ := clientSide()
	s, _ := serverSide()
	f.Add(c, 7)
	f.Add(s, 3)
	f.Fuzz(func(t *testing.T, b []byte, size int) {
		if size <= 0 || size > len(b) {
			size = 1
		}
		whole, pieces := frames{}, frames{}
		wroteWhole := whole.wrote(b)
		wrotePieces := false
		for off := 0; off < len(b); off += size {
			wrotePieces = pieces.wrote(b[off:min(off+size, len(b))]) || wrotePieces
		}
		if wroteWhole != wrotePieces {
			t.Fatalf("end of a stream: %v whole, %v in pieces of %d", wroteWhole, wrotePieces, size)
		}
		whole, pieces = frames{}, frames{}
		_, readWhole := whole.read(b, time.Time{})
		readPieces := false
		for off := 0; off < len(b) && !readPieces; off += size {
			_, readPieces = pieces.read(b[off:min(off+size, len(b))], time.Time{})
		}
		if readWhole != readPieces {
			t.Fatalf("response headers: %v whole, %v in pieces of %d", readWhole, readPieces, size)
		}
	})
}

// script is a net.Conn that discards writes and reads its pieces in order.
type script struct {
	net.Conn // nil: only Read and Write are used
	pieces   [][]byte
}

func (s *script) Write(p []byte) (int, error) { return len(p), nil }
func (s *script) Read(p []byte) (int, error) {
	if len(s.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.pieces[0])
	if s.pieces[0] = s.pieces[0][n:]; len(s.pieces[0]) == 0 {
		s.pieces = s.pieces[1:]
	}
	return n, nil
}

// TestConn plays one call: the wait runs from the write that ends the
// request to the read of the response's HEADERS, past the server's
// settings read in between.
func TestConn(t *testing.T) {
	client, end := clientSide()
	server, start := serverSide()
	c := New(&script{pieces: [][]byte{server[:start], server[start:]}})
	buf := make([]byte, 1024)
	c.Write(client[:40])    // preface and settings
	c.Read(buf)             // the server's settings, ping and window update
	c.Write(client[40:end]) // the settings' ack, the call's HEADERS and DATA
	if _, ok := c.FirstByte(); ok {
		t.Fatal("a first byte before any response")
	}
	const wait = 5 * time.Millisecond
	time.Sleep(wait) // the server's delay: what the test measures
	c.Read(buf)      // the response's HEADERS
	c.Write(client[end:])
	d, ok := c.FirstByte()
	if !ok || d < wait || d > wait+50*time.Millisecond {
		t.Errorf("first byte %v (%v), want about %v", d, ok, wait)
	}
}
