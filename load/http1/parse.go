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

// parser reads one response from bytes handed to it in any number of
// pieces: it keeps its place between calls, so the blocking connection and
// the event loop share it. It does not allocate.
type parser struct {
	st pstate
	// head: the request was a HEAD (its response has no body).
	head bool
	// scan counts the unconsumed bytes already searched for the delimiter
	// the state waits for (end of head, end of line).
	scan   int
	remain int64 // body or chunk bytes still to come
	resp   load.Response
	keep   bool
}

type pstate uint8

const (
	stHead      pstate = iota // status line and headers
	stBody                    // remain bytes of a Content-Length body
	stChunkSize               // a chunk-size line
	stChunkData               // remain bytes of chunk data
	stChunkEnd                // the CRLF after chunk data
	stTrailer                 // trailer lines, up to an empty one
	stToEOF                   // a body delimited by the connection closing
	stDone
)

// reset prepares p for the response to a new request.
func (p *parser) reset(head bool) { *p = parser{head: head} }

// feed consumes what it can of b, the bytes not consumed yet (what it left
// last time first, then what arrived since). It returns how many bytes it
// consumed and whether the response is complete; when it is not, the
// caller hands it the rest of b again with more bytes after it.
func (p *parser) feed(b []byte) (n int, done bool, err error) {
	for {
		rest := b[n:]
		switch p.st {
		case stHead:
			i := bytes.Index(rest[p.scan:], crlfcrlf)
			if i < 0 {
				p.scan = max(0, len(rest)-3)
				return n, false, nil
			}
			end := p.scan + i + len(crlfcrlf)
			p.scan = 0
			h, err := parseHead(rest[:end])
			n += end
			if err != nil {
				return n, false, err
			}
			p.resp.Bytes += int64(h.size)
			if h.status >= 100 && h.status < 200 && h.status != 101 {
				continue // interim response: the real one follows
			}
			p.resp.Status, p.keep = h.status, h.keepAlive
			switch {
			case p.head || h.status == 204 || h.status == 304 || h.status == 101:
				p.st = stDone
				return n, true, nil
			case h.chunked:
				p.st = stChunkSize
			case h.contentLength >= 0:
				p.st, p.remain = stBody, h.contentLength
			default:
				p.st, p.keep = stToEOF, false
			}
		case stBody, stChunkData:
			k := int(min(p.remain, int64(len(rest))))
			n += k
			p.remain -= int64(k)
			p.resp.Bytes += int64(k)
			if p.remain > 0 {
				return n, false, nil
			}
			if p.st == stChunkData {
				p.st = stChunkEnd
				continue
			}
			p.st = stDone
			return n, true, nil
		case stChunkSize, stChunkEnd, stTrailer:
			i := bytes.Index(rest[p.scan:], crlf)
			if i < 0 {
				p.scan = max(0, len(rest)-1)
				return n, false, nil
			}
			l := rest[:p.scan+i]
			p.scan = 0
			n += len(l) + len(crlf)
			p.resp.Bytes += int64(len(l) + len(crlf))
			switch p.st {
			case stChunkEnd:
				if len(l) != 0 {
					return n, false, protoErr("chunk data longer than its size")
				}
				p.st = stChunkSize
			case stTrailer:
				if len(l) == 0 {
					p.st = stDone
					return n, true, nil
				}
			default:
				if j := bytes.IndexByte(l, ';'); j >= 0 {
					l = l[:j]
				}
				size, ok := parseHex(bytes.TrimSpace(l))
				if !ok {
					return n, false, protoErr("bad chunk size %q", truncate(l))
				}
				if size == 0 {
					p.st = stTrailer
				} else {
					p.st, p.remain = stChunkData, size
				}
			}
		case stToEOF:
			n += len(rest)
			p.resp.Bytes += int64(len(rest))
			return n, false, nil
		default:
			return n, true, nil
		}
	}
}

// eof tells p that the connection closed with pending bytes it had not
// consumed: a body delimited by the close is then complete; anything else
// was cut short.
func (p *parser) eof(pending int) (done bool, err error) {
	switch {
	case p.st == stToEOF:
		p.st = stDone
		return true, nil
	case p.st == stHead && pending == 0 && p.resp.Bytes == 0:
		return false, io.EOF
	default:
		return false, io.ErrUnexpectedEOF
	}
}

// readResponse reads one whole response from the connection. keep reports
// whether the connection may carry another request.
func (c *conn) readResponse() (resp load.Response, keep bool, err error) {
	p := &c.parser
	p.reset(c.head)
	for {
		n, done, err := p.feed(c.buf[c.r:c.w])
		c.r += n
		if err != nil {
			return p.resp, false, err
		}
		if done {
			return p.resp, p.keep, nil
		}
		if c.r == c.w {
			c.r, c.w = 0, 0
		}
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				var done bool
				if done, err = p.eof(c.w - c.r); done {
					c.r = c.w
					return p.resp, false, nil
				}
			}
			return p.resp, false, err
		}
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
