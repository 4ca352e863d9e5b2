package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/store"
)

// storeEnv names the results store when --store is not given.
const storeEnv = "SMP_STORE"

// saveTimeout bounds storing a report after a run, which goes ahead even
// when the run was interrupted (its partial report is stored too).
const saveTimeout = 30 * time.Second

// storeFlags are --store and --no-store, shared by the commands that keep
// or read reports in the results store.
type storeFlags struct {
	dsn  string
	none bool
}

// register adds --store (and with skip, --no-store) to fs.
func (f *storeFlags) register(fs *pflag.FlagSet, skip bool) {
	fs.StringVar(&f.dsn, "store", "", "results store: a SQLite path or sqlite://PATH, or postgres://… (default $"+storeEnv+", else "+defaultStoreHelp()+")")
	if skip {
		fs.BoolVar(&f.none, "no-store", false, "do not keep the report in the results store")
	}
}

// location is the DSN the flags name: --store, else $SMP_STORE, else ""
// (store.Open's default path).
func (f *storeFlags) location() string {
	if f.dsn != "" {
		return f.dsn
	}
	return os.Getenv(storeEnv)
}

// open opens the store; a failure is a plain error naming the store
// (store.Open redacts passwords).
func (f *storeFlags) open(ctx context.Context) (store.Store, error) {
	return store.Open(ctx, f.location())
}

// save keeps rep in the store unless --no-store, and returns its run ID
// ("" when not stored). It never fails the command: a store that cannot
// be opened or written is a warning on stderr, since the report itself
// was written already.
func (f *storeFlags) save(ctx context.Context, s Streams, rep *report.Report) string {
	if f.none || rep == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	st, err := f.open(ctx)
	if err != nil {
		fmt.Fprintf(s.Err, "warning: report not stored: %v\n", err)
		return ""
	}
	run, err := st.Put(ctx, rep)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(s.Err, "warning: report not stored: %v\n", err)
		return ""
	}
	fmt.Fprintf(s.Err, "stored: run %s\n", run.ID)
	return run.ID
}

// defaultStoreHelp is the default store's path for help texts.
func defaultStoreHelp() string {
	if p, err := store.DefaultPath(); err == nil {
		return p
	}
	return "results.db in the user's data directory"
}
