package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/cli/clitest"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// startSmp starts the smp child and returns the first stderr line matching
// re (its submatches), and the rest of stderr.
func startSmp(t *testing.T, re *regexp.Regexp, args ...string) (*exec.Cmd, []string, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(clitest.Exe(t), args...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan []string, 1)
	var rest strings.Builder
	go func() {
		sc := bufio.NewScanner(pipe)
		sent := false
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m
				sent = true
			}
			rest.WriteString(sc.Text() + "\n")
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case m, ok := <-found:
		if !ok {
			t.Fatalf("smp %v ended without printing %v", args, re)
		}
		return cmd, m, &rest
	case <-time.After(30 * time.Second):
		t.Fatalf("smp %v: no %v in 30 s", args, re)
	}
	return nil, nil, nil
}

// smp load --serve: the dashboard comes up with the run, its live page's
// event stream follows the load to its end and names the stored run.
func TestLoadServeStreamsTheRun(t *testing.T) {
	srv := targettest.Start(t, target.Options{Delay: time.Millisecond})
	cmd, m, rest := startSmp(t, regexp.MustCompile(`^dashboard: (http://\S+/) \(live: (http://\S+)\)$`),
		"load", srv.URL(), "--rate", "200", "-c", "2", "-d", "3s", "--warmup", "0s", "--serve", "127.0.0.1:0")
	base, liveURL := m[1], m[2]
	key := liveURL[strings.LastIndex(liveURL, "/")+1:]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"api/live/"+key+"/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var updates int
	var end map[string]any
	named := false // an update names the scenario after the URL, as the report does
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() && end == nil {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			t.Fatal(err)
		}
		switch event {
		case "update":
			updates++
			if d["ticks"] != nil && d["ticks"] != float64(0) {
				named = named || strings.Contains(data, srv.URL())
			}
		case "end":
			end = d
		default:
			t.Fatalf("event %s: %v", event, d)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("smp load: %v\n%s", err, rest)
	}
	if end == nil || updates < 2 {
		t.Fatalf("%d updates, end %v: want a few updates, then the end", updates, end)
	}
	if !named {
		t.Errorf("no update with ticks names the scenario %s (the report's name for it)", srv.URL())
	}
	stored := regexp.MustCompile(`stored: run ([0-9a-f]{16})`).FindStringSubmatch(rest.String())
	if stored == nil || end["runId"] != stored[1] {
		t.Errorf("end names run %v; smp printed %q", end["runId"], stored)
	}
}

func TestServeTokenAndBadInput(t *testing.T) {
	for _, tc := range [][]string{
		{"serve", "--addr", "nonsense"},
		{"load", "http://127.0.0.1:1/", "--serve", "127.0.0.1:0", "--no-store", "-d", "1s"},
	} {
		code, _, errOut := smp(t, tc...)
		if code != ExitUsage || !strings.Contains(errOut, "--") {
			t.Errorf("smp %v: exit %d %s: want 2 naming the flag", tc, code, errOut)
		}
	}
	// Off loopback: a token is made up and required.
	_, m, _ := startSmp(t, regexp.MustCompile(`^serving (http://([^/]+)/\?token=([0-9a-f]{32})) \(read-only`), "serve", "--addr", "0.0.0.0:0")
	hostPort := m[2]
	port := hostPort[strings.LastIndex(hostPort, ":"):]
	res, err := http.Get("http://127.0.0.1" + port + "/api/runs")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: %d %s", res.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1"+port+"/api/runs", nil)
	req.Header.Set("Authorization", "Bearer "+m[3])
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("with the token: %d", res.StatusCode)
	}
}
