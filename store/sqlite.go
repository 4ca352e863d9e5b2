package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver: pure Go, no cgo
)

// sqliteParams configure every connection: WAL so that readers and one
// writer proceed together and several processes can share the file; a
// busy timeout so that writers wait for each other rather than fail;
// immediate write transactions so that a writer takes the lock when it
// begins, where the busy timeout applies, instead of failing mid-way on
// upgrading a read lock; foreign keys checked.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_txlock=immediate"

// openSQLite opens (creating) the SQLite store at path and migrates it to
// the last of steps.
func openSQLite(ctx context.Context, path string, steps []migration) (Store, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store %s: path contains '?': expected a file path without one", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", path+"?"+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if err := checkWAL(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("store %s: %w", path, err), db.Close())
	}
	if err := migrate(ctx, db, steps, ""); err != nil {
		return nil, errors.Join(fmt.Errorf("store %s: %w", path, err), db.Close())
	}
	return &sqlStore{db: db, where: path, now: time.Now}, nil
}

// checkWAL opens the first connection (so a file that cannot be opened or
// is not a database fails here) and checks that WAL mode took: it does
// not on file systems without shared memory.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode %q: expected wal", mode)
	}
	return nil
}
