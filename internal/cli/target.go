package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

type targetOptions struct {
	addr     string
	delay    string
	size     string
	statuses string
	tls      bool
	cert     string
	key      string
	clientCA string
	h2c      bool
	tcpEcho  string
	grpc     string
	stall    string
}

func newTargetCmd(s Streams) *cobra.Command {
	o := &targetOptions{}
	c := &cobra.Command{
		Use:   "target",
		Short: "Serve the built-in echo target (known latency, size and status mix)",
		Long: `Serve the built-in echo target until interrupted. Every request is held
for --delay, then answered with a --size body and the next status of the
--status rotation. Per request, the query parameters delay, size and status
override these (e.g. /?delay=5ms&size=100&status=503).

Without --tls the port serves HTTP/1.1 and, unless --h2c=false, HTTP/2 with
prior knowledge (smp load --protocol h2c). With --tls it serves HTTPS only,
HTTP/1.1 and HTTP/2 chosen by ALPN, with the --cert and --key given or else
a self-signed certificate for 127.0.0.1, ::1 and localhost, written to a
file whose path is printed (pass it to smp load --cacert). --client-ca
requires client certificates issued by that CA (mTLS): connections without
one are refused in the handshake.

--tcp-echo ADDR also serves TCP echo on ADDR (every byte read is written
back), for smp load --protocol tcp. --grpc ADDR also serves gRPC on ADDR:
the standard grpc.health.v1.Health service and smp.target.v1.Target/Ping,
which echoes its payload after --delay (smp load --protocol grpc); with
--tls it uses the same certificates and client CA.`,
		Example: `  smp target --addr 127.0.0.1:8080 --delay 0 --size 1KiB
  smp target --delay 2ms --status 200,200,200,503   # one in four answers 503
  smp target --stall 200ms/2s                       # every 2 s, 200 ms without answers
  smp target --addr 127.0.0.1:8443 --tls            # self-signed
  smp target --addr 127.0.0.1:8443 --tls --cert server.pem --key server-key.pem --client-ca ca.pem
  smp target --tcp-echo 127.0.0.1:9000              # and TCP echo on port 9000
  smp target --grpc 127.0.0.1:9090                  # and gRPC on port 9090`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return o.run(c, s) },
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	f.StringVar(&o.delay, "delay", "0s", "service time per request (e.g. 0, 500us, 5ms)")
	f.StringVar(&o.size, "size", "1KiB", "response body size (e.g. 0, 512, 1KiB, 1MiB)")
	f.StringVar(&o.statuses, "status", "200", "status rotation: comma-separated codes, each request takes the next")
	f.BoolVar(&o.tls, "tls", false, "serve HTTPS (HTTP/1.1 and HTTP/2 by ALPN); self-signed unless --cert and --key")
	f.StringVar(&o.cert, "cert", "", "with --tls: PEM file of the server certificate; with --key")
	f.StringVar(&o.key, "key", "", "with --tls: PEM file of the server key; with --cert")
	f.StringVar(&o.clientCA, "client-ca", "", "with --tls: require client certificates issued by the CAs in this PEM file (mTLS)")
	f.BoolVar(&o.h2c, "h2c", true, "without --tls: also serve HTTP/2 with prior knowledge on the same port")
	f.StringVar(&o.tcpEcho, "tcp-echo", "", "also serve TCP echo on this address (e.g. 127.0.0.1:9000)")
	f.StringVar(&o.stall, "stall", "", "hold every request arriving in the first FOR of each EVERY, as FOR/EVERY (e.g. 200ms/2s): a stall of known length")
	f.StringVar(&o.grpc, "grpc", "", "also serve gRPC (health and Ping) on this address (e.g. 127.0.0.1:9090)")
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
	topts := target.Options{Addr: o.addr, Delay: delay, Size: int64(size), Statuses: statuses, NoH2C: !o.h2c}
	if o.stall != "" {
		if topts.Stall, err = parseStall(o.stall); err != nil {
			return err
		}
	}
	note, certFile, err := o.serverTLS(&topts)
	if err != nil {
		return err
	}
	if certFile != "" {
		defer func() { _ = os.Remove(certFile) }() // the self-signed certificate lives as long as the target
	}
	srv, err := target.Start(c.Context(), topts)
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	if o.tcpEcho != "" {
		e, err := target.StartEcho(c.Context(), o.tcpEcho)
		if err != nil {
			_ = srv.Close() // cleanup on an error path: the start error is the one to report
			return &ExitError{Code: ExitFailed, Err: err}
		}
		defer func() { _ = e.Close() }() // shutdown of a target the user stopped: nothing to act on
		fmt.Fprintf(s.Out, "smp target: TCP echo on %s\n", e.Addr())
	}
	if o.grpc != "" {
		g, err := target.StartGRPC(c.Context(), target.GRPCOptions{Addr: o.grpc, Delay: delay, TLS: topts.TLS})
		if err != nil {
			_ = srv.Close() // cleanup on an error path: the start error is the one to report
			return &ExitError{Code: ExitFailed, Err: err}
		}
		defer func() { _ = g.Close() }() // shutdown of a target the user stopped: nothing to act on
		scheme := "grpc"
		if topts.TLS != nil {
			scheme = "grpcs"
		}
		fmt.Fprintf(s.Out, "smp target: gRPC on %s://%s\n", scheme, g.Addr())
	}
	fmt.Fprintf(s.Out, "smp target listening on %s (delay %v, size %d bytes, status %s%s); Ctrl-C stops it\n",
		srv.URL(), delay, size, o.statuses, note)
	err = srv.Wait()
	fmt.Fprintf(s.Err, "smp target: stopped after %d requests\n", srv.Requests())
	return err
}

