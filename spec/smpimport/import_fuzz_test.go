package smpimport

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/smp-dev/smp/spec"
)

// FuzzImport checks that Import never panics, that it returns either a
// result or an error wrapping ErrInvalid, and that a result's YAML passes
// spec.Parse. Seeds: the testdata configs and testdata/fuzz/FuzzImport.
func FuzzImport(f *testing.F) {
	for _, pat := range []string{"testdata/*.yaml", "testdata/*.json"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Import(data)
		if err != nil {
			if r != nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Import = %v, %v; want nil and an error wrapping ErrInvalid", r, err)
			}
			return
		}
		if r == nil || r.Test == nil {
			t.Fatal("Import returned neither a result nor an error")
		}
		if _, err := spec.Parse(r.YAML, "fuzz.yaml"); err != nil {
			t.Fatalf("imported YAML does not parse: %v\n%s", err, r.YAML)
		}
	})
}
