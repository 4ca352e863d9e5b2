package reqmix

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Body size distributions (SizeDist.Type).
const (
	SizeFixed     = "fixed"     // always Min
	SizeUniform   = "uniform"   // uniform in [Min, Max]
	SizeLognormal = "lognormal" // exp(N(ln Median, Sigma²)), clamped to [Min, Max]
)

// MaxBodySize bounds drawn body sizes (and a lognormal's Max of 0).
const MaxBodySize = 64 << 20

// TableLen is how many sizes are drawn ahead for a variant; each request
// picks one of them uniformly. 1024 draws follow the distribution closely
// while keeping the serialized requests few.
const TableLen = 1 << tableBits

const tableBits = 10

// SizeDist is a distribution of body sizes, in bytes.
type SizeDist struct {
	Type     string // one of the Size* constants; "" = no distribution
	Min, Max int64
	Median   int64
	Sigma    float64
}

// Table draws TableLen sizes from d, seeded with (seed, variant).
func (d SizeDist) Table(seed, variant uint64) ([]int64, error) {
	hi := d.Max
	if hi == 0 && d.Type == SizeLognormal {
		hi = MaxBodySize
	}
	switch {
	case d.Min < 0 || d.Min > MaxBodySize:
		return nil, fmt.Errorf("%s sizes: min %d: expected 0 to %d", d.Type, d.Min, MaxBodySize)
	case d.Type != SizeFixed && (hi < d.Min || hi > MaxBodySize):
		return nil, fmt.Errorf("%s sizes: max %d: expected min (%d) to %d", d.Type, d.Max, d.Min, MaxBodySize)
	}
	rng := rand.New(rand.NewPCG(seed, sizeStream+variant))
	out := make([]int64, TableLen)
	switch d.Type {
	case SizeFixed:
		for i := range out {
			out[i] = d.Min
		}
	case SizeUniform:
		for i := range out {
			out[i] = d.Min + rng.Int64N(hi-d.Min+1)
		}
	case SizeLognormal:
		if d.Median <= 0 || !(d.Sigma > 0) || math.IsInf(d.Sigma, 0) {
			return nil, fmt.Errorf("lognormal sizes: median %d, sigma %v: expected both > 0", d.Median, d.Sigma)
		}
		mu := math.Log(float64(d.Median))
		for i := range out {
			v := math.Round(math.Exp(mu + d.Sigma*rng.NormFloat64()))
			out[i] = int64(math.Max(float64(d.Min), math.Min(v, float64(hi))))
		}
	default:
		return nil, fmt.Errorf("size distribution %q: expected fixed, uniform or lognormal", d.Type)
	}
	return out, nil
}
