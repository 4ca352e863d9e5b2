package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that it returns either a test
// or Problems (never both, never neither), and that a test it returns is
// valid and marshals to JSON. Seeds: every testdata spec, plus the corpus
// in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var ps Problems
			if got != nil || !errors.As(err, &ps) || len(ps) == 0 || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, %v (%T); want nil and non-empty Problems", got, err, err)
			}
			for _, p := range ps {
				if p.Expected == "" || p.Error() == "" {
					t.Fatalf("problem without an expectation: %+v", p)
				}
			}
			return
		}
		if got == nil {
			t.Fatal("Parse returned neither a test nor an error")
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("Parse accepted a test that does not validate: %v", err)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		if _, err := json.Marshal(got.Redacted()); err != nil {
			t.Fatalf("json.Marshal(Redacted): %v", err)
		}
	})
}
