package http1

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"strings"
)

// Variant is one request of a weighted mix. Its body is Body, or, when
// Sizes is set, 'x' bytes of a size drawn from Sizes for each request.
type Variant struct {
	Weight  float64           // > 0, relative to the other variants'
	Method  string            // default GET
	Target  string            // request target (path and query); "" = the URL's
	Headers map[string]string // on top of Config.Headers
	Body    []byte
	Sizes   SizeDist // zero: Body
}

// inlineBudget bounds the bytes of a mix held as whole requests (header
// block and body in one slice, written in one call). Past it, requests keep
// only their header block and take their body from one shared filler, in a
// second write; a large body spans many TCP segments anyway.
const inlineBudget = 64 << 20

// mix is a Client's request mix, serialized once: read-only after newMix,
// shared by every connection.
type mix struct {
	cum      []uint64 // cum[i]: pick variant i when a uniform uint64 is below it
	variants []variant
}

// variant is one Variant, serialized: one slot per distinct body size.
type variant struct {
	slots []slot
	table []uint16 // sizeTable entries, each an index into slots; nil: slots[0]
}

// slot is one serialized request: req alone, or req (the header block)
// followed by body.
type slot struct {
	req  []byte
	body []byte // nil when req holds the body too
	head bool   // a HEAD request
}

// newMix checks and serializes vs. It draws the body size tables from
// seed, so the same seed gives the same requests. Up to budget bytes are
// held as whole requests (inlineBudget in use).
func newMix(u *url.URL, vs []Variant, common map[string]string, ua string, seed uint64, budget int) (*mix, error) {
	if len(vs) > math.MaxUint16 {
		return nil, fmt.Errorf("http1: %d variants: expected at most %d", len(vs), math.MaxUint16)
	}
	var total float64
	for i, v := range vs {
		if !(v.Weight > 0) || math.IsInf(v.Weight, 0) {
			return nil, fmt.Errorf("http1: variant %d: weight %v: expected a finite number > 0", i, v.Weight)
		}
		total += v.Weight
	}
	m := &mix{cum: make([]uint64, len(vs)), variants: make([]variant, len(vs))}
	var acc float64
	for i, v := range vs {
		acc += v.Weight
		if i == len(vs)-1 {
			m.cum[i] = math.MaxUint64
		} else {
			m.cum[i] = uint64(math.Min(acc/total*0x1p64, 0x1p64-2048)) // below 2⁶⁴, which is not a uint64
		}
	}
	// The largest body served from the filler, so that it is made once.
	var filler []byte
	inline := 0
	for i, v := range vs {
		method := v.Method
		if method == "" {
			method = "GET"
		}
		if err := checkVariant(i, method, v); err != nil {
			return nil, err
		}
		target := v.Target
		if target == "" {
			target = u.RequestURI()
		}
		headers := maps.Clone(common)
		if headers == nil {
			headers = map[string]string{}
		}
		for k, val := range v.Headers {
			for c := range headers {
				if strings.EqualFold(c, k) {
					delete(headers, c)
				}
			}
			headers[k] = val
		}
		head := method == "HEAD"
		if v.Sizes.Type == "" {
			req := serializeHead(u, target, method, headers, len(v.Body), ua)
			m.variants[i].slots = []slot{{req: append(req, v.Body...), head: head}}
			inline += len(req) + len(v.Body)
			continue
		}
		sizes, err := v.Sizes.table(seed, uint64(i))
		if err != nil {
			return nil, fmt.Errorf("http1: variant %d: %w", i, err)
		}
		va := &m.variants[i]
		va.table = make([]uint16, len(sizes))
		index := map[int64]uint16{}
		for j, size := range sizes {
			k, ok := index[size]
			if !ok {
				k = uint16(len(va.slots))
				index[size] = k
				req := serializeHead(u, target, method, headers, int(size), ua)
				s := slot{req: req, head: head}
				if inline+len(req)+int(size) <= budget {
					s.req = append(req, strings.Repeat("x", int(size))...)
					inline += len(s.req)
				} else {
					if int64(len(filler)) < size {
						filler = []byte(strings.Repeat("x", int(size)))
					}
					s.body = filler[:size:size] // re-pointed below once filler is final
				}
				va.slots = append(va.slots, s)
			}
			va.table[j] = k
		}
	}
	// Bodies cut from an earlier, shorter filler: cut them from the final
	// one, so that one filler is kept.
	for i := range m.variants {
		for j := range m.variants[i].slots {
			if s := &m.variants[i].slots[j]; s.body != nil {
				s.body = filler[:len(s.body):len(s.body)]
			}
		}
	}
	return m, nil
}

// checkVariant rejects what would break the request's wire form.
func checkVariant(i int, method string, v Variant) error {
	if !isToken(method) {
		return fmt.Errorf("http1: variant %d: method %q: expected an HTTP token such as GET", i, method)
	}
	if v.Target != "" && (!strings.HasPrefix(v.Target, "/") || strings.ContainsFunc(v.Target, func(r rune) bool { return r <= ' ' || r == 0x7f })) {
		return fmt.Errorf("http1: variant %d: target %q: expected a path starting with / without spaces or control characters", i, v.Target)
	}
	for k, val := range v.Headers {
		if !isToken(k) || strings.ContainsAny(val, "\r\n\x00") {
			return fmt.Errorf("http1: variant %d: header %q: expected a token name and a value without CR, LF or NUL", i, k)
		}
	}
	if v.Sizes.Type != "" && len(v.Body) > 0 {
		return fmt.Errorf("http1: variant %d: a %d-byte body and a %s size distribution: expected one of them", i, len(v.Body), v.Sizes.Type)
	}
	return nil
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// Variants returns how many variants the mix has (0 without a mix), and
// for each the number of distinct requests it was serialized into.
func (c *Client) Variants() []int {
	if c.mix == nil {
		return nil
	}
	out := make([]int, len(c.mix.variants))
	for i, v := range c.mix.variants {
		out[i] = len(v.slots)
	}
	return out
}
