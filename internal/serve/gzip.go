package serve

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipResponse compresses answers of at least minBytes for clients that
// accept gzip. GraphQL answers are repetitive JSON and shrink several
// times, which matters on API Gateway's 10 MB and Lambda's 6 MB limits as
// much as on the wire. Answers that already have a Content-Encoding are
// left alone, as are answers without a body (HEAD, 204, 304).
//
// Every answer says Vary: Accept-Encoding, compressed or not, because the
// same URL gives either depending on that header. A compressed answer's
// ETag is made weak: the bytes differ from the uncompressed ones, and
// If-None-Match compares weakly, so it still validates.
func gzipResponse(next http.Handler, minBytes int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || !acceptsGzip(r.Header) {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w, minBytes: minBytes}
		next.ServeHTTP(gw, r)
		// Not deferred: after a panic, recoverPanic must find the response
		// unstarted to answer 500 instead.
		gw.finish()
	})
}

// AcceptsGzip reports whether a request with header h accepts a gzip
// answer, as Wrap decides it.
func AcceptsGzip(h http.Header) bool { return acceptsGzip(h) }

// acceptsGzip reports whether an Accept-Encoding request header admits
// gzip: gzip (or x-gzip, or failing those *) with a q-value other than 0.
func acceptsGzip(h http.Header) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range h.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			if name, value, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				parsed, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err != nil {
					continue
				}
				q = parsed
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// gzipWriter holds back the status and the first minBytes of the body;
// once it knows whether the body reaches minBytes it commits the headers
// and writes the body on, compressed or not.
type gzipWriter struct {
	http.ResponseWriter
	minBytes int
	status   int    // status the handler chose, 0 until it chooses
	buf      []byte // body held back until committed
	started  bool   // headers and status have gone to ResponseWriter
	zw       *gzip.Writer
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.started || g.status != 0 {
		return
	}
	if code < 200 {
		// 1xx answers precede the real one and have no body.
		g.ResponseWriter.WriteHeader(code)
		return
	}
	g.status = code
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if !g.started {
		g.buf = append(g.buf, p...)
		if len(g.buf) < g.minBytes {
			return len(p), nil
		}
		if err := g.start(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if g.zw != nil {
		return g.zw.Write(p)
	}
	return g.ResponseWriter.Write(p)
}

// start commits the answer: compressed if the held-back body reached
// minBytes and nothing speaks against it, plain otherwise.
func (g *gzipWriter) start() error {
	g.started = true
	h := g.Header()
	compress := len(g.buf) >= g.minBytes && h.Get("Content-Encoding") == "" &&
		g.status != http.StatusNoContent && g.status != http.StatusNotModified
	if compress {
		if h.Get("Content-Type") == "" {
			// Sniffed now, from the plain bytes: net/http and the Lambda
			// adapter would otherwise call the answer application/x-gzip.
			h.Set("Content-Type", http.DetectContentType(g.buf))
		}
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag)
		}
		g.zw = gzipWriters.Get().(*gzip.Writer)
		g.zw.Reset(g.ResponseWriter)
	}
	g.ResponseWriter.WriteHeader(g.status)
	buf := g.buf
	g.buf = nil
	if len(buf) == 0 {
		return nil
	}
	var err error
	if g.zw != nil {
		_, err = g.zw.Write(buf)
	} else {
		_, err = g.ResponseWriter.Write(buf)
	}
	return err
}

// FlushError sends on what the handler has written so far, for
// http.ResponseController; an answer still under minBytes then goes out
// uncompressed.
func (g *gzipWriter) FlushError() error {
	if !g.started {
		if g.status == 0 {
			g.status = http.StatusOK
		}
		if err := g.start(); err != nil {
			return err
		}
	}
	if g.zw != nil {
		if err := g.zw.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(g.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer for
// what gzipWriter does not do itself (deadlines).
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// finish commits an answer still held back and ends the gzip stream.
func (g *gzipWriter) finish() {
	if !g.started && g.status != 0 {
		// An error here is the client's connection failing; the handler
		// would have had it from Write just the same.
		g.start()
	}
	if g.zw != nil {
		g.zw.Close()
		g.zw.Reset(io.Discard)
		gzipWriters.Put(g.zw)
		g.zw = nil
	}
}

// gzipWriters are compressors to reuse: each holds about 800 KB of state,
// and making one per answer cost a loaded instance about a quarter of its
// throughput (national lake, 8 concurrent clients).
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}
