package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/serve"
)

const q94 = `{ report(id: "9:4") { caption rows { label cells { display mark } } } }`

// TestGetAndPost: GET ?query= and POST give the same answer, ETag and
// lake version; a successful GET may be cached, errors and POSTs not.
func TestGetAndPost(t *testing.T) {
	h := sampleHandler(t)
	v := h.lake.Version()
	g := get(t, h, q94, nil)
	p := post(t, h, q94, nil)
	if g.Code != 200 || p.Code != 200 || g.Body.String() != p.Body.String() {
		t.Fatalf("GET %d and POST %d answer differently:\n%s\n%s", g.Code, p.Code, g.Body, p.Body)
	}
	etag := g.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`+v+"-") || etag != p.Header().Get("ETag") {
		t.Errorf("ETag GET %s, POST %s: want one tag starting with the lake version %s", etag, p.Header().Get("ETag"), v)
	}
	if g.Header().Get("X-Insyn-Lake-Version") != v {
		t.Errorf("X-Insyn-Lake-Version = %q, want %s", g.Header().Get("X-Insyn-Lake-Version"), v)
	}
	if cc := g.Header().Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("GET Cache-Control = %q", cc)
	}
	if cc := p.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST Cache-Control = %q", cc)
	}
	if other := get(t, h, `{ report(id: "9:5") { caption } }`, nil).Header().Get("ETag"); other == etag {
		t.Errorf("two queries share the ETag %s", etag)
	}
	staged := httptest.NewRecorder()
	serve.StripPrefix("/prod", h).ServeHTTP(staged, httptest.NewRequest(http.MethodGet, "/prod"+Path+"?query="+url.QueryEscape(q94), nil))
	if staged.Code != 200 || staged.Body.String() != g.Body.String() {
		t.Errorf("behind a stage, /prod/graphql answers %d", staged.Code)
	}
	bad := get(t, h, `{ report(id: "9:99") { caption } }`, nil)
	if cc := bad.Header().Get("Cache-Control"); cc != "no-store" || bad.Code != 200 {
		t.Errorf("an answer with errors: status %d, Cache-Control %q", bad.Code, cc)
	}
	// Variables and the operation name are part of the request's identity.
	vars := map[string]any{"id": "9:4"}
	a, b := post(t, h, reportQuery, vars), post(t, h, reportQuery, map[string]any{"id": "9:5"})
	if a.Header().Get("ETag") == b.Header().Get("ETag") {
		t.Error("the same query with other variables has the same ETag")
	}
	u := Path + "?query=" + url.QueryEscape(reportQuery) + "&variables=" + url.QueryEscape(`{"id":"9:4"}`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	if rec.Body.String() != a.Body.String() {
		t.Errorf("GET with variables answers differently from POST")
	}
}

// TestHTTPErrors: requests that are not GraphQL requests get 4xx with a
// GraphQL-shaped error that says what to send.
func TestHTTPErrors(t *testing.T) {
	h := sampleHandler(t)
	for _, tt := range []struct {
		name, method, target, contentType, body string
		status                                  int
		message                                 string
	}{
		{"other path", "GET", "/query?query=%7Blake%7Bversion%7D%7D", "", "", 404, "GraphQL is answered at /graphql"},
		{"other method", "PUT", Path, "application/json", `{"query":"{ lake { version } }"}`, 405, "use GET with ?query= or POST"},
		{"not JSON", "POST", Path, "text/plain", `{ lake { version } }`, 415, "send the request as application/json"},
		{"bad JSON", "POST", Path, "application/json", `{"query":`, 400, "not a GraphQL request in JSON"},
		{"no query", "GET", Path, "", "", 400, "no query"},
		{"bad variables", "GET", Path + "?query=%7Blake%7Bversion%7D%7D&variables=%7B", "", "", 400, "variables: not a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var a answer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != tt.status || len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, tt.message) {
				t.Errorf("status %d, body %s; want %d and an error saying %q", rec.Code, rec.Body, tt.status, tt.message)
			}
		})
	}
	// A query that does not parse is a GraphQL error: 200 with errors.
	a := decode(t, post(t, h, `{ report(id: "9:4") { rows { `, nil))
	if len(a.Errors) == 0 || a.Data != nil {
		t.Errorf("a query that does not parse: %+v", a)
	}
}

// TestBehindServe runs the handler inside serve.Wrap, as Run serves it:
// conditional GET on the ETag gives 304, answers are gzipped, CORS
// preflights are answered, the request size is limited, and the access
// log names the request id, the query hash and the duration.
func TestBehindServe(t *testing.T) {
	var logs bytes.Buffer
	h := serve.Wrap(sampleHandler(t), serve.Options{
		MaxRequestBytes: 4096, Logger: slog.New(slog.NewJSONHandler(&logs, nil)), CORSOrigins: []string{"https://start.stockholm"},
	})
	target := Path + "?query=" + url.QueryEscape(q94)
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest(http.MethodGet, target, nil))
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" {
		t.Fatalf("first GET: %d, ETag %q", first.Code, etag)
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("If-None-Match", etag)
	again := httptest.NewRecorder()
	h.ServeHTTP(again, req)
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("GET with If-None-Match %s: %d with %d bytes, want 304 and no body", etag, again.Code, again.Body.Len())
	}

	req = httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	zipped := httptest.NewRecorder()
	h.ServeHTTP(zipped, req)
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding: gzip answered with Content-Encoding %q", zipped.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, first.Body.Bytes()) {
		t.Error("the gzipped answer differs from the plain one")
	}

	req = httptest.NewRequest(http.MethodOptions, Path, nil)
	req.Header.Set("Origin", "https://start.stockholm")
	req.Header.Set("Access-Control-Request-Method", "POST")
	pre := httptest.NewRecorder()
	h.ServeHTTP(pre, req)
	if pre.Code != http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "https://start.stockholm" {
		t.Errorf("preflight: %d, Allow-Origin %q", pre.Code, pre.Header().Get("Access-Control-Allow-Origin"))
	}

	big := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(`{"query":"{ lake { version } }`+strings.Repeat(" ", 5000)+`"}`))
	big.Header.Set("Content-Type", "application/json")
	tooBig := httptest.NewRecorder()
	h.ServeHTTP(tooBig, big)
	if tooBig.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 5 KB request with a 4 KB limit: %d", tooBig.Code)
	}

	var line map[string]any
	if err := json.Unmarshal(bytes.SplitN(logs.Bytes(), []byte("\n"), 2)[0], &line); err != nil {
		t.Fatalf("access log is not JSON lines: %v\n%s", err, logs.String())
	}
	for _, k := range []string{"request_id", "query_hash", "duration_ms", "status"} {
		if _, ok := line[k]; !ok {
			t.Errorf("access log line lacks %s: %v", k, line)
		}
	}
}

// TestCachedAnswerGzip: a repeated answer goes out gzipped from its one
// compressed copy, the same bytes as the plain answer once unzipped, with
// the weak ETag serve.Wrap gives compressed answers, which a conditional
// GET then matches.
func TestCachedAnswerGzip(t *testing.T) {
	h := serve.Wrap(sampleHandler(t), serve.Options{Logger: discardLogger()})
	q := `{ report(id: "9:3") { rows { label cells { display } } } }`
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	plain := get(t, h, q, nil)
	first, again := get(t, h, q, gz), get(t, h, q, gz)
	for i, rec := range []*httptest.ResponseRecorder{first, again} {
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") != "W/"+plain.Header().Get("ETag") {
			t.Fatalf("answer %d: %d, headers %v", i, rec.Code, rec.Header())
		}
		if n, _ := strconv.Atoi(rec.Header().Get("Content-Length")); n != rec.Body.Len() {
			t.Errorf("answer %d: Content-Length %d, body %d", i, n, rec.Body.Len())
		}
		zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("answer %d unzipped: %d bytes (%v), want the %d of the plain answer", i, len(got), err, plain.Body.Len())
		}
	}
	if rec := get(t, h, q, http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {again.Header().Get("ETag")}}); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the weak ETag: %d", rec.Code)
	}
}
