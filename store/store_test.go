package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
)

// backend makes a fresh, empty store location (a DSN) per test.
type backend struct {
	name string
	// dsn returns a DSN no other test uses; nil when the backend is not
	// available (skip says why).
	dsn  func(t *testing.T) string
	skip string
}

// backends are SQLite, always, and PostgreSQL when SMP_TEST_POSTGRES_DSN
// names a server (scripts/postgres up; eval "$(scripts/postgres env)").
func backends() []backend {
	sqlite := backend{name: "sqlite", dsn: func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "results.db")
	}}
	pg := backend{name: "postgres"}
	if base := os.Getenv("SMP_TEST_POSTGRES_DSN"); base != "" {
		pg.dsn = func(t *testing.T) string { return postgresDatabase(t, base) }
	} else {
		pg.skip = "SMP_TEST_POSTGRES_DSN is not set: no PostgreSQL server to test against (scripts/postgres up, then export SMP_TEST_POSTGRES_DSN=$(scripts/postgres dsn))"
	}
	return []backend{sqlite, pg}
}

// forEachBackend runs test against every backend, skipping those not
// available.
func forEachBackend(t *testing.T, test func(t *testing.T, dsn func(t *testing.T) string)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			if b.dsn == nil {
				t.Skip(b.skip)
			}
			test(t, b.dsn)
		})
	}
}

