package explorer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"github.com/stockholm/insyn/internal/serve"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

func get(t *testing.T, h http.Handler, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	stylesheetRef = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`)
	scriptRef     = regexp.MustCompile(`<script src="([^"]+)"></script>`)
	styleNonce    = regexp.MustCompile(`<div id="graphiql" data-style-nonce="([A-Z2-7]{26})">`)
	configBlock   = regexp.MustCompile(`(?s)<script type="application/json" id="insyn-explorer">(.*?)</script>`)
)

// The page, under the root and under a stage prefix: its headers (a
// policy with a nonce of its own per answer), the assets it names
// (relative, hashed, served with their types and a year of caching) and its
// examples.
func TestPage(t *testing.T) {
	h := serve.StripPrefix("/prod", served(t))
	for _, prefix := range []string{"", "/prod"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			rec := get(t, h, prefix+"/graphiql", nil)
			hd := rec.Header()
			page := rec.Body.String()
			nonce := styleNonce.FindStringSubmatch(page)
			if rec.Code != 200 || nonce == nil || hd.Get("Content-Type") != "text/html; charset=utf-8" ||
				hd.Get("Content-Security-Policy") != contentSecurityPolicy(nonce[1]) || hd.Get("X-Content-Type-Options") != "nosniff" ||
				hd.Get("Cache-Control") != "no-store" || hd.Get("ETag") != "" || hd.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("status %d, headers %v, nonce %q", rec.Code, hd, nonce)
			}
			if again := styleNonce.FindStringSubmatch(get(t, h, prefix+"/graphiql", nil).Body.String()); again == nil || again[1] == nonce[1] {
				t.Errorf("two answers with the style nonce %q, then %q", nonce[1], again)
			}
			styles := stylesheetRef.FindAllStringSubmatch(page, -1)
			scripts := scriptRef.FindAllStringSubmatch(page, -1)
			if len(styles) != len(styleFiles) || len(scripts) != len(scriptFiles) {
				t.Fatalf("the page links %d stylesheets and %d scripts, want %d and %d:\n%s", len(styles), len(scripts), len(styleFiles), len(scriptFiles), page)
			}
			// Nothing inline that the policy would block: the only script
			// element without src is the JSON data block, which does not run.
			if n := strings.Count(page, "<script"); n != len(scripts)+1 || strings.Contains(page, "<style") || strings.Contains(page, " style=") {
				t.Errorf("the page has inline script or style:\n%s", page)
			}
			refs := append(styles, scripts...)
			names := append(append([]string{}, styleFiles...), scriptFiles...)
			for i, m := range refs {
				ref := m[1]
				if !strings.HasPrefix(ref, "graphiql/assets/") {
					t.Errorf("%s: not relative to the page", ref)
					continue
				}
				want, err := fs.ReadFile(files, names[i])
				if err != nil {
					t.Fatal(err)
				}
				base := path.Base(names[i])
				ext := path.Ext(base)
				if !regexp.MustCompile(`^` + regexp.QuoteMeta(strings.TrimSuffix(base, ext)) + `\.[0-9a-f]{12}` + regexp.QuoteMeta(ext) + `$`).MatchString(path.Base(ref)) {
					t.Errorf("%s: want %s with a content hash", ref, base)
				}
				// As a browser resolves it against the page's URL.
				a := get(t, h, prefix+"/"+ref, nil)
				ct := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}[ext]
				if a.Code != 200 || a.Header().Get("Content-Type") != ct || a.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
					a.Header().Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(a.Body.Bytes(), want) {
					t.Errorf("%s: status %d, headers %v, %d bytes (want %d)", ref, a.Code, a.Header(), a.Body.Len(), len(want))
				}
			}
			m := configBlock.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no #insyn-explorer block:\n%s", page)
			}
			var cfg pageConfig
			if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
				t.Fatalf("#insyn-explorer is not JSON: %v\n%s", err, m[1])
			}
			exs, err := examples()
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Examples) != len(exs) || !strings.HasPrefix(cfg.Storage, "insyn-explorer-") {
				t.Fatalf("config %+v", cfg)
			}
			for i, e := range exs {
				if cfg.Examples[i].Name != e.Name || cfg.Examples[i].Query != e.Query {
					t.Errorf("example %d on the page: %+v, want %s", i, cfg.Examples[i], e.File)
				}
			}
		})
	}
}

// Through serve.Wrap, as deployed: gzip, 304 for an asset with a current
// ETag, and answers that are not the explorer's go to the API.
func TestTransport(t *testing.T) {
	h := served(t)
	page := get(t, h, "/graphiql", nil)
	script := scriptRef.FindAllStringSubmatch(page.Body.String(), -1)[2][1] // GraphiQL
	want, err := fs.ReadFile(files, "assets/graphiql/graphiql.min.js")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("gzip", func(t *testing.T) {
		rec := get(t, h, "/"+script, http.Header{"Accept-Encoding": {"gzip"}})
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("gunzipped %d bytes (%v), want the %d of graphiql.min.js", len(got), err, len(want))
		}
		t.Logf("graphiql.min.js: %d bytes, %d gzipped", len(want), rec.Body.Len())
	})
	t.Run("304", func(t *testing.T) {
		first := get(t, h, "/"+script, http.Header{"Accept-Encoding": {"gzip"}})
		again := get(t, h, "/"+script, http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {first.Header().Get("ETag")}})
		if first.Code != 200 || first.Header().Get("ETag") == "" || again.Code != 304 || again.Body.Len() != 0 {
			t.Errorf("status %d with ETag %q, then %d with %d bytes", first.Code, first.Header().Get("ETag"), again.Code, again.Body.Len())
		}
	})
	t.Run("not the explorer's", func(t *testing.T) {
		tests := []struct {
			method, target string
			status         int
			body           string // part of the body
		}{
			{"GET", "/graphql?query=" + "%7B%20lake%20%7B%20version%20%7D%20%7D", 200, `"lake":{"version":`},
			{"GET", "/prod/graphql?query=" + "%7B%20lake%20%7B%20version%20%7D%20%7D", 404, "no API at /prod/graphql"},
			{"GET", "/a/b/c/graphql?query=" + "%7B%20lake%20%7B%20version%20%7D%20%7D", 404, "no API at /a/b/c/graphql"},
			{"GET", "/x/y/v1/reports", 404, "no API at /x/y/v1/reports"},
			{"GET", "/x/graphiql", 404, "no API at /x/graphiql"},
			{"GET", "/nothing", 404, "GraphQL is answered at /graphql"},
			{"GET", "/graphiql/assets/graphiql.min.000000000000.js", 404, `no explorer asset \"graphiql.min.000000000000.js\"`},
			{"POST", "/graphiql", 405, "the explorer answers GET"},
		}
		for _, tc := range tests {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("%s %s: status %d, %s; want %d with %s", tc.method, tc.target, rec.Code, rec.Body, tc.status, tc.body)
			}
		}
	})
}

