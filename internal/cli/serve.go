package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/dashboard"
	"github.com/smp-dev/smp/report/live"
	"github.com/smp-dev/smp/store"
)

// defaultServeAddr is smp serve's address: loopback only.
const defaultServeAddr = "127.0.0.1:8089"

type serveOptions struct {
	store       storeFlags
	addr        string
	token       string
	allowDelete bool
}

func newServeCmd(s Streams) *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve",
		Short: "A web dashboard over the results store: runs, overlays, trends, live runs",
		Long: `Serve a web UI over the results store (the one smp run and smp load fill):

  /               every run: test, meshes, rate, p50/p99/p99.9, CPU per proxy,
                  MeshMark, SLO; filter and search; tick runs to overlay them
  /run/ID         one run: comparison table, percentile curve, histogram,
                  rate and p99 over time, resources per role; downloads
  /compare?id=A&id=B  overlay: two runs' deltas with 95% intervals, or the
                  percentiles of several side by side
  /trend?test=T   p99 and CPU per proxy of a test over time, change points ringed
  /live           tests running now (every smp run / smp load writes a live
                  feed); each page updates every second as the run goes
  /api/...        the same as JSON: /api/runs, /api/runs/ID,
                  /api/runs/ID/export?format=json|smp|fortio, /api/live

It listens on loopback by default. With --addr on another interface a token is
required: --token, or a random one printed in the URL to open. Read-only
unless --allow-delete. Everything is embedded: it works offline.`,
		Example: `  smp serve
  smp serve --addr 0.0.0.0:8089            # prints a URL with a fresh token
  smp serve --store postgres://smp@db/smp --allow-delete`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.run(c.Context(), s)
		},
	}
	f := c.Flags()
	o.store.register(f, false)
	f.StringVar(&o.addr, "addr", defaultServeAddr, "listen on HOST:PORT (a port of 0 picks a free one); other than loopback requires a token")
	f.StringVar(&o.token, "token", "", "require this token (default: none on loopback, a random one elsewhere)")
	f.BoolVar(&o.allowDelete, "allow-delete", false, "let the UI and API delete runs")
	return c
}

func (o *serveOptions) run(ctx context.Context, s Streams) error {
	token, err := serveToken(o.addr, o.token)
	if err != nil {
		return err
	}
	st, err := o.store.open(ctx)
	if err != nil {
		return err
	}
	ln, url, err := listenDashboard(st, liveDir(&o.store), o.addr, token, o.allowDelete, s)
	if err != nil {
		_ = st.Close() // the listen error is the one to report
		return err
	}
	mode := "read-only"
	if o.allowDelete {
		mode = "deletes allowed"
	}
	fmt.Fprintf(s.Err, "serving %s (%s; store %s); Ctrl-C to stop\n", url, mode, storeName(o.store.location()))
	err = dashboard.Serve(ctx, ln.ln, ln.h)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// listening is a dashboard bound to its address, not yet serving.
type listening struct {
	ln net.Listener
	h  *dashboard.Server
}

// listenDashboard binds the dashboard over st and returns it with the URL
// to open (the token in it, if any).
func listenDashboard(st store.Store, liveDir, addr, token string, allowDelete bool, s Streams) (listening, string, error) {
	srv, err := dashboard.New(dashboard.Options{Store: st, LiveDir: liveDir, Token: token, AllowDelete: allowDelete})
	if err != nil {
		return listening{}, "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listening{}, "", &ExitError{Code: ExitFailed, Err: fmt.Errorf("--addr %s: %w", addr, err)}
	}
	url := "http://" + ln.Addr().String() + "/"
	if token != "" {
		url += "?token=" + token
	}
	return listening{ln: ln, h: srv}, url, nil
}

// serveToken is the token the dashboard requires: the given one, else a
// fresh one when addr is not loopback, else none.
func serveToken(addr, given string) (string, error) {
	loop, err := dashboard.Loopback(addr)
	if err != nil {
		return "", usageErr("--addr: %w", err)
	}
	if given != "" || loop {
		return given, nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// liveDir is where runs write their live feeds and smp serve reads them:
// $SMP_LIVE_DIR, else "live" beside the SQLite store sf names (beside the
// default one for PostgreSQL), so that a run and smp serve given the same
// --store meet.
func liveDir(sf *storeFlags) string {
	base := ""
	if p, ok := store.SQLitePath(sf.location()); ok {
		base = filepath.Dir(p)
	} else if p, err := store.DefaultPath(); err == nil {
		base = filepath.Dir(p)
	}
	return live.Dir(base)
}

func storeName(loc string) string {
	if loc == "" {
		return defaultStoreHelp()
	}
	return store.Redact(loc)
}
