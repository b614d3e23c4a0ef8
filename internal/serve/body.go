package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// readBody reads the request body once, refusing with 413 a body over
// limit bytes, and hands the handler an in-memory copy. While it has the
// body it adds the hash of the GraphQL query to the access log line, so
// that slow or failing queries can be grouped without logging their text.
func readBody(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Content-Length is only a claim, so the reader below is limited
		// too; checking it first spares reading a body that is refused.
		if r.ContentLength > limit {
			tooLarge(w, r, limit)
			return
		}
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
			if err != nil {
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					tooLarge(w, r, limit)
					return
				}
				// Most often the client stopped sending: it will not read
				// this answer either, which the access log then shows.
				addLogAttrs(r.Context(), slog.String("read_error", err.Error()))
				writeError(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("reading the request body: %v", err))
				return
			}
		}
		if q := queryText(r, body); q != "" {
			addLogAttrs(r.Context(), slog.String("query_hash", queryHash(q)))
		}
		r = r.WithContext(r.Context()) // a copy: a handler must not change the request it gets
		r.ContentLength = int64(len(body))
		r.Body = http.NoBody
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		if len(body) > 0 {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		next.ServeHTTP(w, r)
	})
}

// tooLarge answers 413 naming the limit and the setting that raises it.
func tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	writeError(w, r, http.StatusRequestEntityTooLarge, codeRequestTooLarge,
		fmt.Sprintf("request body is larger than the limit of %d bytes (%s)", limit, EnvMaxRequestBytes))
}

// queryText returns the GraphQL query of a request as GraphQL over HTTP
// sends it: the query parameter of a GET, or the "query" member of a POST's
// JSON body. It returns "" when there is none; the handler reports why.
func queryText(r *http.Request, body []byte) string {
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("query")
	}
	if r.Method != http.MethodPost || len(body) == 0 {
		return ""
	}
	var req struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	return req.Query
}

// queryHash identifies a query text in logs: the first 16 hex digits
// (64 bits) of its SHA-256, of the exact text, whitespace included.
func queryHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:8])
}
