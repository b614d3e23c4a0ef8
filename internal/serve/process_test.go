package serve

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/testenv/lambdart"
)

// TestRunStopsOnSignal runs lambdart's testdata/echo, a main that is
// serve.Run around a handler, as a local server process and stops it with
// SIGTERM (as a container runtime does) or SIGINT (Ctrl-C): it must log
// why, finish, and exit 0.
func TestRunStopsOnSignal(t *testing.T) {
	bin := lambdart.Build(t, "../testenv/lambdart/testdata/echo")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin)
			// Not the test's environment: AWS_LAMBDA_RUNTIME_API must be unset.
			cmd.Env = []string{"INSYN_LISTEN=127.0.0.1:0", "PATH=" + os.Getenv("PATH")}
			pr, pw := io.Pipe()
			cmd.Stderr = pw
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() {
				err := cmd.Wait()
				pw.Close()
				exited <- err
			}()
			lines := make(chan map[string]any, 16)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(pr)
				for sc.Scan() {
					t.Logf("echo: %s", sc.Text())
					var m map[string]any
					if json.Unmarshal(sc.Bytes(), &m) != nil {
						m = map[string]any{"msg": "not JSON: " + sc.Text()}
					}
					lines <- m
				}
			}()
			t.Cleanup(func() {
				cmd.Process.Kill()
				// The reader logs to t, so it must be done before t is.
				for range lines {
				}
			})
			next := func(msg string) map[string]any {
				t.Helper()
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							t.Fatalf("output ended before a %q line", msg)
						}
						if l["msg"] == msg {
							return l
						}
					case <-time.After(10 * time.Second):
						t.Fatalf("no %q line within 10 s", msg)
					}
				}
			}

			addr, _ := next("serving")["addr"].(string)
			resp, err := http.Get(addr + "/echo?query=%7Ba%7D")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"query":"{a}"`) {
				t.Fatalf("status %d, body %s", resp.StatusCode, body)
			}
			if l := next("request"); l["status"] != float64(200) || l["path"] != "/echo" {
				t.Errorf("access log line %v", l)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if l := next("stopping"); !strings.Contains(l["reason"].(string), sig.String()) {
				t.Errorf("stopping line %v does not name %s", l, sig)
			}
			next("stopped")
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit: %v, want status 0", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("process still running 10 s after the signal")
			}
		})
	}
}
