package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"gopkg.in/yaml.v3"
)

// loadPxSpec reads PxWebApi 2.0's OpenAPI document (testdata/pxapi-2)
// with four corrections, each to a contradiction in the document that no
// answer could satisfy or that names files it does not ship:
//
//   - the examples refer to ./examplesAsYml/…, which the specification's
//     repository does not have at that revision: they are left out;
//   - "updated" of Table and TableMetadataResponse is format date-time
//     with a pattern that admits a date only, and the JSON-stat schema's
//     "updated" has the same date-only pattern: no date-time can pass
//     both, and the specification's own examples (and SCB's answers)
//     are date-times ("2022-01-08T07:00:00.000Z"). The patterns are
//     dropped; the format date-time is kept and checked;
//   - VariableSelection requires "values" but defines "valueCodes" (the
//     name PxWeb's clients send and its later revisions keep): it
//     requires "valueCodes".
//
// The servers are the test's, so that routes are found by URL.
func loadPxSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "pxapi-2", "PxAPI-2.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var strip func(v any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ex, ok := x["examples"].(map[string]any); ok && strings.Contains(jsonText(t, ex), "examplesAsYml") {
				delete(x, "examples")
			}
			for _, c := range x {
				strip(c)
			}
		case []any:
			for _, c := range x {
				strip(c)
			}
		}
	}
	strip(doc)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	delete(schemas["updated"].(map[string]any), "pattern")
	for _, name := range []string{"Table", "TableMetadataResponse"} {
		props := schemas[name].(map[string]any)["properties"].(map[string]any)
		delete(props["updated"].(map[string]any), "pattern")
	}
	schemas["VariableSelection"].(map[string]any)["required"] = []any{"variableCode", "valueCodes"}
	doc["servers"] = []any{map[string]any{"url": "http://example.com" + PxWebPath}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("the specification itself: %v", err)
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return spec, router
}

