// Package browsertest drives a real headless Chromium from Go tests over
// the DevTools protocol on a pipe (--remote-debugging-pipe): no driver
// library, no network. Tests load pages, evaluate script, take
// screenshots, and collect every console error, exception, failed request
// and request to anywhere but the pages' own origin.
package browsertest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Find returns Debian's chromium (scripts/install-chromium installs it).
// Without it the test is skipped, or fails under CI=true.
func Find(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the browser test (the full suite runs it)")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed and CI is set: run scripts/install-chromium")
	}
	t.Skip("chromium is not installed (scripts/install-chromium installs it); under CI=true this test fails instead")
	return ""
}

// local reports whether u is a file, data or blank URL, or starts with one
// of allowed (a test server's origin).
func local(u string, allowed []string) bool {
	if strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:") || u == "about:blank" {
		return true
	}
	for _, a := range allowed {
		if strings.HasPrefix(u, a) {
			return true
		}
	}
	return false
}

// NewPage opens a tab of 1280×900 with the page, runtime, log and network
// domains enabled, and returns its session id.
func (b *Browser) NewPage(t *testing.T) string {
	t.Helper()
	target := b.Call(t, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	attached := b.Call(t, "", "Target.attachToTarget", map[string]any{"targetId": target["targetId"], "flatten": true})
	sid, _ := attached["sessionId"].(string)
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		b.Call(t, sid, m, nil)
	}
	b.Call(t, sid, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false})
	return sid
}

// Navigate loads url in the tab and waits until the tab shows it, loaded
// (a load event alone could be a page before it finishing late).
func (b *Browser) Navigate(t *testing.T, sid, url string) {
	t.Helper()
	b.forget("Page.loadEventFired")
	b.Call(t, sid, "Page.navigate", map[string]any{"url": url})
	b.WaitEvent(t, "Page.loadEventFired", 20*time.Second)
	b.WaitFor(t, sid, "location.href === "+strconv.Quote(url)+" && document.readyState === 'complete'", 20*time.Second)
}

// forget drops the events of a method seen so far, so WaitEvent waits for
// a new one.
func (b *Browser) forget(method string) {
	kept := b.events[:0]
	for _, e := range b.events {
		if e["method"] != method {
			kept = append(kept, e)
		} else {
			b.seen = append(b.seen, e)
		}
	}
	b.events = kept
}

// Eval evaluates a JavaScript expression in the tab and returns its value
// (returnByValue: strings, numbers, booleans, plain objects).
func (b *Browser) Eval(t *testing.T, sid, expr string) any {
	t.Helper()
	res := b.Call(t, sid, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if ex, ok := res["exceptionDetails"]; ok {
		t.Fatalf("evaluate %.80s: %v", expr, ex)
	}
	r, _ := res["result"].(map[string]any)
	return r["value"]
}

// WaitFor evaluates expr until it is true, or fails the test after
// timeout. An exception (an element not there yet, while a page loads) or
// an evaluation cut short by a navigation counts as false.
func (b *Browser) WaitFor(t *testing.T, sid, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	guarded := "(() => { try { return !!(" + expr + "); } catch (e) { return false; } })()"
	for {
		res, err := b.try(sid, "Runtime.evaluate", map[string]any{"expression": guarded, "returnByValue": true})
		if err == nil {
			if r, _ := res["result"].(map[string]any); r["value"] == true {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s (last error: %v)", timeout, expr, err)
		}
		b.Drain(100 * time.Millisecond)
	}
}

// Screenshot saves a full-page PNG of the tab as name in
// $SMP_TEST_ARTIFACTS (default: smp-test-artifacts in the temp dir) and
// returns its path.
func (b *Browser) Screenshot(t *testing.T, sid, name string) string {
	t.Helper()
	shot := b.Call(t, sid, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
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
	out := filepath.Join(art, name)
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
	return out
}

// Browser is a Chromium driven over --remote-debugging-pipe: requests go
// to its fd 3, replies and events come from its fd 4, each message JSON
// terminated by a NUL byte.
type Browser struct {
	cmd    *exec.Cmd
	in     *os.File
	msgs   chan map[string]any
	nextID int
	events []map[string]any
	// seen are events already waited for (kept for Problems).
	seen []map[string]any
}

// Start runs Chromium bin headless with its profile in dir, offline, and
// kills it when the test ends (its stderr is logged if the test failed).
func Start(t *testing.T, bin, dir string) *Browser {
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
		// Offline: every host name but 127.0.0.1 (a test server) fails to
		// resolve, and no proxy is used.
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-proxy-server", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &Browser{cmd: cmd, in: ourWrite, msgs: make(chan map[string]any, 256)}
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

// Call sends one command and waits for its reply, keeping events that
// arrive meanwhile.
func (b *Browser) Call(t *testing.T, session, method string, params map[string]any) map[string]any {
	t.Helper()
	res, err := b.try(session, method, params)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// try is Call returning the browser's error instead of failing the test.
func (b *Browser) try(session, method string, params map[string]any) (map[string]any, error) {
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
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-b.msgs:
			if !ok {
				return nil, fmt.Errorf("%s: chromium closed the pipe", method)
			}
			if got, _ := m["id"].(float64); int(got) == id {
				if e, ok := m["error"]; ok {
					return nil, fmt.Errorf("%s: %v", method, e)
				}
				res, _ := m["result"].(map[string]any)
				return res, nil
			}
			b.events = append(b.events, m)
		case <-deadline:
			return nil, fmt.Errorf("%s: no reply in 20 s", method)
		}
	}
}

// WaitEvent waits for an event of method (one seen already counts), or
// fails the test after timeout.
func (b *Browser) WaitEvent(t *testing.T, method string, timeout time.Duration) {
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

// Drain keeps the events that arrive during d.
func (b *Browser) Drain(d time.Duration) {
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

// Problems lists console errors and warnings, exceptions, log entries of
// level error or warning (CSP violations, failed loads), failed requests
// and requests to anywhere but file:, data:, about:blank and the allowed
// URL prefixes.
func (b *Browser) Problems(allowed ...string) []string {
	var out []string
	for _, e := range append(append([]map[string]any(nil), b.seen...), b.events...) {
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
			// A request the page cancelled itself (an event stream it
			// closed, a load cut short by navigating on) did not fail.
			if c, _ := p["canceled"].(bool); !c {
				out = append(out, fmt.Sprintf("request failed: %v", p))
			}
		case "Network.requestWillBeSent":
			req, _ := p["request"].(map[string]any)
			if u, _ := req["url"].(string); !local(u, allowed) {
				out = append(out, "request to "+u)
			}
		}
	}
	return out
}
