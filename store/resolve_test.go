package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

func TestResolve(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir()+"/results.db")
	a, b, c := threeReports(t)
	var ids []string
	for _, r := range []*report.Report{a, b, c} {
		run, err := s.Put(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, run.ID)
	}
	// The shortest prefix of ids[0] that no other ID shares, at least 4.
	n := MinPrefix
	for ; n < 16; n++ {
		if !strings.HasPrefix(ids[1], ids[0][:n]) && !strings.HasPrefix(ids[2], ids[0][:n]) {
			break
		}
	}
	for _, p := range []string{ids[0], ids[0][:n], strings.ToUpper(ids[0][:n])} {
		if got, err := Resolve(ctx, s, p); err != nil || got != ids[0] {
			t.Errorf("Resolve(%q) = %q, %v; want %s", p, got, err, ids[0])
		}
	}
	for _, bad := range []string{"abc", "xyz12", ids[0] + "0", ""} {
		if _, err := Resolve(ctx, s, bad); err == nil || !strings.Contains(err.Error(), "expected 4 to 16 hex digits") {
			t.Errorf("Resolve(%q): %v; want a malformed-id error", bad, err)
		}
	}
	// A prefix no run has.
	missing := "0000"
	for _, id := range ids {
		for strings.HasPrefix(id, missing) {
			missing += "0"
		}
	}
	if _, err := Resolve(ctx, s, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve(%q): %v; want not found", missing, err)
	}
	// Two IDs sharing a prefix are rare among real ones: a store that
	// lists made-up runs.
	fake := listStore{runs: []Run{{ID: "abcd000000000001"}, {ID: "abcd000000000002"}, {ID: "abce000000000003"}}}
	_, err := Resolve(ctx, fake, "abcd")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || !strings.Contains(err.Error(), `"abcd": matches 2 runs (abcd000000000001, abcd000000000002)`) {
		t.Errorf("Resolve(abcd): %v; want ambiguous between the two", err)
	}
	if got, err := Resolve(ctx, fake, "ABCE"); err != nil || got != "abce000000000003" {
		t.Errorf("Resolve(ABCE) = %q, %v", got, err)
	}
}

// listStore is a Store whose List returns runs (its other methods are not
// called).
type listStore struct {
	Store
	runs []Run
}

func (s listStore) List(context.Context, Filter) ([]Run, error) { return s.runs, nil }
