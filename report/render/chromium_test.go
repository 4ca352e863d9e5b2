package render

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHTMLInChromium loads the HTML report in a real headless Chromium
// (Debian's chromium; scripts/install-chromium installs it), driven over
// the DevTools protocol on a pipe: the page must load with no console
// error, no exception and no failed or blocked request (network is cut off
// entirely), and every chart must be present and drawn. A full-page
// screenshot is kept in $SMP_TEST_ARTIFACTS (default: a temp dir).
func TestHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the browser test (the full suite runs it)")
	}
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed and CI is set: run scripts/install-chromium")
		}
		t.Skip("chromium is not installed (scripts/install-chromium installs it); under CI=true this test fails instead")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	// With capacity searches, so that the capacity chart is drawn too.
	if err := HTML(&buf, withCapacity(fixture(t))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t, bin, dir)
	target := b.call(t, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	attached := b.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target["targetId"], "flatten": true})
	sid, _ := attached["sessionId"].(string)
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		b.call(t, sid, m, nil)
	}
	b.call(t, sid, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false})
	b.call(t, sid, "Page.navigate", map[string]any{"url": "file://" + page})
	b.waitEvent(t, "Page.loadEventFired", 20*time.Second)

	ids := append(ChartIDs(), CapacityChartID)
	check := `(() => {
		const ids = ` + mustJSON(ids) + `;
		const out = {};
		for (const id of ids) {
			const el = document.getElementById(id);
			out[id] = el ? {tag: el.tagName.toLowerCase(), marks: el.querySelectorAll("polyline, rect.bar").length,
				trials: el.querySelectorAll(".trial").length,
				width: el.getBoundingClientRect().width} : null;
		}
		out.tables = document.querySelectorAll("table").length;
		return JSON.stringify(out);
	})()`
	res := b.call(t, sid, "Runtime.evaluate", map[string]any{"expression": check, "returnByValue": true})
	var charts map[string]any
	if err := json.Unmarshal([]byte(res["result"].(map[string]any)["value"].(string)), &charts); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		c, _ := charts[id].(map[string]any)
		if c == nil || c["tag"] != "svg" || c["marks"].(float64) == 0 || c["width"].(float64) < 100 {
			t.Errorf("chart %s: %v: want a drawn <svg> at least 100 px wide", id, charts[id])
		}
	}
	if c, _ := charts[CapacityChartID].(map[string]any); c == nil || c["trials"].(float64) != 5 {
		t.Errorf("capacity chart %v: want the 5 trials' markers drawn", c)
	}
	if charts["tables"].(float64) < 4 {
		t.Errorf("%v tables: want comparison, MeshMark, SLO and environment", charts["tables"])
	}

	shot := b.call(t, sid, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	png, err := base64.StdEncoding.DecodeString(shot["data"].(string))
	if err != nil || len(png) < 1000 {
		t.Fatalf("screenshot: %v (%d bytes)", err, len(png))
	}
	art := os.Getenv("SMP_TEST_ARTIFACTS")
	if art == "" {
		art = filepath.Join(os.TempDir(), "smp-test-artifacts")
	}
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(art, "report-html.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)

	// Let late console messages arrive, then judge.
	b.drain(300 * time.Millisecond)
	for _, p := range b.problems() {
		t.Errorf("browser: %s", p)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// browser is a Chromium driven over --remote-debugging-pipe: requests go
// to its fd 3, replies and events come from its fd 4, each message JSON
// terminated by a NUL byte.
type browser struct {
	cmd    *exec.Cmd
	in     *os.File
	msgs   chan map[string]any
	nextID int
	events []map[string]any
}

func startBrowser(t *testing.T, bin, dir string) *browser {
	t.Helper()
	toChrome, ourWrite, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourRead, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		// Offline: every host name fails to resolve, and no proxy is used.
		"--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &browser{cmd: cmd, in: ourWrite, msgs: make(chan map[string]any, 256)}
	t.Cleanup(func() {
		ourWrite.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ourRead.Close()
		if t.Failed() {
			t.Logf("chromium stderr:\n%s", stderr.String())
		}
	})
	go func() {
		r := bufio.NewReader(ourRead)
		for {
			raw, err := r.ReadBytes(0)
			if err != nil {
				close(b.msgs)
				return
			}
			var m map[string]any
			if json.Unmarshal(raw[:len(raw)-1], &m) == nil {
				b.msgs <- m
			}
		}
	}()
	return b
}

// call sends one command and waits for its reply, keeping events that
// arrive meanwhile.
func (b *browser) call(t *testing.T, session, method string, params map[string]any) map[string]any {
	t.Helper()
	b.nextID++
	id := b.nextID
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, _ := json.Marshal(msg)
	if _, err := b.in.Write(append(raw, 0)); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				t.Fatalf("%s: chromium closed the pipe", method)
			}
			if got, _ := m["id"].(float64); int(got) == id {
				if e, ok := m["error"]; ok {
					t.Fatalf("%s: %v", method, e)
				}
				res, _ := m["result"].(map[string]any)
				return res
			}
			b.events = append(b.events, m)
		case <-deadline:
			t.Fatalf("%s: no reply in 20 s", method)
		}
	}
}

func (b *browser) waitEvent(t *testing.T, method string, timeout time.Duration) {
	t.Helper()
	for _, e := range b.events {
		if e["method"] == method {
			return
		}
	}
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				t.Fatalf("waiting for %s: chromium closed the pipe", method)
			}
			b.events = append(b.events, m)
			if m["method"] == method {
				return
			}
		case <-deadline:
			t.Fatalf("no %s in %v", method, timeout)
		}
	}
}

func (b *browser) drain(d time.Duration) {
	deadline := time.After(d)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				return
			}
			b.events = append(b.events, m)
		case <-deadline:
			return
		}
	}
}

// problems lists console errors and warnings, exceptions, log entries of
// level error or warning (CSP violations, failed loads) and failed requests.
func (b *browser) problems() []string {
	var out []string
	for _, e := range b.events {
		p, _ := e["params"].(map[string]any)
		switch e["method"] {
		case "Runtime.consoleAPICalled":
			if typ := p["type"]; typ == "error" || typ == "warning" || typ == "assert" {
				out = append(out, fmt.Sprintf("console.%v: %v", typ, p["args"]))
			}
		case "Runtime.exceptionThrown":
			out = append(out, fmt.Sprintf("exception: %v", p["exceptionDetails"]))
		case "Log.entryAdded":
			entry, _ := p["entry"].(map[string]any)
			if lvl := entry["level"]; lvl == "error" || lvl == "warning" {
				out = append(out, fmt.Sprintf("log %v (%v): %v %v", lvl, entry["source"], entry["text"], entry["url"]))
			}
		case "Network.loadingFailed":
			out = append(out, fmt.Sprintf("request failed: %v", p))
		case "Network.requestWillBeSent":
			req, _ := p["request"].(map[string]any)
			if u, _ := req["url"].(string); !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
				out = append(out, "request to "+u)
			}
		}
	}
	return out
}
