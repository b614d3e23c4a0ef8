package serve

import (
	"net/http"
	"strings"
)

// conditionalGET answers a GET or HEAD with 304 Not Modified and no body
// when the handler's answer would be 200 with an ETag that the request's
// If-None-Match lists. The handler still runs (the ETag is its to compute);
// what it writes is discarded. Frontends polling the same query then get
// a few hundred bytes instead of the whole answer.
func conditionalGET(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inm := r.Header.Values("If-None-Match")
		if len(inm) == 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&notModifiedWriter{ResponseWriter: w, ifNoneMatch: inm}, r)
	})
}

// notModifiedWriter turns the handler's 200 into a 304 once the headers
// show that the client's copy is current.
type notModifiedWriter struct {
	http.ResponseWriter
	ifNoneMatch []string
	decided     bool
	notModified bool
}

func (n *notModifiedWriter) WriteHeader(code int) {
	if n.decided || code < 200 {
		n.ResponseWriter.WriteHeader(code)
		return
	}
	n.decided = true
	h := n.Header()
	if code == http.StatusOK && etagListed(n.ifNoneMatch, h.Get("ETag")) {
		n.notModified = true
		// As net/http's own ServeContent does: a 304 describes the
		// representation the client has, and carries no content headers.
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
			h.Del(k)
		}
		code = http.StatusNotModified
	}
	n.ResponseWriter.WriteHeader(code)
}

func (n *notModifiedWriter) Write(p []byte) (int, error) {
	if !n.decided {
		n.WriteHeader(http.StatusOK)
	}
	if n.notModified {
		return len(p), nil
	}
	return n.ResponseWriter.Write(p)
}

// FlushError commits the status before flushing, for
// http.ResponseController: flushing the writer below directly would send
// a 200 that can no longer become a 304.
func (n *notModifiedWriter) FlushError() error {
	if !n.decided {
		n.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(n.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer for
// deadlines.
func (n *notModifiedWriter) Unwrap() http.ResponseWriter { return n.ResponseWriter }

// etagListed reports whether etag matches an If-None-Match header (given
// as its values) by the weak comparison RFC 9110 prescribes for it:
// W/"x" and "x" match. "*" matches any ETag.
func etagListed(ifNoneMatch []string, etag string) bool {
	_, want, ok := scanETag(etag)
	if !ok {
		return false
	}
	for _, v := range ifNoneMatch {
		for rest := strings.TrimSpace(v); rest != ""; {
			if rest[0] == ',' {
				rest = strings.TrimSpace(rest[1:])
				continue
			}
			if rest[0] == '*' {
				return true
			}
			var tag string
			rest, tag, ok = scanETag(rest)
			if !ok {
				break
			}
			if tag == want {
				return true
			}
			rest = strings.TrimSpace(rest)
		}
	}
	return false
}

// scanETag reads one entity tag, W/"opaque" or "opaque", at the start of
// s and returns what follows it and its opaque part with the quotes (weak
// and strong tags compare equal by it). Commas may occur inside the
// quotes, so a header listing tags cannot simply be split at commas.
func scanETag(s string) (rest, opaque string, ok bool) {
	s = strings.TrimPrefix(s, "W/")
	if len(s) < 2 || s[0] != '"' {
		return "", "", false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", "", false
	}
	return s[end+2:], s[:end+2], true
}
