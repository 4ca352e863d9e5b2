package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// maxCPU bounds CPU numbers in a CPU list.
const maxCPU = 4095

// ParseCPUList reads a CPU list in taskset syntax ("1", "0-3", "0,2,4-5")
// into ascending, distinct CPU numbers.
func ParseCPUList(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty CPU list")
	}
	seen := map[int]bool{}
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a > maxCPU {
			return nil, fmt.Errorf("CPU %q: expected a number from 0 to %d", lo, maxCPU)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b > maxCPU {
				return nil, fmt.Errorf("CPU range %q: expected low-high with low <= high <= %d", part, maxCPU)
			}
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort: lists are short
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}
