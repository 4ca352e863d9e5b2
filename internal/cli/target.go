package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

type targetOptions struct {
	addr     string
	delay    string
	size     string
	statuses string
}

func newTargetCmd(s Streams) *cobra.Command {
	o := &targetOptions{}
	c := &cobra.Command{
		Use:   "target",
		Short: "Serve the built-in echo target (known latency, size and status mix)",
		Long: `Serve the built-in echo target over HTTP/1.1 until interrupted. Every
request is held for --delay, then answered with a --size body and the next
status of the --status rotation. Per request, the query parameters delay,
size and status override these (e.g. /?delay=5ms&size=100&status=503).`,
		Example: `  smp target --addr 127.0.0.1:8080 --delay 0 --size 1KiB
  smp target --delay 2ms --status 200,200,200,503   # one in four answers 503`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return o.run(c, s) },
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	f.StringVar(&o.delay, "delay", "0s", "service time per request (e.g. 0, 500us, 5ms)")
	f.StringVar(&o.size, "size", "1KiB", "response body size (e.g. 0, 512, 1KiB, 1MiB)")
	f.StringVar(&o.statuses, "status", "200", "status rotation: comma-separated codes, each request takes the next")
	return c
}

func (o *targetOptions) run(c *cobra.Command, s Streams) error {
	delay, err := parseDurationFlag("--delay", o.delay)
	if err != nil {
		return err
	}
	size, err := spec.ParseByteSize(o.size)
	if err != nil {
		return usageErr("--size %q: %v", o.size, err)
	}
	var statuses []int
	for _, f := range strings.Split(o.statuses, ",") {
		code, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || code < 200 || code > 599 {
			return usageErr("--status %q: entry %q: expected an HTTP status code from 200 to 599", o.statuses, f)
		}
		statuses = append(statuses, code)
	}
	srv, err := target.Start(c.Context(), target.Options{Addr: o.addr, Delay: delay, Size: int64(size), Statuses: statuses})
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	fmt.Fprintf(s.Out, "smp target listening on %s (delay %v, size %d bytes, status %s); Ctrl-C stops it\n",
		srv.URL(), delay, size, o.statuses)
	err = srv.Wait()
	fmt.Fprintf(s.Err, "smp target: stopped after %d requests\n", srv.Requests())
	return err
}
