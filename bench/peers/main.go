// Command peers benchmarks smp's load generator against the tools people
// use today, side by side in one run on one machine: nginx (one worker) is
// the target, pinned to one CPU; each generator is pinned to another. It
// prints a markdown table of medians over several runs, with ratios to
// smp, and the CPU time each generator spent per request (from the
// kernel's accounting of the child process).
//
// Run it through bench/run.sh, which installs the peers the project's way.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	smp, wrk, fortio, nginx string
	runs                    int
	duration                time.Duration
	conns                   int
	rate                    int
	serverCPU, clientCPU    string
	work                    string
}

// result is one generator run.
type result struct {
	rps     float64       // achieved requests/s
	cpu     time.Duration // user+system time of the generator
	reqs    float64       // requests completed
	lagP99  float64       // smp only: send lag p99, ms
	errText string
}

func (r result) cpuPerReq() float64 {
	if r.reqs <= 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / r.reqs
}

func main() {
	var o options
	flag.StringVar(&o.smp, "smp", "smp", "smp binary")
	flag.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	flag.StringVar(&o.fortio, "fortio", "fortio", "fortio binary")
	flag.StringVar(&o.nginx, "nginx", "nginx", "nginx binary")
	flag.IntVar(&o.runs, "runs", 5, "runs per generator and mode (the median is reported)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	flag.IntVar(&o.conns, "c", 16, "connections")
	flag.IntVar(&o.rate, "rate", 50000, "open-loop rate, requests/s")
	flag.StringVar(&o.serverCPU, "server-cpu", "0", "CPU list for nginx")
	flag.StringVar(&o.clientCPU, "client-cpu", "1", "CPU list for the generators")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "smp-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.work = dir
	url, stopNginx, err := startNginx(o)
	if err != nil {
		return err
	}
	defer stopNginx()

	closed := map[string][]result{}
	open := map[string][]result{}
	for i := range o.runs {
		for _, g := range []string{"smp", "wrk", "fortio"} {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r := o.closedLoop(ctx, g, url)
			fmt.Fprintf(os.Stderr, "run %d closed %-6s %10.0f req/s  %6.2f µs CPU/req %s\n", i+1, g, r.rps, r.cpuPerReq(), r.errText)
			closed[g] = append(closed[g], r)
		}
		for _, g := range []string{"smp", "fortio"} {
			r := o.openLoop(ctx, g, url)
			fmt.Fprintf(os.Stderr, "run %d open   %-6s %10.0f req/s  %6.2f µs CPU/req  lag p99 %.3f ms %s\n", i+1, g, r.rps, r.cpuPerReq(), r.lagP99, r.errText)
			open[g] = append(open[g], r)
		}
	}
	printTable(o, closed, open)
	return nil
}

// startNginx serves a small response from one nginx worker on serverCPU.
func startNginx(o options) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
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
`, o.work, port)
	path := filepath.Join(o.work, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", nil, err
	}
	os.MkdirAll(filepath.Join(o.work, "tmp"), 0o755)
	cmd := exec.Command("taskset", "-c", o.serverCPU, o.nginx, "-e", "stderr", "-p", o.work, "-c", path)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start nginx: %w", err)
	}
	stop := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); cmd.Wait() }
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	for range 200 {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.Close()
			return url, stop, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("nginx did not start")
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

// measure runs argv pinned to the client CPUs and returns its output and
// the CPU it used.
func (o options) measure(ctx context.Context, argv ...string) ([]byte, time.Duration, error) {
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", o.clientCPU}, argv...)...)
	out, err := cmd.Output()
	var cpu time.Duration
	if st := cmd.ProcessState; st != nil {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
	}
	return out, cpu, err
}

func (o options) closedLoop(ctx context.Context, gen, url string) result {
	d := o.duration
	switch gen {
	case "smp":
		out, cpu, err := o.measure(ctx, o.smp, "load", url, "-c", strconv.Itoa(o.conns), "-d", d.String(), "--warmup", "0s", "-o", "json")
		return smpResult(out, cpu, err)
	case "wrk":
		out, cpu, err := o.measure(ctx, o.wrk, "-t1", "-c"+strconv.Itoa(o.conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s", url)
		if err != nil {
			return result{errText: err.Error()}
		}
		m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
		n := regexp.MustCompile(`([0-9]+) requests in`).FindSubmatch(out)
		if m == nil || n == nil {
			return result{errText: "unparsed wrk output"}
		}
		rps, _ := strconv.ParseFloat(string(m[1]), 64)
		reqs, _ := strconv.ParseFloat(string(n[1]), 64)
		return result{rps: rps, reqs: reqs, cpu: cpu}
	default:
		return o.fortioRun(ctx, url, 0)
	}
}

func (o options) openLoop(ctx context.Context, gen, url string) result {
	if gen == "smp" {
		out, cpu, err := o.measure(ctx, o.smp, "load", url, "-c", strconv.Itoa(o.conns), "--rate", strconv.Itoa(o.rate),
			"-d", o.duration.String(), "--warmup", "0s", "-o", "json")
		return smpResult(out, cpu, err)
	}
	return o.fortioRun(ctx, url, o.rate)
}

func (o options) fortioRun(ctx context.Context, url string, qps int) result {
	js := filepath.Join(o.work, "fortio.json")
	q := "0"
	if qps > 0 {
		q = strconv.Itoa(qps)
	}
	_, cpu, err := o.measure(ctx, o.fortio, "load", "-quiet", "-qps", q, "-c", strconv.Itoa(o.conns),
		"-t", o.duration.String(), "-json", js, url)
	if err != nil {
		return result{errText: err.Error()}
	}
	data, err := os.ReadFile(js)
	if err != nil {
		return result{errText: err.Error()}
	}
	var f struct {
		ActualQPS         float64
		DurationHistogram struct{ Count float64 }
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return result{errText: err.Error()}
	}
	return result{rps: f.ActualQPS, reqs: f.DurationHistogram.Count, cpu: cpu}
}

func smpResult(out []byte, cpu time.Duration, err error) result {
	if err != nil {
		return result{errText: err.Error()}
	}
	var r struct {
		Scenarios []struct {
			Summary struct {
				AchievedRate float64
				Requests     float64
				SendLag      struct{ Percentiles map[string]float64 }
			}
		}
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Scenarios) == 0 {
		return result{errText: fmt.Sprintf("unparsed smp output: %v", err)}
	}
	s := r.Scenarios[0].Summary
	return result{rps: s.AchievedRate, reqs: s.Requests, cpu: cpu, lagP99: s.SendLag.Percentiles["p99"]}
}

func median(rs []result, f func(result) float64) float64 {
	var v []float64
	for _, r := range rs {
		if r.errText == "" {
			v = append(v, f(r))
		}
	}
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

func printTable(o options, closed, open map[string][]result) {
	cpuModel := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(data); m != nil {
			cpuModel = string(m[1])
		}
	}
	rps := func(r result) float64 { return r.rps }
	cpr := func(r result) float64 { return r.cpuPerReq() }
	fmt.Printf("Machine: %s, %d CPUs, %s; nginx on CPU %s, generators on CPU %s; %d connections, %v per run, median of %d runs.\n\n",
		cpuModel, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"), o.serverCPU, o.clientCPU, o.conns, o.duration, o.runs)
	fmt.Println("Closed loop (as fast as possible):")
	fmt.Println()
	fmt.Println("| generator | requests/s | ratio smp/peer | CPU µs per request |")
	fmt.Println("|---|---:|---:|---:|")
	base := median(closed["smp"], rps)
	for _, g := range []string{"smp", "wrk", "fortio"} {
		v := median(closed[g], rps)
		ratio := "-"
		if g != "smp" && v > 0 {
			ratio = fmt.Sprintf("%.2f", base/v)
		}
		fmt.Printf("| %s | %.0f | %s | %.2f |\n", g, v, ratio, median(closed[g], cpr))
	}
	fmt.Printf("\nOpen loop at %d requests/s:\n\n", o.rate)
	fmt.Println("| generator | achieved/s | CPU µs per request | ratio smp/peer CPU | send lag p99 ms |")
	fmt.Println("|---|---:|---:|---:|---:|")
	sc := median(open["smp"], cpr)
	for _, g := range []string{"smp", "fortio"} {
		v := median(open[g], cpr)
		ratio, lag := "-", "n/a"
		if g != "smp" && v > 0 {
			ratio = fmt.Sprintf("%.2f", sc/v)
		}
		if g == "smp" {
			lag = fmt.Sprintf("%.3f", median(open[g], func(r result) float64 { return r.lagP99 }))
		}
		fmt.Printf("| %s | %.0f | %.2f | %s | %s |\n", g, median(open[g], rps), v, ratio, lag)
	}
}
