package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/smp-dev/smp/load"
)

var (
	crlf     = []byte("\r\n")
	crlfcrlf = []byte("\r\n\r\n")
)

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{load.ErrProtocol}, args...)...)
}

// readResponse reads one whole response. keep reports whether the
// connection may carry another request.
func (c *conn) readResponse() (resp load.Response, keep bool, err error) {
	for {
		var h head
		h, err = c.readHead()
		if err != nil {
			return resp, false, err
		}
		resp.Bytes += int64(h.size)
		if h.status >= 100 && h.status < 200 && h.status != 101 {
			continue // interim response: the real one follows
		}
		resp.Status = h.status
		keep = h.keepAlive
		var n int64
		switch {
		case c.head || h.status == 204 || h.status == 304 || h.status == 101:
		case h.chunked:
			n, err = c.readChunked()
		case h.contentLength >= 0:
			err = c.discard(h.contentLength)
			n = h.contentLength
		default:
			n, err = c.discardToEOF()
			keep = false
		}
		resp.Bytes += n
		return resp, keep && err == nil, err
	}
}

// head is what matters of a response header block.
type head struct {
	status        int
	contentLength int64 // -1 when absent
	chunked       bool
	keepAlive     bool
	size          int
}

// readHead reads and parses the status line and headers.
func (c *conn) readHead() (head, error) {
	scan := c.r
	for {
		if i := bytes.Index(c.buf[scan:c.w], crlfcrlf); i >= 0 {
			end := scan + i + len(crlfcrlf)
			h, err := parseHead(c.buf[c.r:end])
			c.r = end
			return h, err
		}
		if c.w-3 > scan {
			scan = c.w - 3
		}
		before := c.r
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) && c.w > c.r {
				err = io.ErrUnexpectedEOF
			}
			return head{}, err
		}
		scan -= before - c.r // fill may have moved unread bytes to the front
	}
}

// parseHead parses a header block that ends with CRLFCRLF. It does not
// allocate.
func parseHead(b []byte) (head, error) {
	h := head{contentLength: -1, size: len(b)}
	i := bytes.Index(b, crlf)
	line := b[:i]
	b = b[i+2:]
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return h, protoErr("malformed status line %q", truncate(line))
	}
	http11 := line[7] == '1'
	for _, d := range line[9:12] {
		if d < '0' || d > '9' {
			return h, protoErr("malformed status code in %q", truncate(line))
		}
		h.status = h.status*10 + int(d-'0')
	}
	if h.status < 100 {
		return h, protoErr("status code %d out of range in %q", h.status, truncate(line))
	}
	if len(line) > 12 && line[12] != ' ' {
		return h, protoErr("malformed status line %q", truncate(line))
	}
	h.keepAlive = http11
	for len(b) > 2 {
		i = bytes.Index(b, crlf)
		line, b = b[:i], b[i+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return h, protoErr("malformed header line %q", truncate(line))
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseDecimal(value)
			if !ok || (h.contentLength >= 0 && h.contentLength != n) {
				return h, protoErr("bad Content-Length %q", truncate(value))
			}
			h.contentLength = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if hasToken(value, "chunked") {
				h.chunked = true
			}
		case bytes.EqualFold(name, []byte("Connection")):
			if hasToken(value, "close") {
				h.keepAlive = false
			} else if hasToken(value, "keep-alive") {
				h.keepAlive = true
			}
		}
	}
	return h, nil
}

// hasToken reports whether a comma-separated header value holds tok
// (case-insensitive).
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		i := bytes.IndexByte(v, ',')
		var part []byte
		if i < 0 {
			part, v = v, nil
		} else {
			part, v = v[:i], v[i+1:]
		}
		if bytes.EqualFold(bytes.TrimSpace(part), []byte(tok)) {
			return true
		}
	}
	return false
}

func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// line returns the next CRLF-terminated line (without CRLF) and how many
// bytes it took on the wire.
func (c *conn) line() ([]byte, int, error) {
	scan := c.r
	for {
		if i := bytes.Index(c.buf[scan:c.w], crlf); i >= 0 {
			l := c.buf[c.r : scan+i]
			n := scan + i + 2 - c.r
			c.r = scan + i + 2
			return l, n, nil
		}
		if c.w-1 > scan {
			scan = c.w - 1
		}
		before := c.r
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, 0, err
		}
		scan -= before - c.r
	}
}

// readChunked discards a chunked body and its trailers; it returns the
// bytes consumed.
func (c *conn) readChunked() (int64, error) {
	var total int64
	for {
		l, n, err := c.line()
		if err != nil {
			return total, err
		}
		total += int64(n)
		if i := bytes.IndexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		size, ok := parseHex(bytes.TrimSpace(l))
		if !ok {
			return total, protoErr("bad chunk size %q", truncate(l))
		}
		if size == 0 {
			for { // trailers, then an empty line
				l, n, err := c.line()
				if err != nil {
					return total, err
				}
				total += int64(n)
				if len(l) == 0 {
					return total, nil
				}
			}
		}
		if err := c.discard(size); err != nil {
			return total, err
		}
		total += size
		l, n, err = c.line()
		if err != nil {
			return total, err
		}
		total += int64(n)
		if len(l) != 0 {
			return total, protoErr("chunk data longer than its size")
		}
	}
}

func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		switch {
		case d >= '0' && d <= '9':
			n = n<<4 | int64(d-'0')
		case d >= 'a' && d <= 'f':
			n = n<<4 | int64(d-'a'+10)
		case d >= 'A' && d <= 'F':
			n = n<<4 | int64(d-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// discard consumes exactly n body bytes.
func (c *conn) discard(n int64) error {
	for n > 0 {
		if c.r == c.w {
			c.r, c.w = 0, 0
			if err := c.fill(); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		avail := int64(c.w - c.r)
		if avail > n {
			avail = n
		}
		c.r += int(avail)
		n -= avail
	}
	return nil
}

// discardToEOF consumes a body delimited by the connection closing.
func (c *conn) discardToEOF() (int64, error) {
	total := int64(c.w - c.r)
	for {
		c.r, c.w = 0, 0
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				return total, nil
			}
			return total, err
		}
		total += int64(c.w)
	}
}
