// Package explorer serves GraphiQL, the in-browser IDE for GraphQL, beside
// insyn's API: a page to explore the schema and run queries, with an example
// query for every dataset and a seed table, each in its own tab.
//
// Handler puts it in front of the API handler:
//
//	GET /graphiql                 the page
//	GET /graphiql/assets/<name>   GraphiQL, React and the page's own script
//	                              and style, names carrying a content hash
//	GET /                         302 to /graphiql
//
// Behind an API Gateway stage every path carries the stage's prefix
// (/prod/graphiql), which serve takes off before routing. The page refers
// to its assets and to the API by relative URLs, so it works under any
// prefix.
//
// Everything the page loads is embedded in the binary: GraphiQL 3 and React
// 18 as built by their authors (UMD builds vendored from npm by
// assets/update.sh, versions and hashes in assets/VERSIONS), so the page
// works offline and asks no other origin for anything. The page's
// Content-Security-Policy allows scripts and stylesheets from the API's
// origin only (and GraphiQL's own style elements by a nonce); assets are
// cacheable for a year (a new build has new names).
package explorer

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stockholm/insyn/internal/serve"
)

// PagePath is where the explorer page is served (below any prefix).
const PagePath = "/graphiql"

// assetsPath is where the page's assets are served (below any prefix).
const assetsPath = PagePath + "/assets/"

// contentSecurityPolicy is the policy of a page whose style nonce is nonce.
// Scripts come from the API's origin only: no inline script, no eval
// (GraphiQL 3 needs neither). Styles too, but for the <style> elements that
// GraphiQL's dialogs add while open (react-remove-scroll, which reads the
// nonce from __webpack_nonce__: page/explorer.js sets it): those need the
// page's nonce, so no 'unsafe-inline'. Fonts and images are data: URLs
// only: GraphiQL's stylesheet inlines its fonts and a few icons, and the
// page's favicon is empty (no request for /favicon.ico). The page talks to
// the API only (connect-src), embeds nothing and may not be framed.
func contentSecurityPolicy(nonce string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-" + nonce + "'; " +
		"font-src data:; img-src data:; connect-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// noncePlaceholder stands in the built page where each answer has its own
// nonce.
const noncePlaceholder = "{{nonce}}"

// Cache-Control of the page and of the assets. The page names the assets
// by their content hash, so an asset never changes under its name. The page
// is never stored: each answer has its own nonce, which must match the
// Content-Security-Policy sent with it (a 304 would pair a stored page with
// a new policy).
const (
	pageCacheControl  = "no-store"
	assetCacheControl = "public, max-age=31536000, immutable"
)

//go:embed assets/graphiql/graphiql.min.js assets/graphiql/graphiql.min.css
//go:embed assets/react/react.production.min.js assets/react-dom/react-dom.production.min.js
//go:embed page examples
var files embed.FS

// The page's styles and scripts in the order it loads them: React before
// ReactDOM before GraphiQL (UMD builds find each other as globals), and the
// page's script last.
var (
	styleFiles  = []string{"assets/graphiql/graphiql.min.css", "page/explorer.css"}
	scriptFiles = []string{
		"assets/react/react.production.min.js",
		"assets/react-dom/react-dom.production.min.js",
		"assets/graphiql/graphiql.min.js",
		"page/explorer.js",
	}
)

// asset is a file the page loads.
type asset struct {
	name        string // under assetsPath: base name with the content hash
	contentType string
	etag        string
	body        []byte
}

// site is what the explorer serves, built from the embedded files on first
// use, so that an API instance that never serves the page never hashes them.
type site struct {
	page   []byte // with noncePlaceholder for the style nonce
	assets map[string]*asset
}

var loadSite = sync.OnceValues(buildSite)

// buildSite names the assets and fills in page/index.html: its
// placeholders {{styles}}, {{scripts}} and {{config}} become the
// stylesheet links, the script elements and the page's configuration
// (JSON); {{nonce}} is left for each answer. (Plain replacement rather than
// html/template: the values are our own, and the template engine would add
// half a megabyte to the Lambda binary.)
func buildSite() (*site, error) {
	s := &site{assets: map[string]*asset{}}
	var styles, scripts strings.Builder
	for _, group := range []struct {
		files  []string
		markup string
		out    *strings.Builder
	}{
		{styleFiles, `<link rel="stylesheet" href="%s">` + "\n", &styles},
		{scriptFiles, `<script src="%s"></script>` + "\n", &scripts},
	} {
		for _, file := range group.files {
			a, err := loadAsset(file)
			if err != nil {
				return nil, err
			}
			s.assets[a.name] = a
			// Relative to the page (…/graphiql), like everything it refers to.
			fmt.Fprintf(group.out, group.markup, html.EscapeString(strings.TrimPrefix(assetsPath, "/")+a.name))
		}
	}
	exs, err := examples()
	if err != nil {
		return nil, err
	}
	// json.Marshal escapes <, > and &, so no "</script>" ends the block early.
	config, err := json.Marshal(newPageConfig(exs))
	if err != nil {
		return nil, fmt.Errorf("explorer: page configuration: %w", err)
	}
	tmpl, err := fs.ReadFile(files, "page/index.html")
	if err != nil {
		return nil, fmt.Errorf("explorer: page: %w", err)
	}
	fill := map[string]string{"{{styles}}": styles.String(), "{{scripts}}": scripts.String(), "{{config}}": string(config), noncePlaceholder: noncePlaceholder}
	var pairs []string
	for placeholder, value := range fill {
		if n := bytes.Count(tmpl, []byte(placeholder)); n != 1 {
			return nil, fmt.Errorf("explorer: page/index.html has the placeholder %s %d times, want once", placeholder, n)
		}
		pairs = append(pairs, placeholder, value)
	}
	s.page = []byte(strings.NewReplacer(pairs...).Replace(string(tmpl)))
	return s, nil
}

// loadAsset reads an embedded file and names it by its content hash:
// assets/react/react.production.min.js becomes react.production.min.<hash>.js.
func loadAsset(file string) (*asset, error) {
	body, err := fs.ReadFile(files, file)
	if err != nil {
		return nil, fmt.Errorf("explorer: asset: %w", err)
	}
	hash := contentHash(body)
	ext := path.Ext(file)
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	ct, ok := types[ext]
	if !ok {
		return nil, fmt.Errorf("explorer: asset %s: no content type for %q", file, ext)
	}
	return &asset{
		name:        strings.TrimSuffix(path.Base(file), ext) + "." + hash + ext,
		contentType: ct,
		etag:        `"` + hash + `"`,
		body:        body,
	}, nil
}

// pageConfig is what the page's script reads from the page: the examples
// and the localStorage namespace of GraphiQL's tabs.
type pageConfig struct {
	Examples []pageExample `json:"examples"`
	// Storage changes with the examples: GraphiQL restores the tabs a
	// visitor had from localStorage, which would hide new examples.
	Storage string `json:"storage"`
}

type pageExample struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

func newPageConfig(exs []Example) pageConfig {
	c := pageConfig{}
	sum := sha256.New()
	for _, e := range exs {
		c.Examples = append(c.Examples, pageExample{Name: e.Name, Query: e.Query})
		sum.Write([]byte(strconv.Itoa(len(e.Query)) + ":" + e.Query))
	}
	c.Storage = "insyn-explorer-" + hex.EncodeToString(sum.Sum(nil)[:4])
	return c
}

// Example is a query the explorer opens in a tab of its own.
type Example struct {
	// File is the example's file under examples/.
	File string
	// Name is the query's operation name, the tab's title.
	Name string
	// Query is the file's text: comments saying what it shows, then the
	// query.
	Query string
}

var operationName = regexp.MustCompile(`(?m)^query\s+([_A-Za-z][_0-9A-Za-z]*)`)

// examples returns the example queries (examples/*.graphql) in the order
// of their file names.
func examples() ([]Example, error) {
	names, err := fs.Glob(files, "examples/*.graphql")
	if err != nil {
		return nil, fmt.Errorf("explorer: examples: %w", err)
	}
	slices.Sort(names)
	var out []Example
	for _, name := range names {
		text, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("explorer: examples: %w", err)
		}
		m := operationName.FindSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("explorer: example %s: no named query (a line starting \"query Name\"): GraphiQL titles the tab by it", name)
		}
		out = append(out, Example{File: path.Base(name), Name: string(m[1]), Query: string(text)})
	}
	return out, nil
}

