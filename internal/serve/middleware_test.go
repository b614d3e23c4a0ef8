package serve

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// do sends req through Wrap(h, opts) with opts' log going to a new sink.
func do(t *testing.T, h http.Handler, opts Options, req *http.Request) (*httptest.ResponseRecorder, *logSink) {
	t.Helper()
	sink := &logSink{}
	opts.Logger = sink.logger()
	rec := httptest.NewRecorder()
	Wrap(h, opts).ServeHTTP(rec, req)
	return rec, sink
}

func decodeEchoed(t *testing.T, body []byte) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("answer is not fakeAPI's JSON: %v\n%s", err, body)
	}
	return e
}

func gunzip(t *testing.T, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("body is not gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return plain
}

func graphQLPost(query string) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{}})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func sha256Prefix(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:16]
}

func TestRequestID(t *testing.T) {
	tests := []struct {
		name   string
		header string
		kept   bool
	}{
		{"generated when absent", "", false},
		{"client id kept", "frontend-7f3a:42", true},
		{"API Gateway style id kept", "Xk3bXjLsgi0EMzQ=", true},
		{"id with a line break replaced", "abc\n{\"forged\":1}", false},
		{"id with a space replaced", "abc def", false},
		{"overlong id replaced", strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
			if tt.header != "" {
				req.Header.Set("X-Request-Id", tt.header)
			}
			rec, sink := do(t, fakeAPI(), Options{}, req)
			id := rec.Header().Get("X-Request-Id")
			if tt.kept && id != tt.header {
				t.Errorf("X-Request-Id = %q, want the client's %q", id, tt.header)
			}
			if !tt.kept && (id == tt.header || !validRequestID(id) || len(id) < 20) {
				t.Errorf("X-Request-Id = %q, want a new random id", id)
			}
			if got := decodeEchoed(t, rec.Body.Bytes()).RequestID; got != id {
				t.Errorf("RequestID(ctx) in the handler = %q, response header %q", got, id)
			}
			if got := sink.only(t, "request")["request_id"]; got != id {
				t.Errorf("access log request_id = %v, response header %q", got, id)
			}
		})
	}
	t.Run("new ids differ", func(t *testing.T) {
		a, _ := do(t, fakeAPI(), Options{}, httptest.NewRequest(http.MethodGet, "/graphql", nil))
		b, _ := do(t, fakeAPI(), Options{}, httptest.NewRequest(http.MethodGet, "/graphql", nil))
		if a.Header().Get("X-Request-Id") == b.Header().Get("X-Request-Id") {
			t.Errorf("two requests got the same id %q", a.Header().Get("X-Request-Id"))
		}
	})
}