func jsonText(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPxWebOpenAPI validates every kind of answer of the PxWeb endpoint
// against PxWebApi 2.0's OpenAPI document with kin-openapi: the route
// and status must be in the document, and the body must match the
// schema of its media type. The data routes declare their 200 as a
// string per media type (the formats are opaque to the document): a
// json-stat2 answer is validated against the document's JSON-stat schema
// Dataset instead, as is the json-stat2 metadata (application/jsonstat in
// the document); CSV and XLSX against the document's string schemas
// (plain/text, application/octet-stream). The POST's selection is
// validated as a request too.
func TestPxWebOpenAPI(t *testing.T) {
	h := sampleHandler(t)
	small, err := NewHandler(h.lake, HandlerOptions{Logger: discardLogger(), MaxCells: 10})
	if err != nil {
		t.Fatal(err)
	}
	spec, router := loadPxSpec(t)
	dataset := spec.Components.Schemas["Dataset"].Value
	selection := map[string]any{"selection": []map[string]any{
		{"variableCode": "namnd", "valueCodes": []string{"jarva", "_T"}},
		{"variableCode": "ContentsCode", "valueCodes": []string{"DECISIONS"}},
		{"variableCode": "Tid", "valueCodes": []string{"top(1)"}},
	}}
	cases := []struct {
		name   string
		h      http.Handler
		method string
		path   string
		body   any
		status int
		// as names the schema the body is checked against instead of
		// the route's: "Dataset", or "string" for CSV and XLSX.
		as string
	}{
		{"config", h, "GET", "/config", nil, 200, ""},
		{"navigation root", h, "GET", "/navigation", nil, 200, ""},
		{"navigation folder of seed tables", h, "GET", "/navigation/rapport-socialtjanstrapporten-2024-kapitel-9-funktionsnedsattning", nil, 200, ""},
		{"navigation folder of views", h, "GET", "/navigation/insatser", nil, 200, ""},
		{"tables", h, "GET", "/tables?pageSize=1000", nil, 200, ""},
		{"tables, query and page", h, "GET", "/tables?query=kbf&pageNumber=1&pageSize=2", nil, 200, ""},
		{"table", h, "GET", "/tables/rapport-9-4", nil, 200, ""},
		{"metadata of a seed table", h, "GET", "/tables/rapport-9-4/metadata", nil, 200, ""},
		{"metadata of a quarterly seed table", h, "GET", "/tables/rapport-ev-1/metadata", nil, 200, ""},
		{"metadata of a view", h, "GET", "/tables/insatser-namnd-insats-kon/metadata", nil, 200, ""},
		{"metadata as json-stat2", h, "GET", "/tables/kbf-namnd-kon/metadata?outputFormat=json-stat2", nil, 200, "Dataset"},
		{"data of a seed table", h, "GET", "/tables/rapport-9-4/data", nil, 200, "Dataset"},
		{"data of a view with suppressed cells", h, "GET", "/tables/insatser-namnd-insats-kon/data?valueCodes[namnd]=*&valueCodes[insats]=*&valueCodes[ContentsCode]=DECISIONS&valueCodes[Tid]=2024", nil, 200, "Dataset"},
		{"data by POST", h, "POST", "/tables/insatser-namnd-insats-kon/data", selection, 200, "Dataset"},
		{"data as csv", h, "GET", "/tables/rapport-9-7/data?outputFormat=csv", nil, 200, "string"},
		{"data as xlsx", h, "GET", "/tables/rapport-9-7/data?outputFormat=xlsx", nil, 200, "string"},
		{"400", h, "GET", "/tables/rapport-9-7/data?valueCodes[rad]=nope", nil, 400, ""},
		{"403", small, "GET", "/tables/rapport-9-7/data", nil, 403, ""},
		{"404", h, "GET", "/tables/nope/metadata", nil, 404, ""},
		{"404 of a folder", h, "GET", "/navigation/nope", nil, 404, ""},
	}
	// The validator is live: a metadata answer without its variables,
	// and a json-stat2 answer with a string value, fail.
	t.Run("validator refuses", func(t *testing.T) {
		req := httptest.NewRequest("GET", "http://example.com"+PxWebPath+"/tables/rapport-9-4/metadata", nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		var meta map[string]any
		json.Unmarshal(pxOK(t, h, "GET", "/tables/rapport-9-4/metadata", nil), &meta)
		delete(meta, "variables")
		hd := http.Header{"Content-Type": {contentTypeJSON}}
		in := &openapi3filter.ResponseValidationInput{RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status: 200, Header: hd}
		if err := openapi3filter.ValidateResponse(context.Background(), in.SetBodyBytes([]byte(jsonText(t, meta)))); err == nil {
			t.Error("metadata without variables passes")
		}
		var js map[string]any
		json.Unmarshal(pxOK(t, h, "GET", "/tables/rapport-9-4/data", nil), &js)
		js["value"] = []any{"*"}
		if err := dataset.VisitJSON(js, openapi3.VisitAsResponse()); err == nil {
			t.Error("json-stat2 with a string value passes")
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var reqBody []byte
			if c.body != nil {
				reqBody, _ = json.Marshal(c.body)
			}
			req := httptest.NewRequest(c.method, "http://example.com"+PxWebPath+c.path, bytes.NewReader(reqBody))
			if c.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			c.h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, c.status, rec.Body)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no route in the specification: %v", err)
			}
			opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
			reqIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			if c.body != nil {
				req.Body = io.NopCloser(bytes.NewReader(reqBody))
				if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
					t.Errorf("the request: %v", err)
				}
			}
			in := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqIn, Status: rec.Code, Header: rec.Header(), Options: opts}
			switch c.as {
			case "":
				in.SetBodyBytes(rec.Body.Bytes())
				if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
					t.Errorf("%v\n%.2000s", err, rec.Body)
				}
				return
			case "Dataset":
				var v any
				if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
					t.Fatal(err)
				}
				if err := dataset.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
					t.Errorf("not the specification's JSON-stat Dataset: %v", err)
				}
			case "string":
				mediaType := "plain/text"
				if strings.Contains(c.path, "xlsx") {
					mediaType = "application/octet-stream"
				}
				s := route.Operation.Responses.Status(200).Value.Content.Get(mediaType).Schema.Value
				if err := s.VisitJSON(rec.Body.String(), openapi3.VisitAsResponse()); err != nil || rec.Body.Len() == 0 {
					t.Errorf("not the specification's %s: %v", mediaType, err)
				}
			}
			// The route and status are the document's.
			if route.Operation.Responses.Status(rec.Code) == nil {
				t.Errorf("status %d is not in the specification", rec.Code)
			}
		})
	}
}
