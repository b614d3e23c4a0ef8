package serve

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// Wrap returns h behind the transport middlewares that Run puts around the
// API, outermost first:
//
//   - requestID: every log line and error names the request;
//   - accessLog: one JSON line per request, outside everything that can
//     answer on its own, so 413s, 304s and recovered panics are logged too;
//   - cors: CORS headers also on the error answers of the layers inside it,
//     or a browser frontend could not read them;
//   - recoverPanic: a panic becomes a 500 JSON error;
//   - readBody: the size limit, and the query hash for the access log;
//   - gzipResponse: compresses what conditionalGET lets through;
//   - conditionalGET: 304 when the handler's ETag matches If-None-Match;
//   - stripStage: an API Gateway stage's "/<stage>" off the path.
//
// Zero fields of opts take their defaults (see Options).
func Wrap(h http.Handler, opts Options) http.Handler {
	o := opts.withDefaults()
	h = stripStage(h)
	h = conditionalGET(h)
	h = gzipResponse(h, o.GzipMinBytes)
	h = readBody(h, o.MaxRequestBytes)
	h = recoverPanic(h, o.Logger)
	h = cors(h, o.CORSOrigins)
	h = accessLog(h, o.Logger)
	return requestID(h)
}

type contextKey int

const (
	requestIDKey contextKey = iota
	logFieldsKey
	pathPrefixKey
)

// RequestID returns the id of the request whose context ctx is, as Wrap
// assigned it, or "" outside a wrapped handler. It is also in the
// response's X-Request-Id header and in the request's access log line.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID gives each request an id: on Lambda API Gateway's own
// (requestContext.requestId, which API Gateway's access logs show too),
// else a well-formed X-Request-Id from the client or a proxy, else a new
// random one. It is echoed in the X-Request-Id response header.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && validRequestID(gw.RequestID) {
			id = gw.RequestID
		} else if h := r.Header.Get("X-Request-Id"); validRequestID(h) {
			id = h
		} else {
			id = rand.Text()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// validRequestID accepts ids of up to 128 characters from a safe set
// (API Gateway's ids are base64 with "-"): a client-chosen id ends up in
// log lines and headers, where it must not be able to forge either.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '=' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}

// logFields collects attributes that middlewares inside accessLog add to
// the request's log line.
type logFields struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

// addLogAttrs adds attrs to the access log line of the request whose
// context ctx is; without accessLog around it does nothing.
func addLogAttrs(ctx context.Context, attrs ...slog.Attr) {
	if f, ok := ctx.Value(logFieldsKey).(*logFields); ok {
		f.mu.Lock()
		f.attrs = append(f.attrs, attrs...)
		f.mu.Unlock()
	}
}

// accessLog writes one JSON line per request: request_id, method, path,
// status, bytes (of the body as sent, compressed or not), duration_ms,
// when there is a GraphQL query its query_hash, when the API refused the
// request the refusal's code (refused), and when the answer could not be
// written whole the write_error. 5xx lines are at level ERROR, lines with
// a write_error at least WARN, the others INFO.
// The client's address and user agent are deliberately left out: they are
// personal data, and API Gateway's access log has them when needed.
func accessLog(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		fields := &logFields{}
		ctx := context.WithValue(r.Context(), logFieldsKey, fields)
		// Deferred, so that a request whose handler aborts with
		// http.ErrAbortHandler is logged as well.
		defer func() {
			status := rec.status
			if status == 0 {
				// Nothing written: net/http and the Lambda adapter answer 200.
				status = http.StatusOK
			}
			sent := rec.bytes
			if r.Method == http.MethodHead {
				// net/http and the Lambda adapter send no body to HEAD.
				sent = 0
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("request_id", RequestID(ctx)),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", sent),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			}
			werr := rec.err
			if werr == nil && rec.status != 0 {
				// Sent now rather than after the log line, so that a
				// connection that is gone (the client left, or the server's
				// write deadline passed) shows here.
				if err := http.NewResponseController(rec.ResponseWriter).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
					werr = err
				}
			}
			if werr != nil {
				// The client got less than the status says.
				attrs = append(attrs, slog.String("write_error", werr.Error()))
				level = max(level, slog.LevelWarn)
			}
			fields.mu.Lock()
			attrs = append(attrs, fields.attrs...)
			fields.mu.Unlock()
			log.LogAttrs(ctx, level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// recoverPanic turns a panic of the handler into a 500 JSON error naming
// the request id, and logs the panic with its stack. If the response had
// already started, it cannot be replaced: the request is aborted instead
// (http.ErrAbortHandler), so the client sees a failure rather than a
// truncated answer that looks complete.
func recoverPanic(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			id := RequestID(r.Context())
			log.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.Bool("response_started", rec.status != 0),
				slog.String("stack", string(debug.Stack())))
			if rec.status != 0 {
				panic(http.ErrAbortHandler)
			}
			// Drop what the handler set for the answer it did not finish.
			for _, k := range []string{"Content-Encoding", "Content-Length", "ETag", "Last-Modified", "Cache-Control"} {
				w.Header().Del(k)
			}
			writeError(w, r, http.StatusInternalServerError, codeInternal, "internal server error (request id "+id+")")
		}()
		next.ServeHTTP(rec, r)
	})
}

// Codes in the extensions of the errors the transport answers itself, as
// the API's own errors carry one.
const (
	codeRequestTooLarge = "REQUEST_TOO_LARGE"
	codeBadRequest      = "BAD_REQUEST"
	codeInternal        = "INTERNAL"
)

// writeError answers with a GraphQL-style error body, so that clients
// read every failure the same way:
// {"errors":[{"message":"...","extensions":{"code":"..."}}]}. A 4xx is
// named in the request's access log line (refused).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	type gqlError struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	// Marshalling strings cannot fail.
	body, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{message, map[string]string{"code": code}}}})
	if status < 500 {
		addLogAttrs(r.Context(), slog.String("refused", code))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

// recorder is a ResponseWriter that remembers the status and the number of
// body bytes written through it; status 0 means nothing was written yet.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	err    error // the first failed write
}

func (r *recorder) WriteHeader(code int) {
	// 1xx answers (103 Early Hints) precede the real one.
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// FlushError flushes the underlying writer, for http.ResponseController;
// a flush sends the headers, so the answer counts as started with 200 if
// nothing chose another status.
func (r *recorder) FlushError() error {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer for
// deadlines.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
