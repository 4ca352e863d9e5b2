package store

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/smp-dev/smp/report"
)

// testStep2 is a migration of this test only. The schema has one real
// step so far; this one shows that a step changing the schema runs over
// the data already stored and loses none of it.
var testStep2 = migration{version: 2, name: "test: run notes", stmts: []string{
	`CREATE TABLE run_notes (run_id TEXT PRIMARY KEY, note TEXT NOT NULL)`,
	`INSERT INTO run_notes (run_id, note) SELECT id, test FROM runs`,
}}

// failingStep3 fails at its second statement, after its first made a table.
var failingStep3 = migration{version: 3, name: "test: fails", stmts: []string{
	`CREATE TABLE half_done (x INTEGER)`,
	`INSERT INTO half_done (x) SELECT x FROM no_such_table`,
}}

func versionOf(t *testing.T, s Store) int {
	t.Helper()
	v, err := schemaVersion(context.Background(), s.(*sqlStore).db)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func openSteps(t *testing.T, dsn string, steps []migration) Store {
	t.Helper()
	s, err := open(context.Background(), dsn, steps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigrate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		ctx := context.Background()
		dsn := newDSN(t)
		a, b, c := threeReports(t)
		latest := migrations[len(migrations)-1].version

		// The fixture: a store at version 1 (step 1 only) holding a and b.
		s := openSteps(t, dsn, migrations[:1])
		if v := versionOf(t, s); v != 1 {
			t.Fatalf("fixture at version %d, want 1", v)
		}
		for _, r := range []*report.Report{a, b} {
			if _, err := s.Put(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		before, err := s.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Close()

		// check opens dsn with steps and finds a and b as they were.
		check := func(steps []migration, wantVersion int) Store {
			t.Helper()
			s := openSteps(t, dsn, steps)
			if v := versionOf(t, s); v != wantVersion {
				t.Errorf("schema version %d, want %d", v, wantVersion)
			}
			after, err := s.List(ctx, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(jsonOf(t, after), jsonOf(t, before)) {
				t.Errorf("runs after migrating:\n%s\nbefore:\n%s", jsonOf(t, after), jsonOf(t, before))
			}
			got, err := s.Get(ctx, before[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(jsonOf(t, got), jsonOf(t, a)) {
				t.Error("report a differs after migrating")
			}
			return s
		}

		// The current code opens it.
		_ = check(migrations, latest).Close()

		// A step 2 runs over the stored data.
		s = check(append(migrations[:len(migrations):len(migrations)], testStep2), 2)
		var notes int
		if err := s.(*sqlStore).db.QueryRowContext(ctx, `SELECT COUNT(*) FROM run_notes WHERE note IN ('fixture', 'nightly')`).Scan(&notes); err != nil || notes != 2 {
			t.Errorf("step 2 wrote %d notes (%v), want 2", notes, err)
		}
		if _, err := s.Put(ctx, c); err != nil {
			t.Errorf("put after migrating: %v", err)
		}
		_ = s.Close()

		// Code that knows fewer steps than the store has refuses it.
		if s, err := open(ctx, dsn, migrations[:1]); err == nil {
			_ = s.Close()
			t.Error("a store at version 2 opened with code at version 1")
		} else if !strings.Contains(err.Error(), "schema version 2: expected at most 1") {
			t.Errorf("error %q does not give both versions", err)
		}

		// A failing step leaves nothing of itself behind.
		steps := append(migrations[:len(migrations):len(migrations)], testStep2, failingStep3)
		if s, err := open(ctx, dsn, steps); err == nil {
			_ = s.Close()
			t.Fatal("a failing step 3 opened")
		} else if !strings.Contains(err.Error(), "migrate to 3") || !strings.Contains(err.Error(), "statement 2") {
			t.Errorf("error %q does not name the step and statement", err)
		}
		s = openSteps(t, dsn, steps[:2])
		defer func() { _ = s.Close() }()
		if v := versionOf(t, s); v != 2 {
			t.Errorf("after a failed step 3: version %d, want 2", v)
		}
		if _, err := s.(*sqlStore).db.ExecContext(ctx, `SELECT COUNT(*) FROM half_done`); err == nil {
			t.Error("the failed step's table exists")
		}
	})
}

// TestMigrateConcurrently opens one new store from several goroutines at
// once: each step is applied once, and every opener succeeds.
func TestMigrateConcurrently(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		dsn := newDSN(t)
		var wg sync.WaitGroup
		stores := make([]Store, 6)
		errs := make([]error, len(stores))
		for i := range stores {
			wg.Go(func() { stores[i], errs[i] = Open(context.Background(), dsn) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("opener %d: %v", i, err)
				continue
			}
			var n int
			if err := stores[i].(*sqlStore).db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
				t.Errorf("opener %d: %d steps recorded (%v), want %d", i, n, err, len(migrations))
			}
			_ = stores[i].Close()
		}
	})
}
