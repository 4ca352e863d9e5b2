package http1

import (
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/smp-dev/smp/load/reqmix"
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
	choice   *reqmix.Mix // which variant, and which of its slots
	variants []variant
}

// variant is one Variant, serialized: one slot per distinct body size (in
// the order of choice.Sizes).
type variant struct {
	slots []slot
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
	weights := make([]float64, len(vs))
	dists := make([]reqmix.SizeDist, len(vs))
	for i, v := range vs {
		weights[i], dists[i] = v.Weight, reqmix.SizeDist(v.Sizes)
	}
	choice, err := reqmix.New(weights, dists, seed)
	if err != nil {
		return nil, fmt.Errorf("http1: %w", err)
	}
	m := &mix{choice: choice, variants: make([]variant, len(vs))}
	// The largest body served from the filler, so that it is made once.
	var filler []byte
	inline := 0
	for i, v := range vs {
		method := v.Method
		if method == "" {
			method = "GET"
		}
		if err := reqmix.Check(method, v.Target, v.Headers, len(v.Body), dists[i]); err != nil {
			return nil, fmt.Errorf("http1: variant %d: %w", i, err)
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
		sizes := choice.Sizes(i)
		if sizes == nil {
			req := serializeHead(u, target, method, headers, len(v.Body), ua)
			m.variants[i].slots = []slot{{req: append(req, v.Body...), head: head}}
			inline += len(req) + len(v.Body)
			continue
		}
		va := &m.variants[i]
		for _, size := range sizes {
			req := serializeHead(u, target, method, headers, int(size), ua)
			s := slot{req: req, head: head}
			if inline+len(req)+int(size) <= budget {
				s.req = append(req, strings.Repeat("x", int(size))...)
				inline += len(s.req)
			} else {
				if int64(len(filler)) < size {
					filler = reqmix.Filler(size)
				}
				s.body = filler[:size:size] // re-pointed below once filler is final
			}
			va.slots = append(va.slots, s)
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
