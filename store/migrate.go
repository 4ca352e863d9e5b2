package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// migration is one numbered step of the schema. Its statements run in one
// transaction together with the row recording it in schema_migrations, so
// a step is applied whole or not at all. Steps are never edited once
// released: a change to the schema is a new step.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations is the schema, step by step. The SQL is shared by SQLite and
// PostgreSQL: types both accept (TEXT, BIGINT, DOUBLE PRECISION, BOOLEAN),
// times as Unix nanoseconds (exact, ordered, zone-free).
var migrations = []migration{
	{version: 1, name: "runs, scenarios and labels", stmts: []string{
		`CREATE TABLE runs (
			id TEXT PRIMARY KEY,
			test TEXT NOT NULL,
			spec_hash TEXT NOT NULL,
			fingerprint TEXT NOT NULL,
			platform TEXT NOT NULL,
			tool_version TEXT NOT NULL,
			start_time BIGINT NOT NULL,
			end_time BIGINT NOT NULL,
			partial BOOLEAN NOT NULL,
			stored_at BIGINT NOT NULL,
			report TEXT NOT NULL
		)`,
		`CREATE INDEX runs_start ON runs (start_time)`,
		`CREATE INDEX runs_test ON runs (test, start_time)`,
		`CREATE INDEX runs_spec_hash ON runs (spec_hash)`,
		`CREATE INDEX runs_fingerprint ON runs (fingerprint)`,
		`CREATE TABLE run_scenarios (
			run_id TEXT NOT NULL REFERENCES runs (id),
			idx INTEGER NOT NULL,
			name TEXT NOT NULL,
			mesh_type TEXT NOT NULL,
			mesh_version TEXT NOT NULL,
			mtls BOOLEAN NOT NULL,
			achieved_rate DOUBLE PRECISION NOT NULL,
			error_rate DOUBLE PRECISION NOT NULL,
			p50_ms DOUBLE PRECISION NOT NULL,
			p99_ms DOUBLE PRECISION NOT NULL,
			p999_ms DOUBLE PRECISION NOT NULL,
			proxy_cpu_mcores DOUBLE PRECISION,
			proxy_mem_mb DOUBLE PRECISION,
			PRIMARY KEY (run_id, idx)
		)`,
		`CREATE INDEX run_scenarios_mesh ON run_scenarios (mesh_type, run_id)`,
		`CREATE TABLE run_labels (
			run_id TEXT NOT NULL REFERENCES runs (id),
			key TEXT NOT NULL,
			value TEXT NOT NULL,
			PRIMARY KEY (run_id, key)
		)`,
		`CREATE INDEX run_labels_kv ON run_labels (key, value, run_id)`,
	}},
}

// migrate brings db to the last of steps. lock, when not empty, runs
// first in each step's transaction to keep concurrent openers from
// applying the same step twice (PostgreSQL's advisory lock; SQLite's
// immediate transactions already serialize writers). A store newer than
// steps is an error: this code does not know its schema.
func migrate(ctx context.Context, db *sql.DB, steps []migration, lock string) error {
	latest := steps[len(steps)-1].version
	current, err := prepare(ctx, db, lock)
	if err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("migrate: schema version %d: expected at most %d (the store was written by a newer smp)", current, latest)
	}
	for _, m := range steps {
		if m.version <= current {
			continue
		}
		if err := apply(ctx, db, m, lock); err != nil {
			return err
		}
	}
	return nil
}

// prepare creates schema_migrations if missing (under the lock: creating
// a table is not safe from concurrent openers in PostgreSQL) and returns
// the schema version.
func prepare(ctx context.Context, db *sql.DB, lock string) (current int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer rollbackOnError(tx, &err)
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return 0, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if current, err = schemaVersion(ctx, tx); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: commit: %w", err)
	}
	return current, nil
}

// schemaVersion is the highest step applied, 0 for a new store.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("migrate: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// apply runs one step in a transaction, unless another opener applied it
// while this one waited for the lock.
func apply(ctx context.Context, db *sql.DB, m migration, lock string) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate to %d (%s): %w", m.version, m.name, err)
	}
	defer rollbackOnError(tx, &err)
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return fmt.Errorf("migrate to %d (%s): lock: %w", m.version, m.name, err)
		}
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if current >= m.version {
		return tx.Commit()
	}
	for i, s := range m.stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrate to %d (%s): statement %d: %w", m.version, m.name, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("migrate to %d (%s): record: %w", m.version, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate to %d (%s): commit: %w", m.version, m.name, err)
	}
	return nil
}

// rollbackOnError rolls tx back when *err is set, adding any failure of
// the rollback to *err.
func rollbackOnError(tx *sql.Tx, err *error) {
	if *err == nil {
		return
	}
	if rbErr := rollback(tx); rbErr != nil {
		*err = errors.Join(*err, rbErr)
	}
}

// rollback ends a failed transaction; a transaction already ended is no
// failure of its own.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
