// Package chromium starts a headless Chromium for browser tests (the
// explorer's and the table viewer's), driven over the DevTools protocol
// with chromedp.
//
// Chromium is Debian's, installed by infra/tools.sh; without it a test
// fails, never skips: CI must run the browser tests.
package chromium

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Path returns Chromium's executable, failing the test when there is none.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: the browser tests need it; run `bash infra/tools.sh`, which installs Debian's chromium (apt-get install chromium)")
	return ""
}

// Start starts a headless Chromium with a fresh profile, a window of
// width × height pixels and the DevTools protocol on a free loopback port,
// and returns the protocol's WebSocket URL. Chromium and every process it
// starts (its own process group) are killed, and the profile removed,
// when the test ends.
func Start(t testing.TB, bin string, width, height int) string {
	t.Helper()
	profile := t.TempDir()
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--no-default-browser-check",
		"--user-data-dir="+profile,
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height),
		"about:blank")
	cmd.Env = append(os.Environ(), "HOME="+profile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the whole group: renderers, zygote, GPU process
		<-exited
	})

	var out bytes.Buffer // Chromium's log, for the failure message
	found := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			if ws, ok := strings.CutPrefix(line, "DevTools listening on "); ok {
				select {
				case found <- ws:
				default:
				}
			}
		}
		cmd.Wait()
	}()
	select {
	case ws := <-found:
		return ws
	case <-exited:
		t.Fatalf("%s exited before listening:\n%s", bin, out.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not listen within 15 s", bin)
	}
	return ""
}
