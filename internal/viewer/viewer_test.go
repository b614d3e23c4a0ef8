package viewer

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/serve"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// sampleAPI is the API over the embedded sample lake; built once per test
// binary.
var sampleAPI = sync.OnceValues(func() (*api.Handler, error) {
	l, err := api.OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), api.LakeOptions{
		Rules: api.Rules{Threshold: api.DefaultThreshold}, RefreshInterval: api.DefaultRefreshInterval, Logger: discardLogger(),
	})
	if err != nil {
		return nil, err
	}
	return api.NewHandler(l, api.HandlerOptions{Logger: discardLogger()})
})

// served is the viewer in front of the API over the sample lake, inside
// serve.Wrap's transport, below the stage prefix /prod.
func served(t testing.TB) http.Handler {
	t.Helper()
	h, err := sampleAPI()
	if err != nil {
		t.Fatal(err)
	}
	return serve.StripPrefix("/prod", serve.Wrap(Handler(h), serve.Options{Logger: discardLogger()}))
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// TestPage: the page with its policy, its assets by hash (cacheable for a
// year, 304 on a current ETag), 405 for other methods, 404 for an unknown
// asset, and every other path passed on to the API.
func TestPage(t *testing.T) {
	h := served(t)
	get := func(path string, header http.Header) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := get("/prod/tabell", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || rec.Header().Get("Content-Security-Policy") != contentSecurityPolicy {
		t.Fatalf("page: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Security-Policy"))
	}
	page := rec.Body.String()
	if !strings.Contains(page, `lang="sv"`) || !strings.Contains(page, `"pxweb":"pxweb/api/v2"`) || strings.Contains(page, "{{") {
		t.Errorf("page:\n%s", page)
	}
	if regexp.MustCompile(`<script>|style=`).MatchString(page) {
		t.Error("the page has an inline script or style, which its policy forbids")
	}
	assets := regexp.MustCompile(`(?:href|src)="(tabell/assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(assets) != 2 {
		t.Fatalf("assets %q", assets)
	}
	for _, a := range assets {
		rec := get("/prod/"+a[1], nil)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != assetCacheControl || rec.Header().Get("ETag") == "" {
			t.Errorf("%s: %d %q", a[1], rec.Code, rec.Header().Get("Cache-Control"))
		}
		if again := get("/prod/"+a[1], http.Header{"If-None-Match": {rec.Header().Get("ETag")}}); again.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", a[1], again.Code)
		}
	}
	if rec := get("/prod/tabell/assets/nope.js", nil); rec.Code != 404 {
		t.Errorf("unknown asset: %d", rec.Code)
	}
	req := httptest.NewRequest(http.MethodPost, "/prod/tabell", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	if rec := get("/prod/pxweb/api/v2/config", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "maxDataCells") {
		t.Errorf("the API behind: %d %s", rec.Code, rec.Body)
	}
}