// serverTLS fills the TLS settings of t from the flags, and returns what to
// say about them when the server starts.
func (o *targetOptions) serverTLS(t *target.Options) (note, certFile string, err error) {
	if !o.tls {
		for _, f := range []struct{ flag, v string }{{"--cert", o.cert}, {"--key", o.key}, {"--client-ca", o.clientCA}} {
			if f.v != "" {
				return "", "", usageErr("%s %q: expected --tls with it", f.flag, f.v)
			}
		}
		if o.h2c {
			return ", HTTP/1.1 and h2c", "", nil
		}
		return ", HTTP/1.1", "", nil
	}
	for _, f := range []struct{ flag, path string }{{"--cert", o.cert}, {"--key", o.key}, {"--client-ca", o.clientCA}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return "", "", usageErr("%s %q: expected a readable PEM file (%v)", f.flag, f.path, err)
		}
	}
	if (o.cert == "") != (o.key == "") {
		return "", "", usageErr("--cert %q and --key %q: expected both or neither (neither: a self-signed certificate)", o.cert, o.key)
	}
	cfg, selfSigned, err := target.TLSConfig(target.TLSFiles{Cert: o.cert, Key: o.key, ClientCA: o.clientCA})
	if err != nil {
		return "", "", usageErr("%v", err)
	}
	t.TLS = cfg
	note = ", TLS"
	if selfSigned != nil {
		f, err := os.CreateTemp("", "smp-target-*.pem")
		if err != nil {
			return "", "", &ExitError{Code: ExitFailed, Err: err}
		}
		_, err = f.Write(selfSigned)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", "", &ExitError{Code: ExitFailed, Err: err}
		}
		certFile = f.Name()
		note += ", self-signed certificate in " + certFile
	}
	if o.clientCA != "" {
		note += ", client certificates required"
	}
	return note, certFile, nil
}

// parseStall reads --stall FOR/EVERY.
func parseStall(v string) (*target.Stall, error) {
	f, e, ok := strings.Cut(v, "/")
	st := &target.Stall{}
	var err1, err2 error
	if ok {
		st.For, err1 = time.ParseDuration(strings.TrimSpace(f))
		st.Every, err2 = time.ParseDuration(strings.TrimSpace(e))
	}
	if !ok || err1 != nil || err2 != nil || st.For <= 0 || st.Every <= st.For {
		return nil, usageErr("--stall %q: expected FOR/EVERY with 0 < FOR < EVERY, such as 200ms/2s", v)
	}
	return st, nil
}
