package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresLock serializes migrations between processes: a transaction-
// scoped advisory lock on a key of smp's own ("smpstore" in ASCII).
const postgresLock = `SELECT pg_advisory_xact_lock(8317427728000184933)`

// openPostgres connects to the PostgreSQL server dsn names (a postgres://
// or postgresql:// URL), checks it answers and migrates the schema to the
// last of steps. Every error names the DSN with its password redacted.
func openPostgres(ctx context.Context, dsn string, steps []migration) (Store, error) {
	where := Redact(dsn)
	fail := func(err error) error {
		return fmt.Errorf("store %s: %w", where, redactErr(err, dsn))
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fail(err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fail(err), db.Close())
	}
	if err := migrate(ctx, db, steps, postgresLock); err != nil {
		return nil, errors.Join(fail(err), db.Close())
	}
	return &sqlStore{db: db, where: where, now: time.Now}, nil
}
