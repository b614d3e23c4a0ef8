// Package viewer serves a table viewer beside insyn's API: a page, in
// Swedish, on which anyone picks a seed table or a view of a dataset, its
// measure, period and grouping from the PxWeb catalogue, and sees the
// table with its marks, footnotes and source, a bar chart of it, and the
// links to download it (CSV, XLSX, JSON-stat, PxWeb).
//
// Handler puts it in front of the API handler:
//
//	GET /tabell                 the page (?tabell=<PxWeb table id>&… keeps the choice)
//	GET /tabell/assets/<name>   its script and style, names carrying a content hash
//
// The page reads everything from the API's PxWeb endpoint (api.PxWebPath),
// by URLs relative to itself, so it works below any stage prefix. It has no
// build step and no third-party code: one stylesheet and one script of its
// own, embedded in the binary; the chart is SVG drawn by the script. Its
// Content-Security-Policy allows scripts, styles and requests to the API's
// origin only, no inline script or style, and no framing.
package viewer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/stockholm/insyn/internal/api"
)

// PagePath is where the viewer page is served (below any prefix).
const PagePath = "/tabell"

// assetsPath is where the page's assets are served (below any prefix).
const assetsPath = PagePath + "/assets/"

// contentSecurityPolicy admits the page's own script and stylesheet and
// requests to the API's origin; images are data: URLs only (the empty
// favicon); nothing inline, nothing framed.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Cache-Control of the page (small, names its assets by hash) and of the
// assets (never change under their name).
const (
	pageCacheControl  = "no-cache"
	assetCacheControl = "public, max-age=31536000, immutable"
)

//go:embed page
var files embed.FS

type asset struct {
	name, contentType, etag string
	body                    []byte
}

type site struct {
	page   []byte
	etag   string
	assets map[string]*asset
}

var loadSite = sync.OnceValues(buildSite)

// buildSite names the assets by their content hash and fills in
// page/index.html: {{styles}}, {{scripts}} and {{config}} (the PxWeb
// endpoint's path relative to the page, as JSON).
func buildSite() (*site, error) {
	s := &site{assets: map[string]*asset{}}
	links := map[string]string{}
	for _, f := range []struct{ file, markup, placeholder string }{
		{"page/viewer.css", `<link rel="stylesheet" href="%s">`, "{{styles}}"},
		{"page/viewer.js", `<script src="%s" defer></script>`, "{{scripts}}"},
	} {
		body, err := fs.ReadFile(files, f.file)
		if err != nil {
			return nil, fmt.Errorf("viewer: %w", err)
		}
		hash := contentHash(body)
		ext := path.Ext(f.file)
		a := &asset{
			name:        strings.TrimSuffix(path.Base(f.file), ext) + "." + hash + ext,
			contentType: map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}[ext],
			etag:        `"` + hash + `"`, body: body,
		}
		s.assets[a.name] = a
		links[f.placeholder] = fmt.Sprintf(f.markup, html.EscapeString(strings.TrimPrefix(assetsPath, "/")+a.name))
	}
	// json.Marshal escapes <, > and &, so nothing ends the block early.
	config, err := json.Marshal(map[string]string{"pxweb": strings.TrimPrefix(api.PxWebPath, "/")})
	if err != nil {
		return nil, err
	}
	links["{{config}}"] = string(config)
	tmpl, err := fs.ReadFile(files, "page/index.html")
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	var pairs []string
	for placeholder, value := range links {
		if n := bytes.Count(tmpl, []byte(placeholder)); n != 1 {
			return nil, fmt.Errorf("viewer: page/index.html has the placeholder %s %d times, want once", placeholder, n)
		}
		pairs = append(pairs, placeholder, value)
	}
	s.page = []byte(strings.NewReplacer(pairs...).Replace(string(tmpl)))
	s.etag = `"` + contentHash(s.page) + `"`
	return s, nil
}

// Handler serves the viewer and passes every other request on to next.
func Handler(next http.Handler) http.Handler {
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
	mux.HandleFunc("GET "+PagePath, onSite(func(s *site, w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		write(w, "text/html; charset=utf-8", s.etag, pageCacheControl, s.page)
	}))
	mux.HandleFunc("GET "+assetsPath+"{name}", onSite(func(s *site, w http.ResponseWriter, r *http.Request) {
		a, ok := s.assets[r.PathValue("name")]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no viewer asset %q (a page from an older build? reload it)", r.PathValue("name")))
			return
		}
		write(w, a.contentType, a.etag, assetCacheControl, a.body)
	}))
	notGET := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+": the viewer answers GET")
	}
	mux.HandleFunc(PagePath, notGET)
	mux.HandleFunc(assetsPath+"{name}", notGET)
	mux.Handle("/", next)
	return mux
}

// write answers 200 with body; serve.Wrap compresses it and answers 304
// when If-None-Match names etag.
func write(w http.ResponseWriter, contentType, etag, cacheControl string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// writeError answers in the shape of the API's errors.
func writeError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": message}}})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// contentHash names a content: the first 12 hex digits of its SHA-256.
func contentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:6])
}