func TestAccessLog(t *testing.T) {
	const query = "{ insatser(ar: 2024) { cells { value flag } } }"
	tests := []struct {
		name      string
		req       func() *http.Request
		status    int
		level     string
		queryHash string // "" means no query_hash attribute
	}{
		{"POST with a JSON query", func() *http.Request { return graphQLPost(query) }, 200, "INFO", sha256Prefix(query)},
		{"GET with ?query=", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(query), nil)
		}, 200, "INFO", sha256Prefix(query)},
		{"POST that is not JSON", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader("query=x"))
		}, 200, "INFO", ""},
		{"GET without a query", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/graphql", nil) }, 200, "INFO", ""},
		{"unknown path", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/nowhere", nil) }, 404, "INFO", ""},
		{"refused as too large", func() *http.Request { return graphQLPost(strings.Repeat("x", 200)) }, 413, "INFO", ""},
		{"panic", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/panic", nil) }, 500, "ERROR", ""},
		{"handler wrote nothing", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/empty", nil) }, 200, "INFO", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req()
			rec, sink := do(t, fakeAPI(), Options{MaxRequestBytes: 150}, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			line := sink.only(t, "request")
			want := map[string]any{
				"level":      tt.level,
				"request_id": rec.Header().Get("X-Request-Id"),
				"method":     req.Method,
				"path":       req.URL.Path,
				"status":     float64(tt.status),
				"bytes":      float64(rec.Body.Len()),
			}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("log %s = %#v, want %#v\n%v", k, line[k], v, line)
				}
			}
			if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("log duration_ms = %#v, want a non-negative number", line["duration_ms"])
			}
			if h, ok := line["query_hash"]; tt.queryHash == "" && ok {
				t.Errorf("log has query_hash %v for a request without a query", h)
			} else if tt.queryHash != "" && h != tt.queryHash {
				t.Errorf("log query_hash = %v, want %s", h, tt.queryHash)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	exactly := strings.Repeat("a", 100)
	tests := []struct {
		name   string
		limit  int64
		req    func() *http.Request
		status int
		want   string // the echoed body on 200; the limit's text on 413
	}{
		{"at the limit", 100, func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(exactly))
		}, 200, exactly},
		{"one byte over, with Content-Length", 100, func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(exactly+"b"))
		}, 413, "limit of 100 bytes (INSYN_MAX_REQUEST_BYTES)"},
		{"one byte over, length unknown", 100, func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/graphql", iotest.OneByteReader(strings.NewReader(exactly+"b")))
			req.ContentLength = -1
			return req
		}, 413, "limit of 100 bytes (INSYN_MAX_REQUEST_BYTES)"},
		{"Content-Length over the limit", 100, func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(exactly))
			req.ContentLength = 5000
			return req
		}, 413, "limit of 100 bytes (INSYN_MAX_REQUEST_BYTES)"},
		{"default limit", 0, func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("a", 32<<10+1)))
		}, 413, "limit of 32768 bytes (INSYN_MAX_REQUEST_BYTES)"},
		{"default limit, at it", 0, func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("a", 32<<10)))
		}, 200, strings.Repeat("a", 32<<10)},
		{"read error", 100, func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/graphql", iotest.ErrReader(io.ErrUnexpectedEOF))
		}, 400, "reading the request body: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _ := do(t, fakeAPI(), Options{MaxRequestBytes: tt.limit}, tt.req())
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %.200s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 {
				if got := decodeEchoed(t, rec.Body.Bytes()).Body; got != tt.want {
					t.Errorf("handler read a body of %d bytes, want the %d sent", len(got), len(tt.want))
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			if msg := errorMessage(t, rec.Body.Bytes()); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
		})
	}
	t.Run("handler can read the body again", func(t *testing.T) {
		var first, again []byte
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first, _ = io.ReadAll(r.Body)
			body, err := r.GetBody()
			if err != nil {
				t.Fatalf("GetBody: %v", err)
			}
			again, _ = io.ReadAll(body)
		})
		do(t, h, Options{}, graphQLPost("{ a }"))
		if len(first) == 0 || !bytes.Equal(first, again) {
			t.Errorf("body %q, GetBody gave %q", first, again)
		}
	})
}

