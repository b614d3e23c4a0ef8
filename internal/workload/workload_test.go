package workload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/api"
	lakeduckdb "github.com/stockholm/insyn/internal/lake/duckdb"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/workload"
)

// TestMixOnTheSampleLake: every query of the mix answers on the sample
// lake without errors, and every table's published figures are what its
// SQL computes in DuckDB from the same files; a figure changed in DuckDB's
// rows is caught.
func TestMixOnTheSampleLake(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	st, err := dirstore.New(filepath.Join(root, "testdata", "lake"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	l, err := api.OpenLake(context.Background(), st, api.LakeOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(l, api.HandlerOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mix := workload.Mix()
	type namedSQL struct {
		Name string `json:"name"`
		SQL  string `json:"sql"`
	}
	var sqls []namedSQL
	for _, q := range mix {
		sqls = append(sqls, namedSQL{q.Name, q.SQLFor("testdata/lake")})
	}
	duck := duckdb(t, root, sqls)
	for _, q := range mix {
		body, err := json.Marshal(map[string]any{"query": q.GraphQL, "variables": q.Variables})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, api.Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", q.Name, rec.Code)
		}
		a, err := workload.Decode(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		rows, ok := duck[q.Name]
		if !ok || len(rows) == 0 {
			t.Fatalf("%s: DuckDB gives no rows", q.Name)
		}
		if !q.Comparable {
			continue
		}
		n, err := workload.Compare(a, rows)
		if err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		t.Logf("%s: %d cells, %d published agree with DuckDB", q.Name, a.Cells(), n)
		// The comparison can fail: the first published figure, one higher.
		for i, c := range a.Data.Table.Cells {
			if c.Mark == "PUBLISHED" {
				wrong := *c.Value + 1
				a.Data.Table.Cells[i].Value = &wrong
				break
			}
		}
		if _, err := workload.Compare(a, rows); err == nil || !strings.Contains(err.Error(), "DuckDB computes") {
			t.Errorf("%s: a wrong figure passes the comparison (%v)", q.Name, err)
		}
	}
	if _, err := workload.Decode([]byte(`{"errors":[{"message":"period: no"}],"data":null}`)); err == nil || !strings.Contains(err.Error(), "period: no") {
		t.Errorf("Decode of an error answer: %v", err)
	}
}

// duckdb runs the statements with internal/lake/duckdb/query.mjs from the
// repository root (npm install puts DuckDB there; infra/test.sh runs it).
func duckdb(t *testing.T, root string, queries any) map[string][]map[string]*string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@duckdb", "node-api", "package.json")); err != nil {
		t.Fatalf("DuckDB is not installed: run `npm install` in %s", root)
	}
	stdout, err := lakeduckdb.Query(root, queries)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Results map[string][]map[string]*string `json:"results"`
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("query.mjs: %v\n%s", err, stdout)
	}
	return out.Results
}
