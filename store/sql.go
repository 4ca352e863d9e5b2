package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// sqlStore is the Store over database/sql that SQLite and PostgreSQL share:
// one schema, one set of queries with $N placeholders (both drivers take
// them).
type sqlStore struct {
	db *sql.DB
	// where names the store in errors (path, or DSN with the password
	// redacted).
	where string
	now   func() time.Time
}

var _ Store = (*sqlStore)(nil)

// readTx is a consistent snapshot for the queries of one List: PostgreSQL
// takes the isolation level; SQLite ignores it, and its deferred
// transaction reads one snapshot in WAL mode anyway.
var readTx = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

func (s *sqlStore) Put(ctx context.Context, r *report.Report) (_ Run, err error) {
	run, raw, err := index(r)
	if err != nil {
		return Run{}, fmt.Errorf("store %s: put: %w", s.where, err)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("store %s: put run %s: %w", s.where, run.ID, err)
		}
	}()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Run{}, err
	}
	defer rollbackOnError(tx, &err)
	res, err := tx.ExecContext(ctx, `INSERT INTO runs
		(id, test, spec_hash, fingerprint, platform, tool_version, start_time, end_time, partial, stored_at, report)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO NOTHING`,
		run.ID, run.Test, run.SpecHash, run.Fingerprint, run.Platform, run.ToolVersion,
		run.StartTime.UnixNano(), run.EndTime.UnixNano(), run.Partial, s.now().UnixNano(), string(raw))
	if err != nil {
		return Run{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Run{}, err
	} else if n == 0 {
		// Stored already: the ID is a hash of the content, so the stored
		// report is this one.
		return run, tx.Commit()
	}
	for i, sc := range run.Scenarios {
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_scenarios
			(run_id, idx, name, mesh_type, mesh_version, mtls, achieved_rate, error_rate, p50_ms, p99_ms, p999_ms, proxy_cpu_mcores, proxy_mem_mb)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			run.ID, i, sc.Name, sc.MeshType, sc.MeshVersion, sc.MTLS, sc.AchievedRate, sc.ErrorRate,
			sc.P50Ms, sc.P99Ms, sc.P999Ms, nullFloat(sc.ProxyCPUMcores), nullFloat(sc.ProxyMemMB)); err != nil {
			return Run{}, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(run.Labels)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_labels (run_id, key, value) VALUES ($1, $2, $3)`,
			run.ID, k, run.Labels[k]); err != nil {
			return Run{}, err
		}
	}
	return run, tx.Commit()
}

func (s *sqlStore) Get(ctx context.Context, id string) (*report.Report, error) {
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT report FROM runs WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{ID: id}
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: get run %s: %w", s.where, id, err)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return nil, fmt.Errorf("store %s: get run %s: %w", s.where, id, err)
	}
	return &r, nil
}

func (s *sqlStore) List(ctx context.Context, f Filter) (runs []Run, err error) {
	if f.Limit < 0 {
		return nil, fmt.Errorf("store: list: limit %d: expected 0 (no limit) or more", f.Limit)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("store %s: list: %w", s.where, err)
		}
	}()
	sel, args := selectIDs(f)
	tx, err := s.db.BeginTx(ctx, readTx)
	if err != nil {
		return nil, err
	}
	defer func() { // read-only: nothing to commit
		if rbErr := rollback(tx); rbErr != nil {
			err = errors.Join(err, rbErr)
		}
	}()

	byID := map[string]*Run{}
	if runs, err = queryRuns(ctx, tx, sel, args); err != nil {
		return nil, err
	}
	for i := range runs {
		byID[runs[i].ID] = &runs[i]
	}
	if err := queryScenarios(ctx, tx, sel, args, byID); err != nil {
		return nil, err
	}
	if err := queryLabels(ctx, tx, sel, args, byID); err != nil {
		return nil, err
	}
	return runs, nil
}

func (s *sqlStore) Delete(ctx context.Context, id string) (err error) {
	defer func() {
		var nf *NotFoundError
		if err != nil && !errors.As(err, &nf) {
			err = fmt.Errorf("store %s: delete run %s: %w", s.where, id, err)
		}
	}()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollbackOnError(tx, &err)
	// The rows that refer to the run first (foreign keys), then the run.
	for _, q := range []string{`DELETE FROM run_labels WHERE run_id = $1`, `DELETE FROM run_scenarios WHERE run_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return &NotFoundError{ID: id}
	}
	return tx.Commit()
}

func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store %s: close: %w", s.where, err)
	}
	return nil
}

// selectIDs is the query of the IDs of the runs f selects, newest first,
// and its arguments. List's three queries embed it, so each reads the
// same runs.
func selectIDs(f Filter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Test != "" {
		conds = append(conds, "test = "+arg(f.Test))
	}
	if f.SpecHash != "" {
		conds = append(conds, "spec_hash = "+arg(f.SpecHash))
	}
	if f.Fingerprint != "" {
		conds = append(conds, "fingerprint = "+arg(f.Fingerprint))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "start_time >= "+arg(f.Since.UnixNano()))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "start_time < "+arg(f.Until.UnixNano()))
	}
	if f.Mesh != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM run_scenarios s WHERE s.run_id = runs.id AND s.mesh_type = "+arg(f.Mesh)+")")
	}
	for _, k := range slices.Sorted(maps.Keys(f.Labels)) {
		conds = append(conds, "EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = runs.id AND l.key = "+
			arg(k)+" AND l.value = "+arg(f.Labels[k])+")")
	}
	q := "SELECT id FROM runs"
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY start_time DESC, id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	return q, args
}