func TestCORS(t *testing.T) {
	listed := []string{"https://start.stockholm", "http://localhost:5173"}
	tests := []struct {
		name        string
		origins     []string
		method      string
		header      map[string]string
		status      int
		wantHeaders map[string]string // "" means the header must be absent
		wantVary    string            // a value Vary must list, or "" for none of Origin
	}{
		{"any origin, simple request", nil, "POST", map[string]string{"Origin": "https://example.org"}, 200,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Request-Id, X-Insyn-Lake-Version, ETag, Content-Disposition, Link"}, ""},
		{"any origin, no Origin header", nil, "POST", nil, 200,
			map[string]string{"Access-Control-Allow-Origin": ""}, ""},
		{"listed origin", listed, "POST", map[string]string{"Origin": "http://localhost:5173"}, 200,
			map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173"}, "Origin"},
		{"unlisted origin", listed, "POST", map[string]string{"Origin": "https://evil.example"}, 200,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Expose-Headers": ""}, "Origin"},
		{"preflight, any origin", nil, "OPTIONS",
			map[string]string{"Origin": "https://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
				"Access-Control-Allow-Headers": "Content-Type",
				"Access-Control-Max-Age":       "3600",
				"Allow":                        "GET, POST, OPTIONS",
			}, ""},
		{"preflight, listed origin", listed, "OPTIONS",
			map[string]string{"Origin": "https://start.stockholm", "Access-Control-Request-Method": "POST"}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  "https://start.stockholm",
				"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
				"Access-Control-Allow-Headers": "Content-Type",
			}, "Origin"},
		{"preflight, unlisted origin", listed, "OPTIONS",
			map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, 204,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Allow": "GET, POST, OPTIONS"}, "Origin"},
		{"OPTIONS that is no preflight", nil, "OPTIONS", nil, 204,
			map[string]string{"Allow": "GET, POST, OPTIONS", "Access-Control-Allow-Methods": ""}, ""},
		{"413 carries CORS headers", listed, "POST", map[string]string{"Origin": "https://start.stockholm", "X-Big": "1"}, 413,
			map[string]string{"Access-Control-Allow-Origin": "https://start.stockholm"}, "Origin"},
		{"500 carries CORS headers", nil, "GET", map[string]string{"Origin": "https://example.org", "X-Panic": "1"}, 500,
			map[string]string{"Access-Control-Allow-Origin": "*"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, body := "/graphql", "{}"
			if tt.header["X-Big"] != "" {
				body = strings.Repeat(" ", 65<<10)
			}
			if tt.header["X-Panic"] != "" {
				path = "/panic"
			}
			req := httptest.NewRequest(tt.method, path, strings.NewReader(body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec, _ := do(t, fakeAPI(), Options{CORSOrigins: tt.origins}, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.method == http.MethodOptions && rec.Body.Len() != 0 {
				t.Errorf("OPTIONS answered with a body %q", rec.Body)
			}
			for k, want := range tt.wantHeaders {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			varyOrigin := slices.Contains(rec.Header().Values("Vary"), "Origin")
			if varyOrigin != (tt.wantVary == "Origin") {
				t.Errorf("Vary = %q; want Origin listed: %v", rec.Header().Values("Vary"), tt.wantVary == "Origin")
			}
		})
	}
}

func TestGzip(t *testing.T) {
	// A handler that writes a body of its own kind, not through fakeAPI.
	raw := func(header map[string]string, body []byte) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			// In pieces, as encoders write.
			for rest := body; len(rest) > 0; {
				n := min(len(rest), 700)
				w.Write(rest[:n])
				rest = rest[n:]
			}
		})
	}
	html := []byte("<!DOCTYPE html><html><body>" + strings.Repeat("<p>Järva</p>", 300) + "</body></html>")
	brotli := bytes.Repeat([]byte{0xce, 0xb2, 0x00, 0x11}, 1000)
	tests := []struct {
		name           string
		h              http.Handler
		method, target string
		acceptEncoding string
		compressed     bool
		etag           string // wanted ETag, "" to skip
		contentType    string // wanted Content-Type, "" to skip
	}{
		{"large answer, gzip accepted", fakeAPI(), "GET", "/graphql?pad=3000", "gzip, deflate, br", true, "W/" + fakeETag, "application/json"},
		{"large answer, any coding accepted", fakeAPI(), "GET", "/graphql?pad=3000", "*", true, "", ""},
		{"large answer, x-gzip", fakeAPI(), "GET", "/graphql?pad=3000", "x-gzip", true, "", ""},
		{"large answer, gzip refused with q=0", fakeAPI(), "GET", "/graphql?pad=3000", "gzip;q=0, identity", false, fakeETag, ""},
		{"large answer, gzip refused though * allowed", fakeAPI(), "GET", "/graphql?pad=3000", "*;q=1, gzip;q=0", false, "", ""},
		{"large answer, no Accept-Encoding", fakeAPI(), "GET", "/graphql?pad=3000", "", false, fakeETag, ""},
		{"small answer", fakeAPI(), "GET", "/graphql", "gzip", false, fakeETag, ""},
		{"HEAD", fakeAPI(), "HEAD", "/graphql?pad=3000", "gzip", false, "", ""},
		{"already encoded", raw(map[string]string{"Content-Encoding": "br", "Content-Type": "application/json"}, brotli), "GET", "/", "gzip, br", false, "", "application/json"},
		{"no Content-Type: sniffed from the plain body", raw(nil, html), "GET", "/", "gzip", true, "", "text/html; charset=utf-8"},
		{"Content-Length set by the handler", raw(map[string]string{"Content-Length": strconv.Itoa(len(html))}, html), "GET", "/", "gzip", true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := func(acceptEncoding string) *http.Request {
				req := httptest.NewRequest(tt.method, tt.target, nil)
				req.Header.Set("X-Request-Id", "gzip-test")
				if acceptEncoding != "" {
					req.Header.Set("Accept-Encoding", acceptEncoding)
				}
				return req
			}
			plain, _ := do(t, tt.h, Options{}, req(""))
			rec, _ := do(t, tt.h, Options{}, req(tt.acceptEncoding))
			if !slices.Contains(rec.Header().Values("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding listed", rec.Header().Values("Vary"))
			}
			body := rec.Body.Bytes()
			if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s for a body of %d bytes", cl, len(body))
			}
			if tt.compressed {
				if ce := rec.Header().Get("Content-Encoding"); ce != "gzip" {
					t.Fatalf("Content-Encoding %q, want gzip", ce)
				}
				if rec.Body.Len() >= plain.Body.Len() {
					t.Errorf("compressed %d bytes, not fewer than the plain %d", rec.Body.Len(), plain.Body.Len())
				}
				body = gunzip(t, body)
			} else if ce, want := rec.Header().Get("Content-Encoding"), plain.Header().Get("Content-Encoding"); ce != want {
				t.Errorf("Content-Encoding %q, want %q as without Accept-Encoding", ce, want)
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("body differs from the plain answer:\n got %.120q\nwant %.120q", body, plain.Body.Bytes())
			}
			if tt.etag != "" && rec.Header().Get("ETag") != tt.etag {
				t.Errorf("ETag %q, want %q", rec.Header().Get("ETag"), tt.etag)
			}
			if tt.contentType != "" && rec.Header().Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tt.contentType)
			}
		})
	}
}