// The redirects to the page: from the root, from the page's URL with a
// slash, and on Lambda from the root of an API Gateway stage, whose name
// starts every path (the API Gateway v2 event as the adapter reads it).
func TestRedirects(t *testing.T) {
	h := served(t)
	staged := serve.StripPrefix("/prod", h)
	for _, tc := range []struct{ target, location string }{
		{"/", "/graphiql"},
		{"/?query=%7B%20lake%20%7B%20version%20%7D%20%7D", "/graphiql?query=%7B%20lake%20%7B%20version%20%7D%20%7D"},
		{"/graphiql/", "/graphiql"},
		{"/prod/graphiql/", "/prod/graphiql"},
		{"/prod", "/prod/graphiql"},
	} {
		rec := get(t, staged, tc.target, nil)
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != tc.location {
			t.Errorf("GET %s: status %d, Location %q; want 302 to %q", tc.target, rec.Code, rec.Header().Get("Location"), tc.location)
		}
	}

	lambda := httpadapter.NewV2(h)
	for _, tc := range []struct {
		stage, path string
		status      int
		location    string
	}{
		{"prod", "/prod", 302, "/prod/graphiql"},
		{"prod", "/prod/", 302, "/prod/graphiql"},
		{"$default", "/", 302, "/graphiql"},
		{"prod", "/other", 404, ""},
	} {
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "$default", RawPath: tc.path,
			Headers: map[string]string{"host": "k7q2xw9d4e.execute-api.eu-north-1.amazonaws.com"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				Stage: tc.stage, RequestID: "Xk3cFh2dgi0EJbw=",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: tc.path},
			},
		}
		resp, err := lambda.ProxyWithContext(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status || resp.Headers["Location"] != tc.location {
			t.Errorf("stage %s, GET %s: status %d, Location %q; want %d to %q", tc.stage, tc.path, resp.StatusCode, resp.Headers["Location"], tc.status, tc.location)
		}
	}
}

// On Lambda a gzipped asset is binary: the adapter sends it base64-encoded.
func TestAssetOnLambda(t *testing.T) {
	h := served(t)
	page := get(t, h, "/graphiql", nil)
	script := scriptRef.FindAllStringSubmatch(page.Body.String(), -1)[0][1] // React
	want, err := fs.ReadFile(files, "assets/react/react.production.min.js")
	if err != nil {
		t.Fatal(err)
	}
	p := "/prod/" + script
	resp, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: p,
		Headers: map[string]string{"host": "k7q2xw9d4e.execute-api.eu-north-1.amazonaws.com", "accept-encoding": "gzip, deflate, br"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage: "prod", RequestID: "Xk3cFh2dgi0EJbw=",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: p},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !resp.IsBase64Encoded || resp.Headers["Content-Encoding"] != "gzip" || resp.Headers["Content-Type"] != "text/javascript; charset=utf-8" {
		t.Fatalf("status %d, base64 %v, headers %v", resp.StatusCode, resp.IsBase64Encoded, resp.Headers)
	}
	raw, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes (%v), want the %d of react.production.min.js", len(got), err, len(want))
	}
}

// The vendored files are what assets/update.sh wrote: each embedded file
// and each package's LICENSE is listed in assets/VERSIONS with its SHA-256.
func TestVendoredAssets(t *testing.T) {
	f, err := os.Open("assets/VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 5 || !strings.HasPrefix(fields[2], "sha512-") {
			t.Fatalf("VERSIONS: %q is not \"package version integrity file sha256\"", line)
		}
		file, sum := fields[3], fields[4]
		body, err := os.ReadFile("assets/" + file)
		if err != nil {
			t.Errorf("VERSIONS lists %s: %v", file, err)
			continue
		}
		if got := sha256.Sum256(body); hex.EncodeToString(got[:]) != sum {
			t.Errorf("assets/%s differs from what update.sh vendored (%s %s): run bash internal/explorer/assets/update.sh", file, fields[0], fields[1])
		}
		listed["assets/"+file] = true
	}
	for _, file := range append(append([]string{}, styleFiles...), scriptFiles...) {
		if strings.HasPrefix(file, "assets/") && !listed[file] {
			t.Errorf("%s is served but not in assets/VERSIONS", file)
		}
		if dir := path.Dir(file); strings.HasPrefix(file, "assets/") && !listed[dir+"/LICENSE"] {
			t.Errorf("%s has no LICENSE in VERSIONS", dir)
		}
	}
}
