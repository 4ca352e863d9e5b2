//go:build !linux && !darwin

package load

// UsageMeasured says this system measures the generator's own CPU time
// and memory (ClientUsage): not here, where there is no getrusage(2).
const UsageMeasured = false

// UsageSource says where ClientUsage comes from on this system: nowhere,
// so its zeros mean "not measured", not "free".
const UsageSource = "not measured on this system (no getrusage): cpuMcores and maxRssMB read 0"

func readUsage() usage { return usage{} }
