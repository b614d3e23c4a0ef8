package serve

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAccessLogStalledBody: a client that stops sending its body gets no
// answer it reads, and the access log line says so rather than a plain
// 400 (the body's read error, and the write's when the connection is
// gone).
func TestAccessLogStalledBody(t *testing.T) {
	var sink logSink
	srv := &http.Server{Handler: Wrap(fakeAPI(), Options{Logger: sink.logger()}), ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30\r\n\r\n{\"q")
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, _ := io.ReadAll(bufio.NewReader(conn))
	var line map[string]any
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ls := sink.lines(t); len(ls) > 0 {
			line = ls[len(ls)-1]
			break
		}
	}
	t.Logf("client got %d bytes: %q; log %v", len(got), got, line)
	if line == nil || line["read_error"] == nil {
		t.Fatalf("log line %v: want the read error", line)
	}
	if !strings.Contains(string(got), "400") && line["write_error"] == nil {
		t.Errorf("the client got no 400 (%q), and the log has no write_error: %v", got, line)
	}
}
