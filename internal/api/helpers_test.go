package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// The sample lake's handler is built once per test binary: preparing a
// version (its disclosure control) takes seconds.
var sample = sync.OnceValues(func() (*Handler, error) {
	l, err := OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), LakeOptions{
		Rules: Rules{Threshold: DefaultThreshold}, RefreshInterval: DefaultRefreshInterval, Logger: discardLogger(),
	})
	if err != nil {
		return nil, err
	}
	return NewHandler(l, HandlerOptions{Logger: discardLogger()})
})

func sampleHandler(t testing.TB) *Handler {
	t.Helper()
	h, err := sample()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// answer is a decoded GraphQL answer.
type answer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends a GraphQL query by POST and returns the recorded response.
func post(t testing.TB, h http.Handler, query string, vars map[string]any) *httptest.ResponseRecorder {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// get sends a GraphQL query by GET.
func get(t testing.TB, h http.Handler, query string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, Path+"?query="+url.QueryEscape(query), nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// query posts query and decodes the data into out, failing on any error.
func query(t testing.TB, h http.Handler, q string, vars map[string]any, out any) {
	t.Helper()
	rec := post(t, h, q, vars)
	a := decode(t, rec)
	if len(a.Errors) > 0 {
		t.Fatalf("query %s: errors %+v", q, a.Errors)
	}
	if err := json.Unmarshal(a.Data, out); err != nil {
		t.Fatalf("decoding %s: %v", a.Data, err)
	}
}

func decode(t testing.TB, rec *httptest.ResponseRecorder) answer {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return decodeAny(t, rec)
}

// decodeAny decodes an answer of any status.
func decodeAny(t testing.TB, rec *httptest.ResponseRecorder) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, rec.Body)
	}
	return a
}

// engine is the version's Disclosure itself, without the API's memo, so
// that tests check answers against the engine directly.
func engine(v *version) Disclosure {
	if m, ok := v.disc.(*memoDisclosure); ok {
		return m.d
	}
	return v.disc
}

// valued is the version's stored pattern over structures built from its
// cubes, so Mark also returns each cell's value (a stored pattern has none).
func valued(t *testing.T, v *version) Disclosure {
	t.Helper()
	l, _, err := protect.WithStructures(cubesOf(t, v), v.snap.Disclosure)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// cubesOf is every cube of a version, read.
func cubesOf(t testing.TB, v *version) cube.Source {
	t.Helper()
	src, err := v.cubes.source(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// periodRange is a dataset's periods as a range, "first/last".
func periodRange(t testing.TB, ds *datasetState) string {
	t.Helper()
	codes, err := ds.periodCodes()
	if err != nil {
		t.Fatal(err)
	}
	return codes[0] + "/" + codes[len(codes)-1]
}

// withBrokenKBF is v with a kbf cube that has lost a measure: computing
// from it fails.
func withBrokenKBF(t testing.TB, v *version) version {
	t.Helper()
	src := maps.Clone(cubesOf(t, v))
	c := *src["kbf"]
	c.Measures = []string{"antal_personer", "belopp"}
	src["kbf"] = &c
	broken := *v
	broken.cubes = loadedCubes(src)
	broken.indexes = &indexes{by: map[string]*indexSlot{}}
	return broken
}

// groupings lists every set of at most most of dims's dimensions, in
// dims's order: none, then each one with the sets that extend it.
func groupings(dims []dimDef, most int) [][]string {
	out := [][]string{nil}
	var walk func(from int, prefix []string)
	walk = func(from int, prefix []string) {
		for i := from; i < len(dims); i++ {
			g := append(slices.Clone(prefix), dims[i].name)
			out = append(out, g)
			if len(g) < most {
				walk(i+1, g)
			}
		}
	}
	walk(0, nil)
	return out
}
