package serve

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// StripPrefix serves requests whose path is prefix or starts with prefix+"/"
// with the prefix taken off (prefix alone becomes "/"), and remembers it for
// PathPrefix, so handlers route from the root and still write links that
// reach them. Other requests are served as they are. prefix is "/name" or
// "" (nothing to strip).
func StripPrefix(prefix string, h http.Handler) http.Handler {
	if prefix == "" || prefix == "/" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			h.ServeHTTP(w, r)
			return
		}
		if rest == "" {
			rest = "/"
		}
		r2 := r.Clone(context.WithValue(r.Context(), pathPrefixKey, prefix))
		r2.URL.Path, r2.URL.RawPath = rest, ""
		h.ServeHTTP(w, r2)
	})
}

// PathPrefix returns the prefix StripPrefix took off the request's path
// ("/prod"), or "".
func PathPrefix(ctx context.Context) string {
	p, _ := ctx.Value(pathPrefixKey).(string)
	return p
}

// stripStage takes an API Gateway stage's name off the path: on a stage
// other than $default, API Gateway starts every path with "/<stage>". This
// is the one place the stage is handled; handlers route from the root.
func stripStage(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && gw.Stage != "" && gw.Stage != "$default" {
			StripPrefix("/"+gw.Stage, h).ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// LogAttrs adds attrs to the access log line of the request whose context
// ctx is (Wrap's accessLog); outside it, it does nothing.
func LogAttrs(ctx context.Context, attrs ...slog.Attr) { addLogAttrs(ctx, attrs...) }
