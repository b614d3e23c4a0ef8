package serve

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStripPrefix: the prefix comes off whole path segments only, and the
// handler learns what it was.
func TestStripPrefix(t *testing.T) {
	var path, prefix string
	h := StripPrefix("/prod", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, prefix = r.URL.Path, PathPrefix(r.Context())
	}))
	for _, tc := range []struct{ in, path, prefix string }{
		{"/prod/graphql", "/graphql", "/prod"},
		{"/prod", "/", "/prod"},
		{"/prod/", "/", "/prod"},
		{"/production/graphql", "/production/graphql", ""},
		{"/graphql", "/graphql", ""},
		{"/a/prod/graphql", "/a/prod/graphql", ""},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.in, nil))
		if path != tc.path || prefix != tc.prefix {
			t.Errorf("%s: path %q, prefix %q; want %q, %q", tc.in, path, prefix, tc.path, tc.prefix)
		}
	}
}
