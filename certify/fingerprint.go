package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strconv"
	"strings"
)

// facts are the stable facts of a machine, in a fixed order.
func facts(fsys fs.FS, ncpu int) []string {
	model := "unknown"
	if b, err := fs.ReadFile(fsys, "proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			k = strings.TrimSpace(k)
			if ok && (k == "model name" || k == "Model" || k == "Hardware") {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, err := readTrim(fsys, "proc/sys/kernel/osrelease")
	if err != nil {
		kernel = "unknown"
	}
	gov, _, _ := governors(fsys)
	smt, _ := readTrim(fsys, cpuDir+"/smt/active")
	clock, _ := readTrim(fsys, "sys/devices/system/clocksource/clocksource0/current_clocksource")
	return []string{
		"cpu=" + model,
		"ncpu=" + strconv.Itoa(ncpu),
		"kernel=" + kernel,
		"governor=" + gov,
		"smt=" + smt,
		"clocksource=" + clock,
	}
}

// Fingerprint is the fingerprint of the machine whose procfs and sysfs
// are at fsys (os.DirFS("/") for this one) with ncpu CPUs: the same from
// run to run on one machine, different when its CPU model or count,
// kernel, governor, SMT or clock source differ. Every report carries it
// (environment.fingerprint).
func Fingerprint(fsys fs.FS, ncpu int) string { return fingerprint(facts(fsys, ncpu)) }

// fingerprint hashes the facts: the first 16 hex digits of their SHA-256.
func fingerprint(facts []string) string {
	sum := sha256.Sum256([]byte(strings.Join(facts, "\n")))
	return hex.EncodeToString(sum[:8])
}
