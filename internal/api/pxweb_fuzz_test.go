package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/serve"
)

// FuzzPxWeb: any path below PxWebPath with any query string, by GET, or
// by POST with any body: never a panic, a documented status, problems as
// JSON.
func FuzzPxWeb(f *testing.F) {
	for _, p := range []string{"config", "navigation", "navigation/insatser", "tables", "tables/rapport-9-4", "tables/rapport-9-4/metadata", "tables/x/data", "tables/../config"} {
		f.Add(p, "", "")
	}
	f.Add("tables/insatser-namnd-insats-kon/data", "valueCodes[namnd]=*&valueCodes[Tid]=range(2022,2024)&outputFormat=csv", "")
	f.Add("tables/rapport-ev-1/metadata", "outputFormat=json-stat2", "")
	f.Add("tables/kbf-namnd-kon/data", "outputFormat=xlsx", `{"selection":[{"variableCode":"kon","valueCodes":["K","top(1)"]}]}`)
	f.Add("tables/rapport-9-7/data", "", `{"selection":[{"variableCode":"rad","valueCodes":["from(bromma)"]}]}`)
	h := serve.Wrap(sampleHandler(f), serve.Options{Logger: discardLogger()})
	f.Fuzz(func(t *testing.T, path, rawQuery, body string) {
		u := &url.URL{Path: PxWebPath + "/" + path, RawQuery: rawQuery}
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		req, err := http.NewRequest(method, u.String(), strings.NewReader(body))
		if err != nil {
			return // not a URL a client could send
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
		case 301, 307, 308: // http.ServeMux to the cleaned path
			if rec.Header().Get("Location") == "" {
				t.Fatalf("%s: %d without a Location", u, rec.Code)
			}
		case 400, 403, 404, 405, 413, 415, 503:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: %d, not a JSON problem: %s", u, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("%s %s: status %d: %s", method, u, rec.Code, rec.Body)
		}
	})
}