func queryRuns(ctx context.Context, tx *sql.Tx, sel string, args []any) ([]Run, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, test, spec_hash, fingerprint, platform, tool_version, start_time, end_time, partial
		FROM runs WHERE id IN (`+sel+`) ORDER BY start_time DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what matters
	runs := []Run{}
	for rows.Next() {
		var r Run
		var start, end int64
		if err := rows.Scan(&r.ID, &r.Test, &r.SpecHash, &r.Fingerprint, &r.Platform, &r.ToolVersion, &start, &end, &r.Partial); err != nil {
			return nil, err
		}
		r.StartTime, r.EndTime = time.Unix(0, start).UTC(), time.Unix(0, end).UTC()
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

func queryScenarios(ctx context.Context, tx *sql.Tx, sel string, args []any, byID map[string]*Run) error {
	rows, err := tx.QueryContext(ctx, `SELECT run_id, name, mesh_type, mesh_version, mtls, achieved_rate, error_rate, p50_ms, p99_ms, p999_ms, proxy_cpu_mcores, proxy_mem_mb
		FROM run_scenarios WHERE run_id IN (`+sel+`) ORDER BY run_id, idx`, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what matters
	for rows.Next() {
		var id string
		var sc ScenarioRun
		var cpu, mem sql.NullFloat64
		if err := rows.Scan(&id, &sc.Name, &sc.MeshType, &sc.MeshVersion, &sc.MTLS, &sc.AchievedRate, &sc.ErrorRate,
			&sc.P50Ms, &sc.P99Ms, &sc.P999Ms, &cpu, &mem); err != nil {
			return err
		}
		sc.ProxyCPUMcores, sc.ProxyMemMB = floatPtr(cpu), floatPtr(mem)
		if r := byID[id]; r != nil {
			r.Scenarios = append(r.Scenarios, sc)
		}
	}
	return rows.Err()
}

func queryLabels(ctx context.Context, tx *sql.Tx, sel string, args []any, byID map[string]*Run) error {
	rows, err := tx.QueryContext(ctx, `SELECT run_id, key, value FROM run_labels WHERE run_id IN (`+sel+`)`, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what matters
	for rows.Next() {
		var id, k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			return err
		}
		if r := byID[id]; r != nil {
			if r.Labels == nil {
				r.Labels = map[string]string{}
			}
			r.Labels[k] = v
		}
	}
	return rows.Err()
}

// index checks a report and derives its index row and the JSON to keep.
func index(r *report.Report) (Run, []byte, error) {
	if r == nil {
		return Run{}, nil, errors.New("report: nil")
	}
	if r.SchemaVersion != report.SchemaVersion {
		return Run{}, nil, fmt.Errorf("report schemaVersion %q: expected %q", r.SchemaVersion, report.SchemaVersion)
	}
	if r.Test == nil {
		return Run{}, nil, errors.New("report test: missing: expected the spec the run used")
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return Run{}, nil, err
	}
	id, err := RunID(r)
	if err != nil {
		return Run{}, nil, err
	}
	specHash, err := SpecHash(r.Test)
	if err != nil {
		return Run{}, nil, err
	}
	run := Run{
		ID:          id,
		Test:        r.Test.Metadata.Name,
		SpecHash:    specHash,
		Fingerprint: Fingerprint(r.Environment),
		Platform:    r.Test.Environment.Platform,
		ToolVersion: r.Tool.Version,
		StartTime:   r.StartTime.UTC(),
		EndTime:     r.EndTime.UTC(),
		Partial:     r.Partial,
		Scenarios:   []ScenarioRun{},
	}
	if run.Platform == "" {
		run.Platform = spec.PlatformLocal // the spec's default
	}
	for _, m := range []map[string]string{r.Test.Metadata.Labels, r.Test.Environment.Labels, r.Environment.Labels} {
		if len(m) > 0 && run.Labels == nil {
			run.Labels = map[string]string{}
		}
		maps.Copy(run.Labels, m)
	}
	for _, sc := range r.Scenarios {
		run.Scenarios = append(run.Scenarios, headline(sc))
	}
	return run, raw, nil
}

// headline takes a scenario's index figures from its summary.
func headline(sc report.Scenario) ScenarioRun {
	sum := sc.Summary
	h := ScenarioRun{
		Name:         sc.Name,
		MeshType:     sc.Mesh.Type,
		MeshVersion:  sc.Mesh.Version,
		MTLS:         sc.Mesh.MTLS,
		AchievedRate: sum.AchievedRate,
		ErrorRate:    sum.ErrorRate,
		P50Ms:        sum.Latency.Percentiles[report.PercentileKey(50)],
		P99Ms:        sum.Latency.Percentiles[report.PercentileKey(99)],
		P999Ms:       sum.Latency.Percentiles[report.PercentileKey(99.9)],
	}
	if sum.Resources != nil && sum.Resources.Proxy != nil {
		cpu, mem := sum.Resources.Proxy.CPUMcores, sum.Resources.Proxy.MemMB
		h.ProxyCPUMcores, h.ProxyMemMB = &cpu, &mem
	}
	return h
}

func nullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

func floatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}
