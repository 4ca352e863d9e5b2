package http1

import "github.com/smp-dev/smp/load/reqmix"

// Body size distributions of a Variant (see package reqmix, which draws
// them for every protocol).
const (
	SizeFixed     = reqmix.SizeFixed     // always Min
	SizeUniform   = reqmix.SizeUniform   // uniform in [Min, Max]
	SizeLognormal = reqmix.SizeLognormal // exp(N(ln Median, Sigma²)), clamped to [Min, Max]
)

// MaxBodySize bounds drawn body sizes (and a lognormal's Max of 0).
const MaxBodySize = reqmix.MaxBodySize

// sizeTableLen is how many sizes are drawn ahead for a variant.
const sizeTableLen = reqmix.TableLen

// SizeDist is a distribution of body sizes, in bytes: a reqmix.SizeDist.
type SizeDist reqmix.SizeDist

// table draws sizeTableLen sizes from d, seeded with (seed, variant).
func (d SizeDist) table(seed, variant uint64) ([]int64, error) {
	return reqmix.SizeDist(d).Table(seed, variant)
}

// picks is one connection's sequence of mix choices.
type picks = reqmix.Picks

func newPicks(seed, conn uint64) picks { return reqmix.NewPicks(seed, conn) }

// pick returns the next request of p's sequence. It allocates nothing.
func (m *mix) pick(p *picks) *slot {
	v, k := m.choice.Pick(p)
	return &m.variants[v].slots[k]
}
