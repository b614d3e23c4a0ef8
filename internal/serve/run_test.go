package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waitFor polls the sink until a line with msg appears.
func waitFor(t *testing.T, sink *logSink, msg string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, l := range sink.lines(t) {
			if l["msg"] == msg {
				return l
			}
		}
	}
	t.Fatalf("no log line %q within 10 s:\n%s", msg, sink.buf.String())
	return nil
}

// TestRunHTTP runs the local server on a free port, sends it a request,
// and checks that cancelling Run's context lets a request in flight finish
// before Run returns.
func TestRunHTTP(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/graphql", fakeAPI())
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("finished"))
	})
	sink := &logSink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() {
		ran <- Run(ctx, mux, Options{Listen: "127.0.0.1:0", Logger: sink.logger()})
	}()

	start := waitFor(t, sink, "serving")
	addr, _ := start["addr"].(string)
	if start["mode"] != "http" || !strings.HasPrefix(addr, "http://127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("startup line %v, want mode http and the real address", start)
	}
	resp, err := http.Get(addr + "/graphql?query=%7Ba%7D")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e := decodeEchoed(t, body); resp.StatusCode != 200 || e.Query != "{a}" || e.RequestID == "" || resp.Header.Get("X-Request-Id") != e.RequestID {
		t.Fatalf("status %d, X-Request-Id %q, answer %+v: the handler is not served wrapped", resp.StatusCode, resp.Header.Get("X-Request-Id"), e)
	}

	// API Gateway refuses a request line and headers over 10 KiB; so does
	// the local server, give or take net/http's buffer slack (which is
	// larger on a reused connection, hence a fresh one).
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	long, err := fresh.Get(addr + "/graphql?query=" + strings.Repeat("x", 16<<10))
	if err != nil {
		t.Fatal(err)
	}
	long.Body.Close()
	if long.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with a 16 KiB query: status %d, want 431", long.StatusCode)
	}

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(addr + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	<-entered
	cancel()
	waitFor(t, sink, "stopping")
	// Shutdown closes the listener right after logging "stopping".
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "http://"), time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 2 s after the context ended")
		}
	}
	select {
	case err := <-ran:
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if got := <-slow; got != "finished" {
		t.Errorf("request in flight got %q, want it to finish", got)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	waitFor(t, sink, "stopped")
}

func TestRunListenError(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = Run(context.Background(), fakeAPI(), Options{Listen: taken.Addr().String(), Logger: (&logSink{}).logger()})
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()) || !strings.Contains(err.Error(), "INSYN_LISTEN") {
		t.Fatalf("Run on a taken port: %v, want an error naming the address and INSYN_LISTEN", err)
	}
}
