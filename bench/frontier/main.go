// Command frontier measures load generators where it matters to the
// server: for each generator and rate, the CPU the generator spends per
// request against how evenly its requests arrive. The server is this
// program's own (a child process of itself started with -serve, on one
// thread pinned to one CPU): it timestamps every request's arrival and,
// after each run, counts them per window (1 ms by default) after a warmup,
// reporting the counts' coefficient of variation, 99th percentile and
// maximum window, the share of windows above twice the mean and the
// achieved rate. Each generator runs pinned to another CPU; its CPU time
// is the kernel's accounting of the child process, divided by the requests
// the server received.
//
// It prints a markdown table of medians over several runs (the generators
// alternate within each round, so that a noisy minute hits all of them)
// and writes the frontier as an SVG chart: CPU µs per request against
// arrival CV, one line per generator and setting, points labelled by rate.
//
// Run it through bench/frontier.sh, which installs the generators.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	smp, fortio, vegeta  string
	only                 string // comma-separated curves to run; empty = all
	rates                []int
	conns, runs          int
	duration             time.Duration
	warmup, window       time.Duration
	serverCPU, clientCPU string
	server               string
	svg                  string
}

func main() {
	var o options
	var rates, serve string
	flag.StringVar(&serve, "serve", "", "run as the recording server (raw or http), commanded on standard input; used by the benchmark itself")
	flag.StringVar(&o.smp, "smp", "smp", "smp binary")
	flag.StringVar(&o.fortio, "fortio", "fortio", "fortio binary")
	flag.StringVar(&o.vegeta, "vegeta", "vegeta", "vegeta binary")
	flag.StringVar(&o.only, "generators", "", "comma-separated generators to run, by name (smp, fortio, vegeta) or curve (\"smp --driver eventloop\"); empty = all")
	flag.StringVar(&rates, "rates", "10000,25000,40000,50000", "comma-separated rates, requests/s")
	flag.IntVar(&o.conns, "c", 16, "connections")
	flag.IntVar(&o.runs, "runs", 5, "runs per generator and rate (the median is reported)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "time after the first arrival left out of the evenness figures")
	flag.DurationVar(&o.window, "window", time.Millisecond, "window the arrivals are counted in")
	flag.StringVar(&o.serverCPU, "server-cpu", "0", "CPU list for the server")
	flag.StringVar(&o.clientCPU, "client-cpu", "1", "CPU list for the generators")
	flag.StringVar(&o.server, "server", "raw", "recording server: raw (a minimal HTTP/1.1 responder) or http (net/http)")
	flag.StringVar(&o.svg, "svg", "frontier.svg", "where to write the chart")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if serve != "" {
		err = runServer(ctx, serve)
	} else if o.rates, err = parseRates(rates); err == nil {
		err = run(ctx, o, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "frontier:", err)
		os.Exit(1)
	}
}

// runServer is the -serve mode: the server on one thread, commanded on
// standard input.
func runServer(ctx context.Context, name string) error {
	s, err := serverNamed(name)
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(1)
	return control(ctx, s, os.Stdin, os.Stdout, selfCPU)
}

// parseRates reads a comma-separated list of positive rates.
func parseRates(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || r < 1 {
			return nil, fmt.Errorf("-rates %q: %q is not a rate of at least 1 request/s", s, part)
		}
		out = append(out, r)
	}
	return out, nil
}

// pick returns the generators o.only names (all when it is empty).
func (o options) pick() ([]generator, error) {
	all := generators(o.smp, o.fortio, o.vegeta)
	if o.only == "" {
		return all, nil
	}
	var out []generator
	for want := range strings.SplitSeq(o.only, ",") {
		want = strings.TrimSpace(want)
		n := len(out)
		for _, g := range all {
			if g.name() == want || curve(g) == want {
				out = append(out, g)
			}
		}
		if len(out) == n {
			var names []string
			for _, g := range all {
				names = append(names, curve(g))
			}
			return nil, fmt.Errorf("-generators %q: %q names none of %s", o.only, want, strings.Join(names, ", "))
		}
	}
	return out, nil
}

func run(ctx context.Context, o options, stdout, progress io.Writer) error {
	if o.runs < 1 || o.conns < 1 || o.duration < time.Second || o.window <= 0 || o.warmup < 0 || o.warmup >= o.duration {
		return fmt.Errorf("-runs %d, -c %d, -duration %v, -window %v, -warmup %v: want at least 1 run, 1 connection, a duration of 1s or more, a window > 0 and a warmup in [0, duration)",
			o.runs, o.conns, o.duration, o.window, o.warmup)
	}
	gens, err := o.pick()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start its server: %w", err)
	}
	srv, err := startServer(ctx, self, o.serverCPU, o.server)
	if err != nil {
		return err
	}
	defer srv.stop()
	b := &bench{o: o, srv: srv, url: "http://" + srv.addr + "/", exec: pinned(o.clientCPU)}
	res := results{}
	for i := range o.runs {
		for _, rate := range o.rates {
			for _, g := range gens {
				r, err := b.runOne(ctx, g, rate)
				if err != nil {
					return err
				}
				fmt.Fprintf(progress, "run %d %-24s %6d/s  %s\n", i+1, curve(g), rate, r)
				res.add(curve(g), rate, r)
			}
		}
	}
	if err := writeTable(stdout, o, gens, res); err != nil {
		return err
	}
	f, err := os.Create(o.svg)
	if err != nil {
		return fmt.Errorf("-svg: %w", err)
	}
	if err := writeSVG(f, o, gens, res); err != nil {
		_ = f.Close() // the write error is the one to report
		return err
	}
	return f.Close()
}

// bench is what every run shares; read-only during runs.
type bench struct {
	o    options
	srv  *serverProc
	url  string
	exec execFunc
}

// runOne runs g at rate once. A generator that fails makes a failed run
// (left out of the medians, counted under the table); a server that
// fails stops the benchmark.
func (b *bench) runOne(ctx context.Context, g generator, rate int) (runResult, error) {
	if err := ctx.Err(); err != nil {
		return runResult{}, err
	}
	// Room for 1.5× the requests asked for, and more: a generator that
	// overshoots loses timestamps, which the result counts.
	capacity := int(float64(rate)*b.o.duration.Seconds()*1.5) + 100_000
	if err := b.srv.arm(capacity); err != nil {
		return runResult{}, err
	}
	argv, stdin := g.command(b.url, rate, b.o.conns, b.o.duration)
	cpu, runErr := b.exec(ctx, stdin, argv...)
	e, err := b.srv.stats(b.o.warmup, b.o.window)
	if err != nil {
		return runResult{}, err
	}
	if ctx.Err() != nil {
		return runResult{}, ctx.Err()
	}
	r := runResult{cpu: cpu, e: e}
	switch {
	case runErr != nil:
		r.failed = runErr.Error()
	case e.Requests == 0:
		r.failed = "the server received no request"
	case e.Windows == 0:
		r.failed = fmt.Sprintf("no whole %v window after the %v warmup", b.o.window, b.o.warmup)
	}
	return r, nil
}
