package http2

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/load/reqmix"
)

// Variant is one request of a weighted mix. Its body is Body, or, when
// Sizes is set, 'x' bytes of a size drawn from Sizes for each request.
type Variant struct {
	Weight  float64           // > 0, relative to the other variants'
	Method  string            // default GET
	Target  string            // path and query; "" = the URL's
	Headers map[string]string // on top of Config.Headers; Host sets the authority
	Body    []byte
	Sizes   reqmix.SizeDist // zero: Body
}

// prepared is one request, made once before the run: a template that each
// request shallow-copies with its own context, and the body it sends.
// Read-only: the streams of a connection use it at once.
type prepared struct {
	tmpl *http.Request
	body []byte
}

// mix is a Client's request mix: read-only after newMix, shared by every
// stream.
type mix struct {
	choice   *reqmix.Mix
	variants [][]prepared // per variant, one per distinct body size (in the order of choice.Sizes)
}

// newMix checks vs and prepares one request per variant and body size. It
// draws the body size tables from seed, so the same seed gives the same
// requests. Drawn bodies are cut from one shared filler.
func newMix(u *url.URL, vs []Variant, common map[string]string, ua string, seed uint64) (*mix, error) {
	weights := make([]float64, len(vs))
	dists := make([]reqmix.SizeDist, len(vs))
	for i, v := range vs {
		weights[i], dists[i] = v.Weight, v.Sizes
	}
	choice, err := reqmix.New(weights, dists, seed)
	if err != nil {
		return nil, fmt.Errorf("http2: %w", err)
	}
	var largest int64
	for i := range vs {
		for _, size := range choice.Sizes(i) {
			largest = max(largest, size)
		}
	}
	filler := reqmix.Filler(largest)
	m := &mix{choice: choice, variants: make([][]prepared, len(vs))}
	for i, v := range vs {
		method := v.Method
		if method == "" {
			method = http.MethodGet
		}
		if err := reqmix.Check(method, v.Target, v.Headers, len(v.Body), v.Sizes); err != nil {
			return nil, fmt.Errorf("http2: variant %d: %w", i, err)
		}
		vu := u
		if v.Target != "" {
			ref, err := url.ParseRequestURI(v.Target)
			if err != nil {
				return nil, fmt.Errorf("http2: variant %d: target %q: expected a path and query: %w", i, v.Target, err)
			}
			c := *u
			c.Path, c.RawPath, c.RawQuery = ref.Path, ref.RawPath, ref.RawQuery
			vu = &c
		}
		sizes := choice.Sizes(i)
		if sizes == nil {
			p, err := prepare(vu, method, common, v.Headers, ua, v.Body)
			if err != nil {
				return nil, fmt.Errorf("http2: variant %d: %w", i, err)
			}
			m.variants[i] = []prepared{p}
			continue
		}
		for _, size := range sizes {
			p, err := prepare(vu, method, common, v.Headers, ua, filler[:size:size])
			if err != nil {
				return nil, fmt.Errorf("http2: variant %d: %w", i, err)
			}
			m.variants[i] = append(m.variants[i], p)
		}
	}
	return m, nil
}

// pick returns the next request of p's sequence.
func (m *mix) pick(p *reqmix.Picks) *prepared {
	v, k := m.choice.Pick(p)
	return &m.variants[v][k]
}

// prepare makes the request template of method on u with body: the
// headers of common, then own (which win, in any case; Host sets the
// authority), a User-Agent of ua unless one is set, and the body's
// Content-Length.
func prepare(u *url.URL, method string, common, own map[string]string, ua string, body []byte) (prepared, error) {
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		return prepared{}, fmt.Errorf("http2: %w", err)
	}
	for _, hs := range []map[string]string{common, own} {
		for k, v := range hs {
			if strings.EqualFold(k, "Host") {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
	}
	if ua != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", ua)
	}
	if len(body) > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return prepared{tmpl: req, body: body}, nil
}

// Variants returns, for each variant of the mix, the number of distinct
// requests it was prepared into (nil without a mix).
func (c *Client) Variants() []int {
	if c.mix == nil {
		return nil
	}
	out := make([]int, len(c.mix.variants))
	for i, v := range c.mix.variants {
		out[i] = len(v)
	}
	return out
}