// postgresDatabase creates a database of its own for one test on the
// server base names, dropped when the test ends, and returns its DSN.
func postgresDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "smp_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database on %s: %v", Redact(base), err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func openT(t *testing.T, dsn string) Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// readReport reads a report from the repository's test data.
func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	r, err := report.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// clone deep-copies a report through its JSON.
func clone(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var c report.Report
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// threeReports are real reports and one derived from them:
//
//	a: the report fixture (test "fixture": none, istio, linkerd), labels team=a commit=1, 2026-11-26 08:00
//	b: a with test "nightly", istio left out, partial, another commit, on 2026-11-27
//	c: the peers benchmark's report (test "load", baseline only) from another machine, labels team=c
func threeReports(t *testing.T) (a, b, c *report.Report) {
	a = readReport(t, "report/testdata/fixture.json")
	a.Environment.Labels = map[string]string{"team": "a", "commit": "1"}
	b = clone(t, a)
	b.Test.Metadata.Name = "nightly"
	b.Scenarios = []report.Scenario{b.Scenarios[0], b.Scenarios[2]}
	b.Scenarios[1].Mesh.Version = "2.14.1"
	b.Partial = true
	b.Environment.Labels = map[string]string{"team": "b", "commit": "2"}
	b.StartTime, b.EndTime = b.StartTime.Add(24*time.Hour), b.EndTime.Add(24*time.Hour)
	c = readReport(t, "bench/peers/testdata/smp.json")
	c.Environment.Labels = map[string]string{"team": "c"}
	return a, b, c
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ids(runs []Run) []string {
	out := []string{}
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func TestStore(t *testing.T) {
	forEachBackend(t, testStore)
}

func testStore(t *testing.T, dsn func(t *testing.T) string) {
	ctx := context.Background()
	s := openT(t, dsn(t))
	a, b, c := threeReports(t)
	put := map[string]Run{}
	var ra, rb, rc Run
	for _, p := range []struct {
		r   *report.Report
		run *Run
	}{{a, &ra}, {b, &rb}, {c, &rc}} {
		run, err := s.Put(ctx, p.r)
		if err != nil {
			t.Fatal(err)
		}
		*p.run = run
		put[run.ID] = run
	}
	if len(put) != 3 {
		t.Fatalf("3 reports got %d distinct IDs", len(put))
	}

	// The index row of a, by hand from the fixture.
	specA, _ := SpecHash(a.Test)
	if ra.Test != "fixture" || ra.SpecHash != specA || ra.Fingerprint != Fingerprint(a.Environment) || ra.Platform != "local" ||
		!ra.StartTime.Equal(a.StartTime) || ra.Partial || !reflect.DeepEqual(ra.Labels, map[string]string{"team": "a", "commit": "1"}) {
		t.Errorf("run a = %+v", ra)
	}
	if got := ra.MeshTypes(); !reflect.DeepEqual(got, []string{"none", "istio", "linkerd"}) {
		t.Errorf("run a mesh types = %v", got)
	}
	istio := ra.Scenarios[1]
	if istio.Name != "istio" || !istio.MTLS || istio.AchievedRate != 992.333 || istio.P50Ms != 1.554431 || istio.P99Ms != 5.304319 ||
		istio.P999Ms != 13.262847 || istio.ProxyCPUMcores == nil || *istio.ProxyCPUMcores != 215 || *istio.ProxyMemMB != 59 {
		t.Errorf("run a istio = %+v", istio)
	}
	if ra.Scenarios[0].ProxyCPUMcores != nil {
		t.Errorf("baseline proxy CPU = %v, want none", *ra.Scenarios[0].ProxyCPUMcores)
	}
	if rb.SpecHash == ra.SpecHash || rb.Fingerprint != ra.Fingerprint || rc.Fingerprint == ra.Fingerprint || !rb.Partial ||
		rb.Scenarios[1].MeshVersion != "2.14.1" {
		t.Errorf("run b = %+v, run c = %+v", rb, rc)
	}

	t.Run("list", func(t *testing.T) {
		newest := []string{rb.ID, rc.ID, ra.ID}
		for _, tc := range []struct {
			name string
			f    Filter
			want []string
		}{
			// Everything, newest start first.
			{"all", Filter{}, newest},
			{"limit", Filter{Limit: 2}, newest[:2]},
			{"test", Filter{Test: "nightly"}, []string{rb.ID}},
			{"unknown test", Filter{Test: "nope"}, []string{}},
			// b dropped istio; c ran only the baseline.
			{"mesh istio", Filter{Mesh: "istio"}, []string{ra.ID}},
			{"mesh linkerd", Filter{Mesh: "linkerd"}, []string{rb.ID, ra.ID}},
			{"mesh none", Filter{Mesh: "none"}, newest},
			// Since is inclusive, Until exclusive.
			{"since", Filter{Since: rc.StartTime}, []string{rb.ID, rc.ID}},
			{"until", Filter{Until: rc.StartTime}, []string{ra.ID}},
			{"since until", Filter{Since: ra.StartTime, Until: rb.StartTime}, []string{rc.ID, ra.ID}},
			{"label", Filter{Labels: map[string]string{"team": "b"}}, []string{rb.ID}},
			{"labels all must match", Filter{Labels: map[string]string{"team": "a", "commit": "2"}}, []string{}},
			{"labels both", Filter{Labels: map[string]string{"team": "a", "commit": "1"}}, []string{ra.ID}},
			{"spec hash", Filter{SpecHash: ra.SpecHash}, []string{ra.ID}},
			{"fingerprint", Filter{Fingerprint: ra.Fingerprint}, []string{rb.ID, ra.ID}},
			{"combined", Filter{Mesh: "linkerd", Labels: map[string]string{"commit": "1"}, Fingerprint: ra.Fingerprint}, []string{ra.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				runs, err := s.List(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(runs); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("List(%+v) = %v, want %v", tc.f, got, tc.want)
				}
				// The rows listed are the rows Put returned.
				for _, r := range runs {
					if !bytes.Equal(jsonOf(t, r), jsonOf(t, put[r.ID])) {
						t.Errorf("listed %s\n%s\nput\n%s", r.ID, jsonOf(t, r), jsonOf(t, put[r.ID]))
					}
				}
			})
		}
		if _, err := s.List(ctx, Filter{Limit: -1}); err == nil || !strings.Contains(err.Error(), "limit -1") {
			t.Errorf("List(limit -1) error = %v, want one naming the limit", err)
		}
	})

	t.Run("get", func(t *testing.T) {
		for _, r := range []*report.Report{a, b, c} {
			id, _ := RunID(r)
			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(jsonOf(t, got), jsonOf(t, r)) {
				t.Errorf("Get(%s) differs from the report put", id)
			}
		}
		_, err := s.Get(ctx, "0123456789abcdef")
		var nf *NotFoundError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) || nf.ID != "0123456789abcdef" || !strings.Contains(err.Error(), "0123456789abcdef") {
			t.Errorf("Get(unknown) error = %v, want a NotFoundError naming the id", err)
		}
	})

	t.Run("put again", func(t *testing.T) {
		again, err := s.Put(ctx, clone(t, a))
		if err != nil {
			t.Fatal(err)
		}
		runs, err := s.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != ra.ID || len(runs) != 3 {
			t.Errorf("the same report again: id %s (first %s), %d runs stored, want 3", again.ID, ra.ID, len(runs))
		}
	})

	t.Run("bad input", func(t *testing.T) {
		bad := clone(t, a)
		bad.SchemaVersion = "smp.report/v0"
		for _, tc := range []struct {
			r    *report.Report
			want string
		}{{nil, "nil"}, {bad, `schemaVersion "smp.report/v0"`}, {&report.Report{SchemaVersion: report.SchemaVersion}, "test: missing"}} {
			if _, err := s.Put(ctx, tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Put error = %v, want one with %q", err, tc.want)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := s.Delete(ctx, rb.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, rb.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(deleted) error = %v, want not found", err)
		}
		for _, f := range []Filter{{}, {Mesh: "linkerd"}, {Labels: map[string]string{"team": "b"}}} {
			runs, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if r.ID == rb.ID {
					t.Errorf("List(%+v) still has the deleted run", f)
				}
			}
		}
		if err := s.Delete(ctx, rb.ID); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), rb.ID) {
			t.Errorf("Delete(deleted) error = %v, want not found naming %s", err, rb.ID)
		}
		// Put back: its scenarios and labels were deleted with it, so
		// nothing collides.
		if _, err := s.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentPuts puts from many goroutines at once through two
// stores opened on one location (as two processes would): every report is
// kept (writers wait for each other, none fails busy).
func TestConcurrentPuts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn func(t *testing.T) string) {
		ctx := context.Background()
		where := dsn(t)
		s, other := openT(t, where), openT(t, where)
		base := readReport(t, "report/testdata/fixture.json")
		const n = 24
		reports := make([]*report.Report, n)
		for i := range reports {
			r := clone(t, base)
			r.StartTime = r.StartTime.Add(time.Duration(i) * time.Minute)
			r.Environment.Labels = map[string]string{"worker": fmt.Sprint(i)}
			reports[i] = r
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, r := range reports {
			wg.Go(func() {
				to := s
				if i%2 == 1 {
					to = other
				}
				_, err := to.Put(ctx, r)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		runs, err := s.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != n {
			t.Fatalf("%d runs stored, want %d", len(runs), n)
		}
		for i, r := range runs {
			// Newest first: worker n-1 started last.
			if want := fmt.Sprint(n - 1 - i); r.Labels["worker"] != want || len(r.Scenarios) != 3 {
				t.Errorf("run %d: labels %v, %d scenarios; want worker %s, 3 scenarios", i, r.Labels, len(r.Scenarios), want)
			}
		}
	})
}
