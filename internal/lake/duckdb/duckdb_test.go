package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

// lakeDir is the sample lake, relative to the repository root, where the
// queries run.
const lakeDir = "testdata/lake"

// query is one SQL statement for query.mjs.
type query struct {
	Name string `json:"name"`
	SQL  string `json:"sql"`
}

// output is what query.mjs prints.
type output struct {
	DuckDB  string                          `json:"duckdb"`
	Results map[string][]map[string]*string `json:"results"`
}

// scan is the table function reading one dataset's files with the year
// taken from the Hive partition, as a user of the lake would write it.
func scan(prefix, dataset string) string {
	return fmt.Sprintf("read_parquet('%s/%sdataset=%s/*/*.parquet', hive_partitioning=true)", lakeDir, prefix, dataset)
}

// TestPrintedTotals checks totals the seed reports print against what DuckDB
// computes from the sample lake's files.
func TestPrintedTotals(t *testing.T) {
	root := repoRoot(t)
	m := readManifest(t, root)
	agg := func(dataset string) string { return scan(lake.AggregatesPrefix, dataset) }
	tests := []struct {
		name    string
		dataset string
		sql     string
		want    string
	}{
		{"9:19 KBF persons 2024", lake.KBF,
			"SELECT sum(antal_personer) FROM " + agg(lake.KBF) + " WHERE ar = 2024", "562"},
		{"9:19 KBF women 2024", lake.KBF,
			"SELECT sum(antal_personer) FROM " + agg(lake.KBF) + " WHERE ar = 2024 AND kon = 'K'", "250"},
		{"9:20 KBF amount 2024", lake.KBF,
			"SELECT sum(belopp_kr) FROM " + agg(lake.KBF) + " WHERE ar = 2024", "8290665"},
		{"9:20 KBF amount 2022", lake.KBF,
			"SELECT sum(belopp_kr) FROM " + agg(lake.KBF) + " WHERE ar = 2022", "10712218"},
		{"9:20 KBF amount Norra innerstaden 2024", lake.KBF,
			"SELECT sum(belopp_kr) FROM " + agg(lake.KBF) + " WHERE ar = 2024 AND namnd = 'norra_innerstaden'", "2241301"},
		{"KBF raw recipients 2024", lake.KBF,
			"SELECT count(DISTINCT person_id) FROM " + scan(lake.RawPrefix, lake.KBF) + " WHERE ar = 2024", "562"},
		{"9:3 LSS decisions 2024", lake.Insatser,
			"SELECT sum(antal_beslut) FROM " + agg(lake.Insatser) + " WHERE ar = 2024 AND lagrum = 'LSS'", "8267"},
		{"9:3 daglig verksamhet 2024", lake.Insatser,
			"SELECT sum(antal_beslut) FROM " + agg(lake.Insatser) + " WHERE ar = 2024 AND insats = 'daglig_verksamhet'", "3317"},
		{"9:1 persons with LSS only 2024", lake.InsatserPersoner,
			"SELECT sum(antal_personer) FROM " + agg(lake.InsatserPersoner) + " WHERE ar = 2024 AND lagrumsgrupp = 'endast_lss'", "4984"},
		{"9:1 persons with SoL only 2024", lake.InsatserPersoner,
			"SELECT sum(antal_personer) FROM " + agg(lake.InsatserPersoner) + " WHERE ar = 2024 AND lagrumsgrupp = 'endast_sol'", "2557"},
		{"9:1 persons with both 2024", lake.InsatserPersoner,
			"SELECT sum(antal_personer) FROM " + agg(lake.InsatserPersoner) + " WHERE ar = 2024 AND lagrumsgrupp = 'bade'", "819"},
		{"9:1 SFB 2024", lake.SFB,
			"SELECT sum(antal_personer) FROM " + agg(lake.SFB) + " WHERE ar = 2024", "1050"},
		{"9:21 LOV providers 2023", lake.Lov,
			"SELECT sum(antal_verksamheter) FROM " + agg(lake.Lov) + " WHERE ar = 2023", "300"},
		{"9:21 LOV ledsagar-/avlösarservice 2022", lake.Lov,
			"SELECT sum(antal_verksamheter) FROM " + agg(lake.Lov) + " WHERE ar = 2022 AND insats = 'ledsagar_avlosarservice'", "74"},
		{"ev:1 LSS not executed Kv 2 2024", lake.EjVerkstallda,
			"SELECT sum(antal_beslut) FROM " + agg(lake.EjVerkstallda) + " WHERE ar = 2024 AND kvartal = 2 AND lagrum = 'LSS'", "171"},
		{"ev:2 SoL not executed Kv 2 2024", lake.EjVerkstallda,
			"SELECT sum(antal_beslut) FROM " + agg(lake.EjVerkstallda) + " WHERE ar = 2024 AND kvartal = 2 AND lagrum = 'SoL'", "122"},
		{"ev:5 LSS not executed Kv 2 2023, men", lake.EjVerkstallda,
			"SELECT sum(antal_beslut) FROM " + agg(lake.EjVerkstallda) + " WHERE ar = 2023 AND kvartal = 2 AND lagrum = 'LSS' AND kon = 'M'", "130"},
	}
	var queries []query
	for _, tt := range tests {
		if len(m.Datasets[tt.dataset].Files) == 0 {
			t.Errorf("dataset %s has no files in %s", tt.dataset, lakeDir)
			continue
		}
		queries = append(queries, query{tt.name, tt.sql})
	}
	out := run(t, root, queries)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, ok := out.Results[tt.name]
			if !ok {
				t.Fatalf("dataset %s was not queried (no files in %s)", tt.dataset, lakeDir)
			}
			got := onlyValue(t, rows)
			if got == nil {
				t.Fatalf("no rows of %s match in %s\n%s", tt.dataset, lakeDir, tt.sql)
			}
			if *got != tt.want {
				t.Errorf("DuckDB computes %s from %s, the report prints %s\n%s", *got, lakeDir, tt.want, tt.sql)
			}
		})
	}
}