// TestGzipOverHTTP checks the compressed answer as a client receives it
// from a real server: framing, headers, and Go's transparent decoding.
func TestGzipOverHTTP(t *testing.T) {
	srv := httptest.NewServer(Wrap(fakeAPI(), Options{Logger: (&logSink{}).logger()}))
	defer srv.Close()
	url := srv.URL + "/graphql?pad=5000&query=" + url.QueryEscape("{ datasets { name } }")

	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := raw.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	compressed, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength >= 0 && resp.ContentLength != int64(len(compressed)) {
		t.Fatalf("Content-Encoding %q, Content-Length %d for %d bytes", resp.Header.Get("Content-Encoding"), resp.ContentLength, len(compressed))
	}
	if e := decodeEchoed(t, gunzip(t, compressed)); len(e.Pad) != 5000 || e.Query != "{ datasets { name } }" {
		t.Errorf("decoded answer has pad %d bytes and query %q", len(e.Pad), e.Query)
	}

	resp, err = http.Get(url) // Go's client asks for gzip and decodes it itself
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !resp.Uncompressed || len(decodeEchoed(t, body).Pad) != 5000 {
		t.Errorf("transparent gzip: Uncompressed=%v, body %.80q", resp.Uncompressed, body)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := map[string]bool{
		"":                    false,
		"gzip":                true,
		"GZIP":                true,
		"deflate, gzip;q=1.0": true,
		"gzip;q=0.001":        true,
		"gzip;q=0":            false,
		"gzip; q=0.0":         false,
		"br, zstd":            false,
		"*":                   true,
		"*;q=0":               false,
		"gzip;q=0, *":         false,
		"identity":            false,
		"gzip;q=bogus":        false,
		"gzipx":               false,
	}
	for header, want := range tests {
		h := http.Header{}
		if header != "" {
			h.Set("Accept-Encoding", header)
		}
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestConditionalGET(t *testing.T) {
	tests := []struct {
		name           string
		method         string
		ifNoneMatch    []string
		acceptEncoding string
		status         int
	}{
		{"same ETag", "GET", []string{fakeETag}, "", 304},
		{"weak form of the ETag", "GET", []string{"W/" + fakeETag}, "", 304},
		{"listed among others", "GET", []string{`"lake-2023-4", ` + fakeETag}, "", 304},
		{"in a second header line", "GET", []string{`"lake-2023-4"`, fakeETag}, "", 304},
		{"wildcard", "GET", []string{"*"}, "", 304},
		{"HEAD", "HEAD", []string{fakeETag}, "", 304},
		{"with gzip accepted", "GET", []string{"W/" + fakeETag}, "gzip", 304},
		{"other ETag", "GET", []string{`"lake-2023-4"`}, "", 200},
		{"ETag as a prefix only", "GET", []string{`"lake-2024"`}, "", 200},
		{"POST", "POST", []string{fakeETag}, "", 200},
		{"no If-None-Match", "GET", nil, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/graphql?pad=3000", nil)
			for _, v := range tt.ifNoneMatch {
				req.Header.Add("If-None-Match", v)
			}
			if tt.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tt.acceptEncoding)
			}
			rec, _ := do(t, fakeAPI(), Options{}, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.status == 304 {
				if rec.Body.Len() != 0 {
					t.Errorf("304 with a body of %d bytes", rec.Body.Len())
				}
				for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Length"} {
					if v := rec.Header().Get(k); v != "" {
						t.Errorf("304 has %s: %q", k, v)
					}
				}
				if etag := rec.Header().Get("ETag"); etag != fakeETag {
					t.Errorf("304 ETag %q, want %q", etag, fakeETag)
				}
				return
			}
			if tt.method != "HEAD" && len(decodeEchoed(t, rec.Body.Bytes()).Pad) != 3000 {
				t.Errorf("200 without the full answer")
			}
		})
	}
}