// Handler serves the explorer (see the package documentation) and passes
// every other request on to api. Paths are routed from the root; a stage's
// prefix is taken off before (serve.StripPrefix), and redirects put it back.
func Handler(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	onSite := func(serve func(*site, http.ResponseWriter, *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s, err := loadSite()
			if err != nil {
				writeError(w, http.StatusInternalServerError, err.Error())
				return
			}
			serve(s, w, r)
		}
	}
	mux.HandleFunc("GET "+PagePath, onSite(servePage)) // and HEAD
	mux.HandleFunc("GET "+assetsPath+"{name}", onSite(serveAsset))
	mux.HandleFunc("GET "+PagePath+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		// Relative to …/graphiql/ the page's relative URLs would miss.
		redirect(w, r, serve.PathPrefix(r.Context())+PagePath)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		redirect(w, r, serve.PathPrefix(r.Context())+PagePath)
	})
	notGET := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+": the explorer answers GET")
	}
	mux.HandleFunc(PagePath, notGET)
	mux.HandleFunc(assetsPath+"{name}", notGET)
	mux.Handle("/", api)
	return mux
}

// redirect answers 302 to location, keeping the request's query string
// (a link with ?query= still opens its query).
func redirect(w http.ResponseWriter, r *http.Request, location string) {
	if r.URL.RawQuery != "" {
		location += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

func servePage(s *site, w http.ResponseWriter, _ *http.Request) {
	nonce := rand.Text() // 26 base32 characters: 130 random bits
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
	h.Set("Referrer-Policy", "no-referrer")
	write(w, "text/html; charset=utf-8", "", pageCacheControl, bytes.Replace(s.page, []byte(noncePlaceholder), []byte(nonce), 1))
}

func serveAsset(s *site, w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a, ok := s.assets[name]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no explorer asset %q (a page from an older build? reload it)", name))
		return
	}
	write(w, a.contentType, a.etag, assetCacheControl, a.body)
}

// write answers 200 with body. serve.Wrap, around the API, compresses it
// and answers 304 when If-None-Match names etag (if not "").
func write(w http.ResponseWriter, contentType, etag, cacheControl string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if etag != "" {
		h.Set("ETag", etag)
	}
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// writeError answers in the shape of the API's errors,
// {"errors":[{"message":"…"}]}.
func writeError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": message}}}) // strings marshal
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// contentHash names a content: the first 12 hex digits (48 bits) of its
// SHA-256, in asset names and their ETags.
func contentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:6])
}
