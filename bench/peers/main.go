// Command peers benchmarks smp's load generator against the tools people
// use today, side by side in one run on one machine: nginx (one worker) is
// the target, pinned to one CPU; each generator is pinned to another. It
// prints markdown tables of medians over several runs, with ratios to
// smp, the CPU time each generator spent per request (from the kernel's
// accounting of the child process) and the latency each tool reports.
//
// Each peer is one implementation of generator, one per file: smp.go,
// wrk.go, fortio.go, hey.go, vegeta.go. Within a round every generator
// runs once per mode, in turn, so that a noisy minute on a shared machine
// hits all of them.
//
// Run it through bench/run.sh, which installs the peers the project's way.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/smp-dev/smp/load/protocol"
)

// options are the command's flags.
type options struct {
	smp, wrk, fortio, hey, vegeta, nginx string
	versions                             string
	runs                                 int
	duration                             time.Duration
	conns                                int
	rate                                 int
	serverCPU, clientCPU                 string
	only                                 string // comma-separated generator names; "" is all
}

func main() {
	var o options
	flag.StringVar(&o.smp, "smp", "smp", "smp binary")
	flag.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	flag.StringVar(&o.fortio, "fortio", "fortio", "fortio binary")
	flag.StringVar(&o.hey, "hey", "hey", "hey binary")
	flag.StringVar(&o.vegeta, "vegeta", "vegeta", "vegeta binary")
	flag.StringVar(&o.nginx, "nginx", "nginx", "nginx binary")
	flag.StringVar(&o.versions, "versions", "", "the peers' versions, as printed above the tables")
	flag.IntVar(&o.runs, "runs", 5, "runs per generator and mode (the median is reported)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	flag.IntVar(&o.conns, "c", 16, "connections")
	flag.IntVar(&o.rate, "rate", 50000, "open-loop rate, requests/s")
	flag.StringVar(&o.serverCPU, "server-cpu", "0", "CPU list for nginx")
	flag.StringVar(&o.clientCPU, "client-cpu", "1", "CPU list for the generators")
	flag.StringVar(&o.only, "generators", "", "comma-separated generators to run, of: "+strings.Join(names(options{}.all()), ", ")+
		" (default all; smp, the base of every ratio, always runs)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

// all lists the tools in the order they run within a round; smp comes
// first and is the base of every ratio.
func (o options) all() []generator {
	return []generator{
		smpGen{bin: o.smp},
		smpGen{bin: o.smp, driver: protocol.DriverUring},
		smpGen{bin: o.smp, driver: protocol.DriverGoroutines},
		wrkGen{bin: o.wrk},
		fortioGen{bin: o.fortio},
		heyGen{bin: o.hey},
		vegetaGen{bin: o.vegeta},
	}
}

// names are the generators' names.
func names(gens []generator) []string {
	var s []string
	for _, g := range gens {
		s = append(s, g.name())
	}
	return s
}

// generators are the tools -generators selects, smp first.
func (o options) generators() ([]generator, error) {
	all := o.all()
	if strings.TrimSpace(o.only) == "" {
		return all, nil
	}
	want := map[string]bool{"smp": true}
	for _, n := range strings.Split(o.only, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		found := false
		for _, g := range all {
			found = found || g.name() == n
		}
		if !found {
			return nil, fmt.Errorf("-generators: unknown generator %q, expected one of %s", n, strings.Join(names(all), ", "))
		}
		want[n] = true
	}
	var gens []generator
	for _, g := range all {
		if want[g.name()] {
			gens = append(gens, g)
		}
	}
	return gens, nil
}

func run(ctx context.Context, o options) error {
	if o.runs < 1 || o.conns < 1 || o.rate < 1 || o.duration < time.Second {
		return fmt.Errorf("-runs %d, -c %d, -rate %d, -duration %v: want at least 1 run, 1 connection, 1 request/s and 1s",
			o.runs, o.conns, o.rate, o.duration)
	}
	gens, err := o.generators()
	if err != nil {
		return err
	}
	cpus, err := cpuListLen(o.clientCPU)
	if err != nil {
		return fmt.Errorf("-client-cpu: %w", err)
	}
	dir, err := os.MkdirTemp("", "smp-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory: a leftover is harmless
	url, stopNginx, nginxCPU, err := startNginx(ctx, o, dir)
	if err != nil {
		return err
	}
	defer stopNginx()

	b := &bench{conns: o.conns, duration: o.duration, cpus: cpus, work: dir, measure: pinned(o.clientCPU), server: nginxCPU}
	closed := map[string][]result{}
	open := map[string][]result{}
	for i := range o.runs {
		for _, g := range gens {
			r, err := runOne(ctx, g, b, url, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "run %d closed %-14s %s\n", i+1, g.name(), r)
			closed[g.name()] = append(closed[g.name()], r)
		}
		for _, g := range gens {
			if ok, _ := g.openLoop(); !ok {
				continue
			}
			r, err := runOne(ctx, g, b, url, o.rate)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "run %d open   %-14s %s\n", i+1, g.name(), r)
			open[g.name()] = append(open[g.name()], r)
		}
	}
	printTables(os.Stdout, o, gens, closed, open)
	return nil
}

// runOne runs g once. A run that fails (the tool exited with an error, or
// no request succeeded) is kept as a failed result, left out of the
// medians and counted in the notes; output the runner cannot read stops
// the benchmark, since every later run of that tool would fail the same
// way.
func runOne(ctx context.Context, g generator, b *bench, url string, rate int) (result, error) {
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	before, serr := serverCPU(b)
	t0 := time.Now()
	r, err := g.run(ctx, b, url, rate)
	if after, aerr := serverCPU(b); serr == nil && aerr == nil {
		if wall := time.Since(t0); wall > 0 {
			r.serverBusy, r.serverMeasured = float64(after-before)/float64(wall), true
		}
	}
	if err == nil {
		switch {
		case r.reqs <= 0:
			return result{failed: g.name() + ": no request completed"}, nil
		case r.errors >= r.reqs:
			return result{failed: fmt.Sprintf("%s: every request failed or got a non-2xx status (%.0f)", g.name(), r.errors)}, nil
		}
		return r, nil
	}
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	var pe *parseError
	if errors.As(err, &pe) {
		return result{}, err
	}
	return result{failed: err.Error()}, nil
}

// serverCPU is the server's CPU time so far, or an error when b does not
// measure it.
func serverCPU(b *bench) (time.Duration, error) {
	if b.server == nil {
		return 0, errors.ErrUnsupported
	}
	return b.server()
}

// startNginx serves a small response from one nginx worker on serverCPU,
// with its files in dir. It returns the URL, a func that stops nginx and
// one that reads the CPU time its processes have used so far.
func startNginx(ctx context.Context, o options, dir string) (string, func(), func() (time.Duration, error), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, nil, err
	}
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp; uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
  server { listen 127.0.0.1:%[2]d; location / { return 200 "hello, benchmark\n"; } }
}
`, dir, port)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", nil, nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return "", nil, nil, err
	}
	cmd := exec.Command("taskset", "-c", o.serverCPU, o.nginx, "-e", "stderr", "-p", dir, "-c", path)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = groupAttr()
	if err := cmd.Start(); err != nil {
		return "", nil, nil, fmt.Errorf("start nginx: %w", err)
	}
	stop := func() { termGroup(cmd); _ = cmd.Wait() } // it exits by our SIGTERM: its status says nothing
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for range 200 {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			pgid := cmd.Process.Pid // nginx leads its own process group (groupAttr)
			return "http://" + addr + "/", stop, func() (time.Duration, error) { return groupCPU(pgid) }, nil
		}
		select {
		case <-ctx.Done():
			stop()
			return "", nil, nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	return "", nil, nil, fmt.Errorf("nginx did not accept connections on %s within 2s", addr)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pinned returns the exec seam every generator goes through: it runs argv
// pinned to cpuList and returns its standard output and the user+system
// CPU time the process (and any children it waited for) used. A failure
// names the command and carries what it printed.
func pinned(cpuList string) measureFunc {
	return func(ctx context.Context, argv ...string) ([]byte, time.Duration, error) {
		cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", cpuList}, argv...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cpu := childCPU(cmd.ProcessState)
		if err != nil {
			return out, cpu, fmt.Errorf("%s: %w; stderr: %s; stdout: %s",
				strings.Join(argv, " "), err, clip([]byte(stderr.String())), clip(out))
		}
		return out, cpu, nil
	}
}

// cpuListLen counts the CPUs in a taskset CPU list such as "1", "1-3" or
// "0,2-3".
func cpuListLen(list string) (int, error) {
	n := 0
	for part := range strings.SplitSeq(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return 0, fmt.Errorf("CPU list %q: %q is not a CPU number or range", list, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, fmt.Errorf("CPU list %q: %q is not a CPU range low-high", list, part)
			}
		}
		n += b - a + 1
	}
	return n, nil
}
