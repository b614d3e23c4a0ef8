package serve

import (
	"net/http"
	"slices"
)

// cors lets browser frontends on the allowed origins call the API. It
// answers every OPTIONS request itself with 204: for a CORS preflight from
// an allowed origin with the methods and headers the API accepts; for any
// other OPTIONS with just Allow. A disallowed origin gets no CORS headers,
// so the browser refuses to hand the answer to its page.
//
// When the allowed origins are a list rather than "*", answers differ by
// Origin, so they carry Vary: Origin for caches.
func cors(next http.Handler, origins []string) http.Handler {
	anyOrigin := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if !anyOrigin {
			h.Add("Vary", "Origin")
		}
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (anyOrigin || slices.Contains(origins, origin))
		if allowed {
			if anyOrigin {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			// Frontends may quote the id when they report a failure, and
			// read the version, the open-data file's name and its links.
			h.Set("Access-Control-Expose-Headers", ExposedHeaders)
		}
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Allow", "GET, POST, OPTIONS")
		if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type")
			// Each preflight is a Lambda invocation; an hour spares most.
			h.Set("Access-Control-Max-Age", "3600")
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// ExposedHeaders are the response headers a browser frontend of another
// origin may read: the request id, the lake version, the ETag, and the
// open-data files' name (Content-Disposition) and links.
const ExposedHeaders = "X-Request-Id, X-Insyn-Lake-Version, ETag, Content-Disposition, Link"
