//go:build !linux

package run

import (
	"fmt"
	"runtime"
)

// pinSelf fails: CPU pinning is linux-only (CheckPlatform says so first).
func pinSelf([]int) (func(), error) {
	return nil, fmt.Errorf("CPU pinning is linux-only (this is %s)", runtime.GOOS)
}
