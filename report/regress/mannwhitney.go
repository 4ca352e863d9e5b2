// Package regress decides whether a run of a test is worse than the
// earlier runs of the same test on the same machine: a significance test
// of the per-iteration values of each metric (Mann-Whitney U, or Welch's
// interval for small samples), and a robust change-point pass over the
// history series of each metric. Its functions are pure: they read values
// and reports and return verdicts.
package regress

import (
	"math"
	"slices"
)

// MinRankSample is the smallest sample, on each side, that the
// Mann-Whitney test is used for; smaller samples use Welch's interval.
// Below 5 a side, a rank test at the 5% level has little or no room to
// reject: with 3 against 3 the smallest two-sided p-value there is is
// 2/20 = 0.1, so it can never reject; with 4 against 4 only complete
// separation does (p = 2/70 ≈ 0.029). From 5 against 5 (smallest p =
// 2/252 ≈ 0.008) a shift with some overlap can be detected.
const MinRankSample = 5

// exactLimit bounds n1·n2 for the exact distribution of U (its cost grows
// as (n1·n2)²); beyond it, and with ties, the normal approximation is used.
const exactLimit = 2500

// MannWhitney tests whether a and b come from the same distribution
// against the two-sided alternative that one tends to be larger. u is the
// U statistic of a: the number of pairs (a[i], b[j]) with a[i] > b[j],
// ties counting one half. p is exact (the distribution of U counted over
// every arrangement) when there are no ties and n1·n2 <= 2500, else from
// the normal approximation with the tie correction of the variance and a
// continuity correction of 0.5. p is 1 when a or b is empty.
func MannWhitney(a, b []float64) (u, p float64) {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	ranks, ties := rank(a, b)
	var r1 float64
	for _, r := range ranks[:n1] {
		r1 += r
	}
	u = r1 - float64(n1*(n1+1))/2
	if ties == 0 && n1*n2 <= exactLimit {
		return u, exactP(n1, n2, u)
	}
	return u, normalP(n1, n2, u, ties)
}

// rank returns the ranks (1-based, ties averaged) of a then b in their
// pooled order, and the tie term Σ(t³ - t) over the groups of t equal
// values.
func rank(a, b []float64) (ranks []float64, ties float64) {
	type obs struct {
		v float64
		i int
	}
	all := make([]obs, 0, len(a)+len(b))
	for i, v := range a {
		all = append(all, obs{v, i})
	}
	for i, v := range b {
		all = append(all, obs{v, len(a) + i})
	}
	slices.SortFunc(all, func(x, y obs) int {
		switch {
		case x.v < y.v:
			return -1
		case x.v > y.v:
			return 1
		}
		return 0
	})
	ranks = make([]float64, len(all))
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		avg := float64(i+1+j) / 2 // mean of the ranks i+1 .. j
		for k := i; k < j; k++ {
			ranks[all[k].i] = avg
		}
		if t := float64(j - i); t > 1 {
			ties += t*t*t - t
		}
		i = j
	}
	return ranks, ties
}

// normalP is the two-sided p-value of u from the normal approximation:
// mean n1·n2/2, variance n1·n2/12·((n+1) - Σ(t³-t)/(n(n-1))).
func normalP(n1, n2 int, u, ties float64) float64 {
	f1, f2, n := float64(n1), float64(n2), float64(n1+n2)
	mu := f1 * f2 / 2
	variance := f1 * f2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return 1 // every value equal: no evidence either way
	}
	z := (math.Abs(u-mu) - 0.5) / math.Sqrt(variance)
	if z <= 0 {
		return 1
	}
	return math.Min(1, math.Erfc(z/math.Sqrt2))
}

// exactP is the two-sided p-value of u without ties: twice the smaller
// tail of U's distribution, capped at 1. The counts of arrangements by U
// follow f(i, j) = q^j·f(i-1, j) + f(i, j-1) (the largest value is
// either one of a's i, beating all j of b's, or one of b's).
func exactP(n1, n2 int, u float64) float64 {
	prev := make([][]float64, n2+1) // f(i-1, ·)
	for j := range prev {
		prev[j] = []float64{1}
	}
	for i := 1; i <= n1; i++ {
		cur := make([][]float64, n2+1)
		cur[0] = []float64{1}
		for j := 1; j <= n2; j++ {
			c := make([]float64, i*j+1)
			for k, v := range prev[j] {
				c[k+j] += v
			}
			for k, v := range cur[j-1] {
				c[k] += v
			}
			cur[j] = c
		}
		prev = cur
	}
	counts := prev[n2]
	var total, lower, upper float64
	for k, c := range counts {
		total += c
		if float64(k) <= u {
			lower += c
		}
		if float64(k) >= u {
			upper += c
		}
	}
	return math.Min(1, 2*math.Min(lower, upper)/total)
}
