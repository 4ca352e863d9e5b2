package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// RunID is the ID of a stored report: the first 16 hex digits of the
// SHA-256 of its canonical JSON. Reports carry no ID of their own, so the
// same report always gets the same ID, and a changed one a new ID.
func RunID(r *report.Report) (string, error) {
	sum, err := canonicalHash(r)
	if err != nil {
		return "", fmt.Errorf("run id: %w", err)
	}
	return sum[:16], nil
}

// SpecHash is the SHA-256 (hex) of the canonical JSON of a spec as run (a
// report's test): equal hashes mean the same test, labels included.
func SpecHash(t *spec.Test) (string, error) {
	sum, err := canonicalHash(t)
	if err != nil {
		return "", fmt.Errorf("spec hash: %w", err)
	}
	return sum, nil
}

// Fingerprint identifies the machine a report was measured on: the
// report's own environment.fingerprint (smp certify's, which every run
// records), or for reports without one (older or imported) a hash of
// the fields of its environment that stay put across runs and matter to
// results: the OS and architecture, the kernel release, the CPU model and
// the number of CPUs (host name, memory reading, Go version and labels
// left out; the first 16 hex digits of a SHA-256).
func Fingerprint(e report.Environment) string {
	if e.Fingerprint != "" {
		return e.Fingerprint
	}
	var b bytes.Buffer
	for _, f := range []string{e.OS, e.Kernel, e.CPUModel, strconv.Itoa(e.CPUs)} {
		// Length-prefixed, so no two field lists encode alike.
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])[:16]
}

// canonicalHash hashes v's JSON re-encoded from its generic form: object
// keys sorted, no insignificant space, numbers as written. A document read
// back from JSON hashes the same as the value it was written from.
func canonicalHash(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return "", err
	}
	canon, err := json.Marshal(generic)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}
