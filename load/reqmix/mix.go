// Package reqmix is the protocol-independent part of a weighted request
// mix (load.requests): which variant each request takes, by weight, and
// which of that variant's body sizes, drawn ahead from a distribution.
// Everything is seeded: the size tables from (seed, variant), and each
// connection's sequence of picks from (seed, connection), so that a seed
// fixes the requests every connection sends.
//
// The protocol clients (load/http1, load/http2) serialize one request per
// variant and distinct size before the run, and look them up with Pick on
// the per-request path, which allocates nothing.
package reqmix

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MaxVariants bounds the variants of a Mix.
const MaxVariants = math.MaxUint16

// PCG second seeds: sizes of variant i use sizeStream+i; connection n picks
// with pickStream+n. (Poisson arrivals, in package load, use another.)
const (
	sizeStream = 0x736d702d73697a65 // "smp-size"
	pickStream = 0x736d702d7069636b // "smp-pick"
)

// Mix is a weighted choice of variants, each with one body size or a
// table of sizes drawn from a distribution. It is read-only after New and
// shared by every connection.
type Mix struct {
	cum      []uint64 // cum[i]: pick variant i when a uniform uint64 is below it
	variants []variant
}

// variant is the sampling state of one variant.
type variant struct {
	sizes []int64  // distinct drawn sizes, in the order first drawn; nil: no distribution
	table []uint16 // TableLen entries, each an index into sizes; nil: index 0
}

// New checks the weights (each finite and > 0) and draws the size table of
// every variant whose dists entry has a Type (dists may be shorter than
// weights, or nil). Errors name the variant by its index.
func New(weights []float64, dists []SizeDist, seed uint64) (*Mix, error) {
	switch {
	case len(weights) == 0:
		return nil, fmt.Errorf("no variants: expected at least one")
	case len(weights) > MaxVariants:
		return nil, fmt.Errorf("%d variants: expected at most %d", len(weights), MaxVariants)
	case len(dists) > len(weights):
		return nil, fmt.Errorf("%d size distributions for %d variants: expected at most one each", len(dists), len(weights))
	}
	var total float64
	for i, w := range weights {
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("variant %d: weight %v: expected a finite number > 0", i, w)
		}
		total += w
	}
	m := &Mix{cum: make([]uint64, len(weights)), variants: make([]variant, len(weights))}
	var acc float64
	for i, w := range weights {
		acc += w
		if i == len(weights)-1 {
			m.cum[i] = math.MaxUint64
		} else {
			m.cum[i] = uint64(math.Min(acc/total*0x1p64, 0x1p64-2048)) // below 2⁶⁴, which is not a uint64
		}
	}
	for i, d := range dists {
		if d.Type == "" {
			continue
		}
		drawn, err := d.Table(seed, uint64(i))
		if err != nil {
			return nil, fmt.Errorf("variant %d: %w", i, err)
		}
		v := &m.variants[i]
		v.table = make([]uint16, len(drawn))
		index := map[int64]uint16{}
		for j, size := range drawn {
			k, ok := index[size]
			if !ok {
				k = uint16(len(v.sizes))
				index[size] = k
				v.sizes = append(v.sizes, size)
			}
			v.table[j] = k
		}
	}
	return m, nil
}

// Len is the number of variants.
func (m *Mix) Len() int { return len(m.variants) }

// Sizes returns the distinct body sizes drawn for variant i, in the order
// first drawn: Pick's size index points into it. It is nil for a variant
// without a distribution (Pick then gives size index 0). The caller must
// not modify it.
func (m *Mix) Sizes(i int) []int64 { return m.variants[i].sizes }

// Picks is one connection's sequence of choices: a PCG stream of its own,
// so connections share nothing and a seed fixes every sequence. Not safe
// for concurrent use.
type Picks struct{ pcg rand.PCG }

// NewPicks returns the sequence of connection conn under seed.
func NewPicks(seed, conn uint64) Picks {
	return Picks{pcg: *rand.NewPCG(seed, pickStream+conn)}
}

// Pick returns the next choice of p: a variant, and an index into its
// Sizes (0 for a variant without a distribution). It allocates nothing.
func (m *Mix) Pick(p *Picks) (variant, size int) {
	u := p.pcg.Uint64()
	// The first variant whose cumulative threshold is above u.
	lo, hi := 0, len(m.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if u < m.cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	v := &m.variants[lo]
	if v.table == nil {
		return lo, 0
	}
	i := p.pcg.Uint64() >> (64 - tableBits)
	return lo, int(v.table[i])
}
