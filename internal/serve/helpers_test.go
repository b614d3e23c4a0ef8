package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// logSink collects a logger's JSON lines for a test to read.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(s, nil)) }

// lines parses every line written so far, failing the test on one that is
// not a JSON object.
func (s *logSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	text := s.buf.String()
	s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not a JSON object: %v\n%s", err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// only returns the one line whose msg is msg, failing the test unless
// there is exactly one.
func (s *logSink) only(t *testing.T, msg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range s.lines(t) {
		if l["msg"] == msg {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one log line with msg %q, got %d:\n%s", msg, len(found), s.buf.String())
	}
	return found[0]
}

// fakeETag is the ETag fakeAPI gives every answer, as the real API will
// give one per dataset version and query.
const fakeETag = `"lake-2024-1"`

// fakeAPI stands in for the GraphQL handler. It answers JSON describing the
// request it got (method, path, query parameter, body, request id), padded
// with ?pad=N bytes, with fakeETag; /panic panics, /empty writes nothing.
func fakeAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "fakeAPI: reading body: "+err.Error(), http.StatusInternalServerError)
			return
		}
		pad, _ := strconv.Atoi(r.URL.Query().Get("pad"))
		answer, _ := json.Marshal(echoed{
			Method:    r.Method,
			Path:      r.URL.Path,
			Query:     r.URL.Query().Get("query"),
			Body:      string(body),
			RequestID: RequestID(r.Context()),
			Pad:       strings.Repeat("x", pad),
		})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", fakeETag)
		w.Write(answer)
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", fakeETag)
		panic("fakeAPI: asked to panic")
	})
	mux.HandleFunc("/empty", func(http.ResponseWriter, *http.Request) {})
	return mux
}

// echoed is fakeAPI's answer.
type echoed struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Query     string `json:"query"`
	Body      string `json:"body"`
	RequestID string `json:"request_id"`
	Pad       string `json:"pad,omitempty"`
}

// errorMessage returns the message of a GraphQL-style error body,
// failing the test if body is not one with exactly one error.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("want {\"errors\":[{\"message\":...}]}, got %q (%v)", body, err)
	}
	return e.Errors[0].Message
}