// TestSameAsGoReader compares, for every dataset and year of the sample
// lake, the number of rows, the sum of every numeric column and the distinct
// values of every string column as DuckDB reads them with those package
// lake reads, and checks the types DuckDB infers for the partition column
// and the date columns.
func TestSameAsGoReader(t *testing.T) {
	root := repoRoot(t)
	st, err := dirstore.New(filepath.Join(root, lakeDir))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := lake.Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := lake.ReadRaw(context.Background(), st, snap.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	tables := append(aggregateTables(snap.Set), rawTables(raw)...)

	var queries []query
	var checked []table
	for _, tb := range tables {
		d := snap.Manifest.Datasets[tb.dataset]
		if len(d.Files) == 0 && tb.prefix == lake.AggregatesPrefix || len(d.Raw) == 0 && tb.prefix == lake.RawPrefix {
			continue
		}
		checked = append(checked, tb)
		queries = append(queries, query{tb.name(), tb.sql()})
	}
	if len(checked) == 0 {
		t.Fatalf("%s has no files", lakeDir)
	}
	queries = append(queries,
		query{"type of ar", "SELECT DISTINCT typeof(ar) AS t FROM " + scan(lake.AggregatesPrefix, checked[0].dataset)})
	if len(snap.Manifest.Datasets[lake.Insatser].Raw) > 0 {
		queries = append(queries, query{"type of matdatum",
			"SELECT DISTINCT typeof(matdatum) AS t FROM " + scan(lake.RawPrefix, lake.Insatser)})
	}
	out := run(t, root, queries)
	t.Logf("DuckDB %s", out.DuckDB)

	for _, tb := range checked {
		t.Run(tb.name(), func(t *testing.T) {
			got := out.Results[tb.name()]
			want := tb.summary()
			if len(got) != len(want) {
				t.Fatalf("DuckDB sees years %v, package lake %v", column(got, "ar"), slices.Sorted(maps.Keys(want)))
			}
			for _, row := range got {
				year, _ := strconv.Atoi(*row["ar"])
				w, ok := want[year]
				if !ok {
					t.Errorf("DuckDB sees year %d, package lake does not", year)
					continue
				}
				for col, wv := range w {
					gv := row[col]
					if !sameNumberOrText(deref(gv), wv) {
						t.Errorf("ar=%d %s: DuckDB %v, package lake %s", year, col, deref(gv), wv)
					}
				}
			}
		})
	}
	for _, c := range []struct{ name, want string }{{"type of ar", "BIGINT"}, {"type of matdatum", "DATE"}} {
		rows, ok := out.Results[c.name]
		if !ok {
			continue
		}
		if got := onlyValue(t, rows); got == nil || *got != c.want {
			t.Errorf("%s: DuckDB infers %v, want %s", c.name, deref(got), c.want)
		}
	}
}

// table is one dataset's rows by year, as package lake read them.
type table struct {
	prefix, dataset string
	byYear          reflect.Value // map[int][]T
}

func (tb table) name() string { return tb.prefix + tb.dataset }

func aggregateTables(s *aggregate.Set) []table {
	v := reflect.ValueOf(s).Elem()
	fields := []struct{ dataset, field string }{
		{lake.Insatser, "Insatser"}, {lake.InsatserPersoner, "Personer"}, {lake.Beslut, "Beslut"},
		{lake.EjVerkstallda, "EjVerkstallda"}, {lake.KBF, "KBF"}, {lake.Lov, "Lov"},
		{lake.Befolkning, "Befolkning"}, {lake.SFB, "SFB"},
	}
	var out []table
	for _, f := range fields {
		out = append(out, table{lake.AggregatesPrefix, f.dataset, v.FieldByName(f.field)})
	}
	return out
}

func rawTables(m *aggregate.Microdata) []table {
	v := reflect.ValueOf(m).Elem()
	fields := []struct{ dataset, field string }{
		{lake.Insatser, "Insatser"}, {lake.Beslut, "Beslut"}, {lake.EjVerkstallda, "EjVerkstallda"}, {lake.KBF, "KBF"},
	}
	var out []table
	for _, f := range fields {
		out = append(out, table{lake.RawPrefix, f.dataset, v.FieldByName(f.field)})
	}
	return out
}

// columns returns the Parquet column names of the row type and whether
// each is numeric (summed) or text (distinct values listed).
func (tb table) columns() (names []string, numeric map[string]bool) {
	typ := tb.byYear.Type().Elem().Elem()
	numeric = map[string]bool{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := strings.Split(f.Tag.Get("parquet"), ",")[0]
		k := f.Type.Kind()
		if k == reflect.Pointer {
			k = f.Type.Elem().Kind()
		}
		switch k {
		case reflect.Int32, reflect.Int64, reflect.Float64:
			numeric[name] = true
		case reflect.String:
		default:
			continue // booleans and dates are covered by the row counts and types
		}
		if strings.HasSuffix(name, "datum") {
			continue
		}
		names = append(names, name)
	}
	return names, numeric
}

// sql summarises the table by year in DuckDB, every value as text.
func (tb table) sql() string {
	names, numeric := tb.columns()
	sel := []string{"ar", "count(*)::VARCHAR AS rows"}
	for _, n := range names {
		if numeric[n] {
			sel = append(sel, fmt.Sprintf("sum(%s)::VARCHAR AS %s", n, n))
		} else {
			sel = append(sel, fmt.Sprintf("string_agg(DISTINCT %s, ',' ORDER BY %s) AS %s", n, n, n))
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s GROUP BY ar ORDER BY ar", strings.Join(sel, ", "), scan(tb.prefix, tb.dataset))
}

// summary computes what sql computes, from the rows package lake read.
func (tb table) summary() map[int]map[string]string {
	names, numeric := tb.columns()
	out := map[int]map[string]string{}
	iter := tb.byYear.MapRange()
	for iter.Next() {
		rows := iter.Value()
		if rows.Len() == 0 {
			continue // DuckDB's GROUP BY has no group for a file without rows
		}
		s := map[string]string{"rows": strconv.Itoa(rows.Len())}
		for _, n := range names {
			var sum float64
			var isFloat bool
			values := 0
			seen := map[string]bool{}
			for i := range rows.Len() {
				v := fieldByColumn(rows.Index(i), n)
				if v.Kind() == reflect.Pointer {
					if v.IsNil() {
						continue
					}
					v = v.Elem()
				}
				values++
				switch v.Kind() {
				case reflect.Int32, reflect.Int64:
					sum += float64(v.Int())
				case reflect.Float64:
					sum += v.Float()
					isFloat = true
				case reflect.String:
					seen[v.String()] = true
				}
			}
			switch {
			case !numeric[n]:
				s[n] = strings.Join(slices.Sorted(maps.Keys(seen)), ",")
			case values == 0:
				s[n] = "NULL" // SQL's sum over no values
			case isFloat:
				s[n] = strconv.FormatFloat(sum, 'g', -1, 64)
			default:
				s[n] = strconv.FormatInt(int64(sum), 10)
			}
		}
		out[int(iter.Key().Int())] = s
	}
	return out
}

func fieldByColumn(row reflect.Value, col string) reflect.Value {
	for i := range row.NumField() {
		if strings.Split(row.Type().Field(i).Tag.Get("parquet"), ",")[0] == col {
			return row.Field(i)
		}
	}
	panic("no column " + col)
}

// sameNumberOrText compares DuckDB's text with Go's: equal text, or equal
// numbers up to rounding of float sums.
func sameNumberOrText(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
}

// run executes the queries with query.mjs from the repository root,
// installing the pinned npm packages first if they are missing. It fails,
// never skips, when Node.js or npm is missing: the second-engine check is
// part of the test suite.
func run(t *testing.T, root string, queries []query) *output {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@duckdb", "node-api", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("npm not found (%v): it installs @duckdb/node-api from package-lock.json; install npm or run `npm install` in %s", err, root)
		}
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install in %s: %v\n%s", root, err, b)
		}
	}
	stdout, err := Query(root, queries)
	if err != nil {
		t.Fatal(err)
	}
	var out output
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("query.mjs printed something that is not its JSON: %v\n%s", err, stdout)
	}
	return &out
}

// repoRoot returns the repository root, three levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

func readManifest(t *testing.T, root string) *lake.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, lakeDir, lake.ManifestKey))
	if err != nil {
		t.Fatalf("%v (run `go run ./testdata/gen` to make the sample lake)", err)
	}
	m, err := lake.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// onlyValue returns the single value of a one-row, one-column result.
func onlyValue(t *testing.T, rows []map[string]*string) *string {
	t.Helper()
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("want one row with one value, got %v", rows)
	}
	for _, v := range rows[0] {
		return v
	}
	return nil
}

func column(rows []map[string]*string, col string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, deref(r[col]))
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}