func TestETagListed(t *testing.T) {
	tests := []struct {
		ifNoneMatch []string
		etag        string
		want        bool
	}{
		{[]string{`"a"`}, `"a"`, true},
		{[]string{`W/"a"`}, `"a"`, true},
		{[]string{`"a"`}, `W/"a"`, true},
		{[]string{`"x,y", "a"`}, `"a"`, true},
		{[]string{`"x,y", "a"`}, `"x,y"`, true},
		{[]string{`"x,y"`}, `"x"`, false},
		{[]string{`"a"`}, ``, false},
		{[]string{`*`}, ``, false},
		{[]string{`*`}, `"anything"`, true},
		{[]string{`a`}, `"a"`, false},
		{[]string{`"a`}, `"a"`, false},
		{[]string{` , "b" ,, "a"`}, `"a"`, true},
	}
	for _, tt := range tests {
		if got := etagListed(tt.ifNoneMatch, tt.etag); got != tt.want {
			t.Errorf("etagListed(%q, %q) = %v, want %v", tt.ifNoneMatch, tt.etag, got, tt.want)
		}
	}
}

func TestRecoverPanic(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/panic", nil)
	req.Header.Set("X-Request-Id", "panic-test-1")
	rec, sink := do(t, fakeAPI(), Options{}, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if msg := errorMessage(t, rec.Body.Bytes()); msg != "internal server error (request id panic-test-1)" {
		t.Errorf("message %q", msg)
	}
	if etag := rec.Header().Get("ETag"); etag != "" {
		t.Errorf("500 keeps the ETag %q the handler set before it panicked", etag)
	}
	p := sink.only(t, "panic")
	if p["level"] != "ERROR" || p["request_id"] != "panic-test-1" || p["panic"] != "fakeAPI: asked to panic" || p["path"] != "/panic" {
		t.Errorf("panic log line %v", p)
	}
	if stack, _ := p["stack"].(string); !strings.Contains(stack, "helpers_test.go") {
		t.Errorf("logged stack does not reach the panicking handler:\n%s", stack)
	}
	if l := sink.only(t, "request"); l["status"] != float64(500) || l["level"] != "ERROR" {
		t.Errorf("access log line %v, want status 500 at ERROR", l)
	}
}

// TestPanicAfterAnswerStarted checks that a client never takes a cut-off
// answer for a complete one: the connection is aborted instead.
func TestPanicAfterAnswerStarted(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{"cells":[`))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the middlewares: %v", err)
		}
		panic("half way")
	})
	sink := &logSink{}
	srv := httptest.NewServer(Wrap(h, Options{Logger: sink.logger()}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Errorf("client read %q as a complete answer", body)
	}
	if p := sink.only(t, "panic"); p["response_started"] != true || p["panic"] != "half way" {
		t.Errorf("panic log line %v", p)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Options
		wantErr string // the variable and value the error must name
	}{
		{"nothing set", nil, Options{}, ""},
		{"empty values are unset", map[string]string{EnvListen: "", EnvCORSOrigins: " "}, Options{}, ""},
		{"all set", map[string]string{
			EnvListen:          ":9000",
			EnvCORSOrigins:     "https://start.stockholm, http://localhost:5173",
			EnvMaxRequestBytes: "131072",
			EnvGzipMinBytes:    "512",
		}, Options{Listen: ":9000", CORSOrigins: []string{"https://start.stockholm", "http://localhost:5173"}, MaxRequestBytes: 131072, GzipMinBytes: 512}, ""},
		{"any origin", map[string]string{EnvCORSOrigins: "*"}, Options{CORSOrigins: []string{"*"}}, ""},
		{"listen without port", map[string]string{EnvListen: "localhost"}, Options{}, `INSYN_LISTEN="localhost"`},
		{"origin with a path", map[string]string{EnvCORSOrigins: "https://start.stockholm/"}, Options{}, `INSYN_CORS_ORIGINS="https://start.stockholm/"`},
		{"origin without scheme", map[string]string{EnvCORSOrigins: "start.stockholm"}, Options{}, `INSYN_CORS_ORIGINS="start.stockholm"`},
		{"empty origin in the list", map[string]string{EnvCORSOrigins: "https://a.se,,https://b.se"}, Options{}, `INSYN_CORS_ORIGINS="https://a.se,,https://b.se"`},
		{"size with a unit", map[string]string{EnvMaxRequestBytes: "64KiB"}, Options{}, `INSYN_MAX_REQUEST_BYTES="64KiB"`},
		{"size zero", map[string]string{EnvMaxRequestBytes: "0"}, Options{}, `INSYN_MAX_REQUEST_BYTES="0"`},
		{"negative gzip threshold", map[string]string{EnvGzipMinBytes: "-1"}, Options{}, `INSYN_GZIP_MIN_BYTES="-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fromLookup(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Listen != tt.want.Listen || !slices.Equal(got.CORSOrigins, tt.want.CORSOrigins) ||
				got.MaxRequestBytes != tt.want.MaxRequestBytes || got.GzipMinBytes != tt.want.GzipMinBytes {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("process environment", func(t *testing.T) {
		t.Setenv(EnvMaxRequestBytes, "1000")
		t.Setenv(EnvListen, "bad")
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), `INSYN_LISTEN="bad"`) {
			t.Errorf("FromEnv: %v", err)
		}
		t.Setenv(EnvListen, "127.0.0.1:0")
		if o, err := FromEnv(); err != nil || o.MaxRequestBytes != 1000 || o.Listen != "127.0.0.1:0" {
			t.Errorf("FromEnv = %+v, %v", o, err)
		}
	})
}

func TestDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.Listen != "127.0.0.1:8080" || !slices.Equal(o.CORSOrigins, []string{"*"}) ||
		o.MaxRequestBytes != 32768 || o.GzipMinBytes != 1024 || o.Logger == nil {
		t.Errorf("defaults %+v", o)
	}
}

// failingWriter is a client that went away: every write fails.
type failingWriter struct{ h http.Header }

func (w *failingWriter) Header() http.Header { return w.h }
func (w *failingWriter) WriteHeader(int)     {}
func (w *failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write tcp 127.0.0.1:8080->127.0.0.1:51234: i/o timeout")
}

// TestAccessLogWriteError: an answer the client did not get is logged as
// such, not as a plain 200.
func TestAccessLogWriteError(t *testing.T) {
	var sink logSink
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{}}`))
	}), Options{Logger: sink.logger()})
	h.ServeHTTP(&failingWriter{h: http.Header{}}, httptest.NewRequest(http.MethodGet, "/graphql", nil))
	line := sink.only(t, "request")
	if line["status"] != float64(200) || line["bytes"] != float64(0) || line["level"] != "WARN" ||
		!strings.Contains(fmt.Sprint(line["write_error"]), "i/o timeout") {
		t.Errorf("log line %v; want status 200, 0 bytes, level WARN and the write error", line)
	}
}
