package cli

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/internal/proxy"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// The commands in this file are the processes smp starts on the local
// platform: a sample-app service and the reference sidecar. They are hidden
// from help; users run them through test specs.

type serviceOptions struct {
	addr, size, delay string
	downstreams       []string
}

func newServiceCmd(s Streams) *cobra.Command {
	o := &serviceOptions{}
	c := &cobra.Command{
		Use:    "service",
		Short:  "Run one sample-app service (started by the local platform)",
		Hidden: true,
		Args:   args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			delay, err := parseDurationFlag("--delay", o.delay)
			if err != nil {
				return err
			}
			size, err := spec.ParseByteSize(o.size)
			if err != nil {
				return usageErr("--size %q: %v", o.size, err)
			}
			opts := target.Options{Addr: o.addr, Delay: delay, Size: int64(size)}
			if len(o.downstreams) > 0 {
				opts.Downstream = target.Downstream(o.downstreams, 30*time.Second)
			}
			srv, err := target.Start(c.Context(), opts)
			if err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			fmt.Fprintf(s.Err, "service listening on %s, downstream %v\n", srv.Addr(), o.downstreams)
			return srv.Wait()
		},
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen address")
	f.StringVar(&o.size, "size", "1KiB", "response body size")
	f.StringVar(&o.delay, "delay", "0s", "service time")
	f.StringArrayVar(&o.downstreams, "downstream", nil, "URL to call before answering (repeatable: called at once)")
	return c
}

func newProxyCmd(s Streams) *cobra.Command {
	var config string
	c := &cobra.Command{
		Use:    "proxy --config FILE",
		Short:  "Run the reference sidecar proxy (started by the local platform)",
		Hidden: true,
		Args:   args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			data, err := os.ReadFile(config) //nolint:gosec // G304: the config file the local platform wrote and named
			if err != nil {
				return usageErr("--config: %v", err)
			}
			var pc proxy.Config
			if err := json.Unmarshal(data, &pc); err != nil {
				return usageErr("--config %s: %v", config, err)
			}
			if pc.Concurrency > 0 {
				runtime.GOMAXPROCS(pc.Concurrency)
			}
			if err := proxy.Serve(c.Context(), pc, log.New(s.Err, "", log.LstdFlags|log.Lmicroseconds)); err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			return nil
		},
	}
	c.Flags().StringVar(&config, "config", "", "proxy configuration (JSON)")
	return c
}
