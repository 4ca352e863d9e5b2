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
	"github.com/smp-dev/smp/internal/xdsgrpc"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// The commands in this file are the processes smp starts on the local
// platform: a sample-app service and the reference sidecar. They are hidden
// from help; users run them through test specs.

type serviceOptions struct {
	addr, size, delay string
	downstreams       []string
	protocol          string
	xds               bool
	adminAddr         string
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
			switch o.protocol {
			case "http":
				if o.xds {
					return usageErr("--xds with --protocol http: expected --protocol grpc")
				}
			case "grpc":
				return o.runGRPC(c, s, delay, int64(size))
			default:
				return usageErr("--protocol %q: expected http or grpc", o.protocol)
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
	f.StringArrayVar(&o.downstreams, "downstream", nil,
		"to call before answering (repeatable: called at once): a URL, or with --protocol grpc host:port or xds:///name:port")
	f.StringVar(&o.protocol, "protocol", "http", "http, or grpc (Ping and health on --addr, plain-HTTP admin on --admin-addr)")
	f.BoolVar(&o.xds, "xds", false, "with --protocol grpc: serve as an xDS server (Istio proxyless gRPC; needs GRPC_XDS_BOOTSTRAP)")
	f.StringVar(&o.adminAddr, "admin-addr", "0.0.0.0:8081", "with --protocol grpc: admin address (/healthz, /probe, /peers)")
	return c
}

// runGRPC serves the gRPC sample-app service and its admin port.
func (o *serviceOptions) runGRPC(c *cobra.Command, s Streams, delay time.Duration, size int64) error {
	for _, d := range o.downstreams {
		if err := target.CheckGRPCTarget(d); err != nil {
			return usageErr("--downstream: %v", err)
		}
	}
	if o.xds {
		if err := xdsgrpc.CheckBootstrap(); err != nil {
			return usageErr("--xds: %v", err)
		}
	}
	opts := target.GRPCOptions{Addr: o.addr, Delay: delay, SizedReply: true, Size: size, XDS: o.xds, Log: s.Err}
	if len(o.downstreams) > 0 {
		d, err := target.NewGRPCDownstream(o.downstreams)
		if err != nil {
			return &ExitError{Code: ExitFailed, Err: err}
		}
		defer func() { _ = d.Close() }() // the service is stopping: nothing to act on
		opts.Downstream = d.Call
	}
	srv, err := target.StartGRPC(c.Context(), opts)
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	admin, err := target.StartAdmin(c.Context(), target.AdminOptions{Addr: o.adminAddr, Server: srv})
	if err != nil {
		_ = srv.Close() // cleanup on an error path: the start error is the one to report
		return &ExitError{Code: ExitFailed, Err: err}
	}
	defer func() { _ = admin.Close() }() // the service is stopping: nothing to act on
	mode := "grpc"
	if o.xds {
		mode = "grpc, xds"
	}
	fmt.Fprintf(s.Err, "service listening on %s (%s), admin on %s, downstream %v\n", srv.Addr(), mode, admin.URL(), o.downstreams)
	return srv.Wait()
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
