package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// server answers HTTP/1.1 on ln and records every request's arrival in
// rec until ctx ends. Implementations: rawServer, httpServer.
type server interface {
	name() string
	serve(ctx context.Context, ln net.Listener, rec *recorder) error
}

// servers are the implementations -server can name.
func servers() []server { return []server{rawServer{}, httpServer{}} }

func serverNamed(name string) (server, error) {
	var names []string
	for _, s := range servers() {
		if s.name() == name {
			return s, nil
		}
		names = append(names, s.name())
	}
	return nil, fmt.Errorf("-server %q: want one of %s", name, strings.Join(names, ", "))
}

// reply is one line the server process writes on its standard output: the
// address it listens on (first line), an acknowledgement of arm, or the
// evenness of a run; Error when a command failed.
type reply struct {
	Addr  string    `json:"addr,omitempty"`
	Error string    `json:"error,omitempty"`
	Stats *evenness `json:"stats,omitempty"`
}

// control runs the server process's side of the protocol: it serves on a
// loopback port, writes the address, then reads one command per line from
// in until it ends, answering each with one reply line on out:
//
//	arm CAPACITY         start a run, with room for CAPACITY timestamps
//	stats WARMUP WINDOW  end the run and report its evenness (durations as ns)
//
// cpu returns the user+system CPU the process has used so far.
func control(ctx context.Context, s server, in io.Reader, out io.Writer, cpu func() time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rec := newRecorder()
	served := make(chan error, 1)
	go func() { served <- s.serve(ctx, ln, rec) }()
	enc := json.NewEncoder(out)
	if err := enc.Encode(reply{Addr: ln.Addr().String()}); err != nil {
		return err
	}
	var cpu0 time.Duration
	var armed time.Time
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var r reply
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "arm":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 0 {
				r.Error = fmt.Sprintf("arm %q: want a capacity >= 0", f[1])
				break
			}
			rec.arm(n)
			cpu0, armed = cpu(), time.Now()
		case len(f) == 3 && f[0] == "stats":
			w, errW := strconv.ParseInt(f[1], 10, 64)
			win, errWin := strconv.ParseInt(f[2], 10, 64)
			if errW != nil || errWin != nil || w < 0 || win <= 0 {
				r.Error = fmt.Sprintf("stats %q %q: want warmup >= 0 and window > 0 in ns", f[1], f[2])
				break
			}
			used, wall := cpu()-cpu0, time.Since(armed)
			ts, n, lost := rec.take()
			e := measure(ts, time.Duration(w), time.Duration(win))
			e.Requests, e.Unrecorded, e.ServerCPU, e.ServerWall = n, lost, int64(used), int64(wall)
			r.Stats = &e
		default:
			r.Error = fmt.Sprintf("command %q: want arm CAPACITY or stats WARMUP WINDOW", sc.Text())
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	cancel()
	return errors.Join(sc.Err(), <-served)
}

// serverProc is the recording server running as a child process of this
// program (the same binary with -serve), pinned with taskset.
type serverProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	addr string
}

// startServer starts `taskset -c cpuList SELF -serve NAME` on one thread
// (GOMAXPROCS=1) and waits for its address.
func startServer(ctx context.Context, self, cpuList, name string) (*serverProc, error) {
	cmd := exec.CommandContext(ctx, "taskset", "-c", cpuList, self, "-serve", name)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = groupAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	p := &serverProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	r, err := p.read()
	if err != nil {
		p.stop()
		return nil, err
	}
	p.addr = r.Addr
	return p, nil
}

func (p *serverProc) read() (reply, error) {
	if !p.out.Scan() {
		return reply{}, fmt.Errorf("the server process ended its output: %v", p.out.Err())
	}
	var r reply
	if err := json.Unmarshal(p.out.Bytes(), &r); err != nil {
		return reply{}, fmt.Errorf("the server process wrote %q: %w", p.out.Text(), err)
	}
	if r.Error != "" {
		return reply{}, fmt.Errorf("server: %s", r.Error)
	}
	return r, nil
}

func (p *serverProc) command(format string, args ...any) (reply, error) {
	if _, err := fmt.Fprintf(p.in, format+"\n", args...); err != nil {
		return reply{}, fmt.Errorf("command the server: %w", err)
	}
	return p.read()
}

// arm starts a run with room for capacity timestamps.
func (p *serverProc) arm(capacity int) error {
	_, err := p.command("arm %d", capacity)
	return err
}

// stats ends the run and returns its evenness.
func (p *serverProc) stats(warmup, window time.Duration) (evenness, error) {
	r, err := p.command("stats %d %d", int64(warmup), int64(window))
	if err == nil && r.Stats == nil {
		err = errors.New("server: a reply to stats without stats")
	}
	if err != nil {
		return evenness{}, err
	}
	return *r.Stats, nil
}

// stop ends the server: its input closed, it exits; if it has not within
// 5s its process group is killed.
func (p *serverProc) stop() {
	_ = p.in.Close() // the server exits at the end of its input
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }() // it exits as asked: its status says nothing
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		killGroup(p.cmd)
		<-done
	}
}
