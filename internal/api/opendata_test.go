package api

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/serve"
)

// fetch GETs a URL (absolute, as the links are, or a path) from the handler.
func fetch(t testing.TB, h http.Handler, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	target = strings.TrimPrefix(target, "http://example.com")
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// fetchOK GETs a URL and fails unless it answers 200 with the media type.
func fetchOK(t testing.TB, h http.Handler, target, contentType string) []byte {
	t.Helper()
	rec := fetch(t, h, target, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != contentType {
		t.Fatalf("GET %s: %d, Content-Type %q: %s", target, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	return rec.Body.Bytes()
}

// csvNumber writes a published value as the dialect does.
func csvNumber(v float64, d Dialect) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if d == DialectExcel {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// csvCell is what a CSV file must show for a GraphQL cell: the number or
// the printed mark in the value column, the Mark in the status column;
// both empty where the layout prints nothing.
func csvCell(c *cellJSON, d Dialect) (value, status string) {
	switch {
	case c == nil:
		return "", ""
	case c.Value != nil:
		return csvNumber(*c.Value, d), c.Mark
	}
	return c.Display, c.Mark
}

// readCSV parses a CSV file of a dialect with encoding/csv: every line a
// record of as many fields as the header (the Excel dialect's metadata
// lines below the data are returned apart).
func readCSV(t *testing.T, body []byte, d Dialect) (records [][]string, footer []string) {
	t.Helper()
	if strings.Contains(strings.ReplaceAll(string(body), "\r\n", ""), "\n") {
		t.Errorf("a line ends without CR")
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Errorf("the file does not end with CRLF")
	}
	r := csv.NewReader(bytes.NewReader(body))
	if d == DialectExcel {
		if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
			t.Fatalf("the Excel dialect has no UTF-8 byte order mark: % x", body[:min(8, len(body))])
		}
		r = csv.NewReader(bytes.NewReader(body[3:]))
		r.Comma = ';'
		// The metadata below the data are one field per line.
		r.FieldsPerRecord = -1
	} else if bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		t.Fatalf("the RFC 4180 dialect starts with a byte order mark")
	}
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the %s file: %v", d, err)
	}
	if d == DialectRFC4180 {
		return all, nil
	}
	// The data end at the empty line; encoding/csv skips it, so find it
	// in the bytes.
	i := bytes.Index(body, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("the Excel dialect has no empty line before its metadata")
	}
	data := bytes.Count(body[:i+2], []byte("\r\n"))
	for _, rec := range all[data:] {
		if len(rec) != 1 {
			t.Fatalf("a metadata line has %d fields: %q", len(rec), rec)
		}
		footer = append(footer, rec[0])
	}
	for _, rec := range all[:data] {
		if len(rec) != len(all[0]) {
			t.Fatalf("a data line has %d fields, the header %d: %q", len(rec), len(all[0]), rec)
		}
	}
	return all[:data], footer
}

// openDataGolden are the seed tables whose files are kept whole in
// testdata/golden/opendata, for reading: 9:4 (headings of three levels),
// 9:16 (units by row), 9:22 (positions the layout leaves empty).
var openDataGolden = []string{"9:4", "9:16", "9:22"}

// reportOpenQuery asks for a seed table with its open-data files.
const reportOpenQuery = `query($id: String!) { report(id: $id) {
  id number caption rowHeading source lakeVersion footnotes
  datasets { name version source }
  columns { key heading }
  rows { label marker cells { value mark display unit } }
  excel: csv rfc: csv(dialect: RFC4180) jsonStat
  links { csv csvRfc4180 jsonStat }
} }`

type reportOpenJSON struct {
	Report struct {
		ID, Number, Caption, RowHeading, Source, LakeVersion string
		Footnotes                                            []string
		Datasets                                             []struct{ Name, Version, Source string }
		Columns                                              []struct {
			Key     string
			Heading []string
		}
		Rows []struct {
			Label  string
			Marker *string
			Cells  []*cellJSON
		}
		Excel, RFC string
		JSONStat   json.RawMessage
		Links      struct{ CSV, CSVRFC4180, JSONStat string }
	}
}

type linksJSON struct {
	CSV        string `json:"csv"`
	CSVRFC4180 string `json:"csvRfc4180"`
	JSONStat   string `json:"jsonStat"`
}

// TestOpenDataSeedTables: for each of the 29 seed tables, the CSV files in
// both dialects and the JSON-stat file at the URLs GraphQL links to carry,
// cell for cell, the values and marks of the GraphQL answer, the printed
// layout (row labels with their markers, the headings flattened, a status
// column per printed column) and the metadata (title, source, footnotes,
// versions, licence). The files are also what the csv and jsonStat fields
// return, byte for byte.
func TestOpenDataSeedTables(t *testing.T) {
	h := sampleHandler(t)
	v := h.lake.cur.Load()
	tables, err := reports.Tables()
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]int{}
	for _, p := range tables {
		t.Run(p.ID, func(t *testing.T) {
			var a reportOpenJSON
			query(t, h, reportOpenQuery, map[string]any{"id": p.ID}, &a)
			g := a.Report
			if want := "http://example.com/v1/reports/" + p.ID + ".csv"; g.Links.CSV != want || g.Links.CSVRFC4180 != want+"?dialect=rfc4180" ||
				g.Links.JSONStat != "http://example.com/v1/reports/"+p.ID+".json" {
				t.Fatalf("links %+v", g.Links)
			}
			excel := fetchOK(t, h, g.Links.CSV, contentTypeCSV)
			rfc := fetchOK(t, h, g.Links.CSVRFC4180, contentTypeCSV)
			js := fetchOK(t, h, g.Links.JSONStat, contentTypeJSON)
			if string(excel) != g.Excel || string(rfc) != g.RFC {
				t.Errorf("the files at the links differ from the csv fields")
			}
			if !sameJSON(t, js, g.JSONStat) {
				t.Errorf("the file at links.jsonStat differs from the jsonStat field")
			}
			if slices.Contains(openDataGolden, p.ID) {
				name := filepath.Join(goldenDir, "opendata", strings.ReplaceAll(p.ID, ":", "-"))
				checkGolden(t, name+".csv", excel)
				checkGolden(t, name+".rfc4180.csv", rfc)
				checkGolden(t, name+".json", js)
			}

			header := []string{g.RowHeading}
			for _, c := range g.Columns {
				header = append(header, strings.Join(c.Heading, " – "))
			}
			for _, c := range g.Columns {
				header = append(header, strings.Join(c.Heading, " – ")+" (status)")
			}
			for _, d := range []Dialect{DialectExcel, DialectRFC4180} {
				body := excel
				if d == DialectRFC4180 {
					body = rfc
				}
				records, footer := readCSV(t, body, d)
				if len(records) != 1+len(g.Rows) || !slices.Equal(records[0], header) {
					t.Fatalf("%s: %d records, header %q; want %d records, header %q", d, len(records), records[0], 1+len(g.Rows), header)
				}
				for r, row := range g.Rows {
					rec := records[1+r]
					label := row.Label
					if row.Marker != nil {
						label += *row.Marker
					}
					if rec[0] != label {
						t.Errorf("%s: row %d is %q, GraphQL %q", d, r+1, rec[0], label)
					}
					for c, cell := range row.Cells {
						value, status := csvCell(cell, d)
						if rec[1+c] != value || rec[1+len(g.Columns)+c] != status {
							t.Errorf("%s: row %q column %s: CSV %q (%q), GraphQL %+v", d, row.Label, g.Columns[c].Key, rec[1+c], rec[1+len(g.Columns)+c], cell)
						}
						if cell != nil && d == DialectExcel {
							marks[cell.Mark]++
						}
					}
				}
				if d == DialectRFC4180 {
					continue
				}
				want := append([]string{g.Number + ". " + g.Caption, g.Source}, g.Footnotes...)
				if len(footer) < len(want) || !slices.Equal(footer[:len(want)], want) {
					t.Errorf("the metadata lines start %q, want %q", footer, want)
				}
				meta := strings.Join(footer, "\n")
				for _, s := range []string{"lake " + g.LakeVersion, licenceURL, "CC BY 4.0", g.Links.JSONStat} {
					if !strings.Contains(meta, s) {
						t.Errorf("the metadata lines do not mention %q:\n%s", s, meta)
					}
				}
				for _, ds := range g.Datasets {
					if !strings.Contains(meta, ds.Name+" "+ds.Version) {
						t.Errorf("the metadata lines do not name dataset %s %s", ds.Name, ds.Version)
					}
				}
			}

			doc := checkJSONStat(t, js)
			checkAlternates(t, doc, g.Links.CSV, g.Links.CSVRFC4180)
			if !slices.Equal(stringList(doc["id"]), []string{"row", "column"}) {
				t.Fatalf("id %v", doc["id"])
			}
			dims := mapOf(doc["dimension"])
			rowCat, colCat := mapOf(mapOf(dims["row"])["category"]), mapOf(mapOf(dims["column"])["category"])
			rowIDs, colIDs := stringList(rowCat["index"]), stringList(colCat["index"])
			if len(rowIDs) != len(g.Rows) || len(colIDs) != len(g.Columns) {
				t.Fatalf("%d rows and %d columns, GraphQL %d and %d", len(rowIDs), len(colIDs), len(g.Rows), len(g.Columns))
			}
			metric := stringList(mapOf(doc["role"])["metric"])
			if len(metric) != 1 {
				t.Errorf("no dimension has the role metric: the units are missing")
			}
			for r, row := range g.Rows {
				label := row.Label
				if row.Marker != nil {
					label += *row.Marker
				}
				if mapOf(rowCat["label"])[rowIDs[r]] != label {
					t.Errorf("row %s is labelled %v, GraphQL %q", rowIDs[r], mapOf(rowCat["label"])[rowIDs[r]], label)
				}
				for c, cell := range row.Cells {
					if r == 0 && (colIDs[c] != g.Columns[c].Key || mapOf(colCat["label"])[colIDs[c]] != strings.Join(g.Columns[c].Heading, " – ")) {
						t.Errorf("column %d is %s %v, GraphQL %s", c, colIDs[c], mapOf(colCat["label"])[colIDs[c]], g.Columns[c].Key)
					}
					value, status := jsonStatCell(t, doc, map[string]string{"row": rowIDs[r], "column": colIDs[c]})
					wantStatus := ""
					if cell != nil && cell.Mark != MarkPublished {
						wantStatus = cell.Display
					}
					if cell == nil && value != nil || cell != nil && !reflect.DeepEqual(value, cell.Value) || status != wantStatus {
						t.Errorf("row %q column %s: JSON-stat %v %q, GraphQL %+v", row.Label, g.Columns[c].Key, deref(value), status, cell)
					}
					if cell == nil || len(metric) != 1 {
						continue
					}
					cat := map[string]string{"row": rowIDs[r], "column": colIDs[c]}[metric[0]]
					dimCat := map[string]map[string]any{"row": rowCat, "column": colCat}[metric[0]]
					if unit := mapOf(mapOf(dimCat["unit"])[cat])["label"]; unit != cell.Unit {
						t.Errorf("row %q column %s: unit %v, GraphQL %q", row.Label, g.Columns[c].Key, unit, cell.Unit)
					}
				}
			}
			ext := mapOf(doc["extension"])
			if doc["label"] != g.Number+". "+g.Caption || doc["source"] != strings.TrimPrefix(g.Source, "Källa: ") ||
				doc["updated"] != v.created().UTC().Format(time.RFC3339) || doc["href"] != g.Links.JSONStat ||
				!slices.Equal(stringList(doc["note"]), g.Footnotes) || ext["lakeVersion"] != g.LakeVersion || ext["report"] != p.ID ||
				mapOf(ext["license"])["id"] != licenceID {
				t.Errorf("JSON-stat metadata: label %v, source %v, updated %v, href %v, note %v, extension %v",
					doc["label"], doc["source"], doc["updated"], doc["href"], doc["note"], ext)
			}
			var datasets []string
			for _, d := range ext["datasets"].([]any) {
				datasets = append(datasets, mapOf(d)["name"].(string)+" "+mapOf(d)["version"].(string))
			}
			var want []string
			for _, d := range g.Datasets {
				want = append(want, d.Name+" "+d.Version)
			}
			if !slices.Equal(datasets, want) {
				t.Errorf("extension.datasets %v, GraphQL %v", datasets, want)
			}
			for _, s := range mapOf(doc["status"]) {
				if _, ok := mapOf(ext["status"])[s.(string)]; !ok {
					t.Errorf("status %q is not explained in extension.status", s)
				}
			}
		})
	}
	t.Logf("cells compared per mark: %v", marks)
	if marks[MarkPublished] == 0 || marks[MarkSuppressed] == 0 {
		t.Errorf("the seed tables have no published or no suppressed cells (%v): the comparison proves little", marks)
	}
}

// checkAlternates checks that a JSON-stat file links to the two CSV files.
func checkAlternates(t *testing.T, doc map[string]any, csvURL, rfcURL string) {
	t.Helper()
	var got []string
	for _, l := range mapOf(doc["link"])["alternate"].([]any) {
		got = append(got, mapOf(l)["href"].(string))
	}
	if !slices.Equal(got, []string{csvURL, rfcURL}) {
		t.Errorf("link.alternate %q, want %q and %q", got, csvURL, rfcURL)
	}
}

// sameJSON reports whether two JSON texts are the same value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// tableOpenFields asks for a table with its open-data files.
const tableOpenFields = `{ unit source version lakeVersion footnotes
  periods { code label }
  cells { period coordinates { dimension code label total } value mark display }
  excel: csv rfc: csv(dialect: RFC4180) jsonStat
  links { csv csvRfc4180 jsonStat } }`

type tableOpenJSON struct {
	Table struct {
		Unit, Source, Version, LakeVersion string
		Footnotes                          []string
		Periods                            []struct{ Code, Label string }
		Cells                              []struct {
			Period      string
			Coordinates []struct {
				Dimension, Label, Code string
				Total                  bool
			}
			Value   *float64
			Mark    string
			Display string
		}
		Excel, RFC string
		JSONStat   json.RawMessage
		Links      linksJSON
	}
}

// TestOpenDataTables: a generic table's CSV files (both dialects, read
// back with encoding/csv) and JSON-stat file have exactly the GraphQL
// answer's cells, values and marks — no cell more — and the links carry
// the table's arguments (filter codes as codes).
func TestOpenDataTables(t *testing.T) {
	h := sampleHandler(t)
	marks := map[string]int{}
	for _, tt := range []struct {
		name, args string
		link       string // the CSV link's query
		golden     string // the files are kept whole in testdata/golden/opendata/<golden>.*
	}{
		{"README example, a label as filter", `dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: true, filter: [{dimension: "insats", codes: ["Ledsagarservice"]}]`,
			"measure=DECISIONS&period=2024&groupBy=kon&filter=insats:ledsagarservice&totals=true", "table-insatser-ledsagarservice-kon"},
		{"lagrum by insats (impossible combinations)", `dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["lagrum", "insats"]`,
			"measure=DECISIONS&period=2024&groupBy=lagrum,insats", ""},
		{"quarters with totals", `dataset: "ej_verkstallda", measure: DECISIONS, period: "2023-Q2/2024-Q2", groupBy: ["lagrum"], totals: true`,
			"measure=DECISIONS&period=2023-Q2/2024-Q2&groupBy=lagrum&totals=true", ""},
		{"mean hours by nämnd and kön", `dataset: "insatser", measure: MEAN_HOURS, period: "2022/2024", groupBy: ["namnd", "kon"], filter: [{dimension: "insats", codes: ["personlig_assistans"]}]`,
			"measure=MEAN_HOURS&period=2022/2024&groupBy=namnd,kon&filter=insats:personlig_assistans", ""},
		{"share", `dataset: "kbf", measure: SHARE, shareOf: "kon", period: "2024", groupBy: ["namnd", "kon"]`,
			"measure=SHARE&period=2024&groupBy=namnd,kon&shareOf=kon", ""},
		{"rate", `dataset: "insatser", measure: RATE_PER_10000, period: "2024", groupBy: ["namnd"], totals: true, filter: [{dimension: "insats", codes: ["daglig_verksamhet"]}]`,
			"measure=RATE_PER_10000&period=2024&groupBy=namnd&filter=insats:daglig_verksamhet&totals=true", ""},
		{"one cell", `dataset: "beslut", measure: RULINGS_AGAINST_CITY, period: "2024"`,
			"measure=RULINGS_AGAINST_CITY&period=2024", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var a tableOpenJSON
			query(t, h, "{ table("+tt.args+") "+tableOpenFields+" }", nil, &a)
			g := a.Table
			dataset := strings.Split(tt.args, `"`)[1]
			base := "http://example.com/v1/tables/" + dataset
			if g.Links.CSV != base+".csv?"+tt.link || g.Links.CSVRFC4180 != g.Links.CSV+"&dialect=rfc4180" || g.Links.JSONStat != base+".json?"+tt.link {
				t.Fatalf("links %+v; want the query %s", g.Links, tt.link)
			}
			excel := fetchOK(t, h, g.Links.CSV, contentTypeCSV)
			rfc := fetchOK(t, h, g.Links.CSVRFC4180, contentTypeCSV)
			js := fetchOK(t, h, g.Links.JSONStat, contentTypeJSON)
			if string(excel) != g.Excel || string(rfc) != g.RFC || !sameJSON(t, js, g.JSONStat) {
				t.Errorf("the files at the links differ from the csv and jsonStat fields")
			}
			if tt.golden != "" {
				name := filepath.Join(goldenDir, "opendata", tt.golden)
				checkGolden(t, name+".csv", excel)
				checkGolden(t, name+".rfc4180.csv", rfc)
				checkGolden(t, name+".json", js)
			}
			periodLabel := map[string]string{}
			for _, p := range g.Periods {
				periodLabel[p.Code] = p.Label
			}
			var dims []string
			if len(g.Cells) > 0 {
				for _, c := range g.Cells[0].Coordinates {
					dims = append(dims, c.Dimension)
				}
			}
			header := []string{"period", "period_label"}
			for _, d := range dims {
				header = append(header, d, d+"_label")
			}
			header = append(header, "value", "status")
			for _, d := range []Dialect{DialectExcel, DialectRFC4180} {
				body := excel
				if d == DialectRFC4180 {
					body = rfc
				}
				records, footer := readCSV(t, body, d)
				if len(records) != 1+len(g.Cells) || !slices.Equal(records[0], header) {
					t.Fatalf("%s: %d records, header %q; want %d, %q", d, len(records), records[0], 1+len(g.Cells), header)
				}
				for i, c := range g.Cells {
					want := []string{c.Period, periodLabel[c.Period]}
					for _, co := range c.Coordinates {
						want = append(want, co.Code, co.Label)
					}
					value := c.Display
					if c.Value != nil {
						value = csvNumber(*c.Value, d)
					}
					want = append(want, value, c.Mark)
					if !slices.Equal(records[1+i], want) {
						t.Errorf("%s: line %d is %q, the GraphQL cell %q", d, i+2, records[1+i], want)
					}
					if d == DialectExcel {
						marks[c.Mark]++
					}
				}
				if d == DialectExcel {
					meta := strings.Join(footer, "\n")
					for _, s := range append([]string{g.Source, "Enhet: " + g.Unit, "lake " + g.LakeVersion, g.Version, licenceURL, g.Links.JSONStat}, g.Footnotes...) {
						if !strings.Contains(meta, s) {
							t.Errorf("the metadata lines do not have %q:\n%s", s, meta)
						}
					}
				}
			}

			doc := checkJSONStat(t, js)
			checkAlternates(t, doc, g.Links.CSV, g.Links.CSVRFC4180)
			ids := stringList(doc["id"])
			if !slices.Equal(ids, append([]string{"measure", "period"}, dims...)) {
				t.Fatalf("id %v, want measure, period, %v", ids, dims)
			}
			if !slices.Equal(stringList(mapOf(doc["role"])["metric"]), []string{"measure"}) {
				t.Errorf("role %v", doc["role"])
			}
			measure := mapOf(mapOf(mapOf(doc["dimension"])["measure"])["category"])
			if unit := mapOf(mapOf(measure["unit"])[stringList(measure["index"])[0]])["label"]; unit != g.Unit {
				t.Errorf("unit %v, GraphQL %s", unit, g.Unit)
			}
			for _, c := range g.Cells {
				coords := map[string]string{"period": c.Period}
				for _, co := range c.Coordinates {
					coords[co.Dimension] = co.Code
					label := mapOf(mapOf(mapOf(mapOf(doc["dimension"])[co.Dimension])["category"])["label"])[coords[co.Dimension]]
					if label != co.Label {
						t.Errorf("category %s of %s is labelled %v, GraphQL %s", coords[co.Dimension], co.Dimension, label, co.Label)
					}
				}
				value, status := jsonStatCell(t, doc, coords)
				wantStatus := ""
				if c.Mark != MarkPublished {
					wantStatus = c.Display
				}
				if !reflect.DeepEqual(value, c.Value) || status != wantStatus {
					t.Errorf("cell %v: JSON-stat %v %q, GraphQL %v %s", coords, deref(value), status, deref(c.Value), c.Display)
				}
			}
			// No figure or mark beyond the GraphQL cells.
			shown := len(mapOf(doc["status"]))
			for _, x := range doc["value"].([]any) {
				if x != nil {
					shown++
				}
			}
			if shown != len(g.Cells) {
				t.Errorf("the JSON-stat file has %d values and marks, GraphQL %d cells", shown, len(g.Cells))
			}
			ext := mapOf(doc["extension"])
			if doc["updated"] != h.lake.cur.Load().created().UTC().Format(time.RFC3339) || doc["href"] != g.Links.JSONStat ||
				!slices.Equal(stringList(doc["note"]), g.Footnotes) || ext["lakeVersion"] != g.LakeVersion ||
				mapOf(ext["table"])["dataset"] != dataset || ext["total"] != totalCode {
				t.Errorf("JSON-stat metadata: updated %v, href %v, note %v, extension %v", doc["updated"], doc["href"], doc["note"], ext)
			}
		})
	}
	t.Logf("cells compared per mark: %v", marks)
	for _, m := range []string{MarkPublished, MarkSuppressed, MarkNotComputable} {
		if marks[m] == 0 {
			t.Errorf("no %s cell among the tables (%v): choose tables that have each", m, marks)
		}
	}
}

// TestCSVDialects: the two dialects of one file, with labels that need
// quoting and a decimal number: the byte order mark, the separators, the
// decimal sign, CRLF (also inside a quoted field), quotes doubled inside
// quoted fields, and encoding/csv reads both back to the same fields.
func TestCSVDialects(t *testing.T) {
	f := &csvFile{
		header: []string{"Nämnd", "Antal; totalt", "status"},
		rows: [][]csvField{
			{textField(`Malmö; "Syd"`), {number: 12.5, isNum: true}, textField(MarkPublished)},
			{textField("Järva, norra"), {number: 1234, isNum: true}, textField(MarkPublished)},
			{textField("Två\nrader"), textField("*"), textField(MarkSuppressed)},
		},
		footer: []string{"Källa: Sociala system", "Not; med semikolon"},
	}
	excel, err := f.write(DialectExcel)
	if err != nil {
		t.Fatal(err)
	}
	wantExcel := "\ufeffNämnd;\"Antal; totalt\";status\r\n" +
		"\"Malmö; \"\"Syd\"\"\";12,5;PUBLISHED\r\n" +
		"Järva, norra;1234;PUBLISHED\r\n" +
		"\"Två\r\nrader\";*;SUPPRESSED\r\n" +
		"\r\n" +
		"Källa: Sociala system\r\n" +
		"\"Not; med semikolon\"\r\n"
	if string(excel) != wantExcel {
		t.Errorf("Excel dialect:\n%q\nwant\n%q", excel, wantExcel)
	}
	rfc, err := f.write(DialectRFC4180)
	if err != nil {
		t.Fatal(err)
	}
	wantRFC := "Nämnd,Antal; totalt,status\r\n" +
		"\"Malmö; \"\"Syd\"\"\",12.5,PUBLISHED\r\n" +
		"\"Järva, norra\",1234,PUBLISHED\r\n" +
		"\"Två\r\nrader\",*,SUPPRESSED\r\n"
	if string(rfc) != wantRFC {
		t.Errorf("RFC 4180 dialect:\n%q\nwant\n%q", rfc, wantRFC)
	}
	want := [][]string{
		{"Nämnd", "Antal; totalt", "status"},
		{`Malmö; "Syd"`, "12.5", MarkPublished},
		{"Järva, norra", "1234", MarkPublished},
		{"Två\nrader", "*", MarkSuppressed},
	}
	got, err := csv.NewReader(bytes.NewReader(rfc)).ReadAll()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("encoding/csv reads the RFC 4180 file as %q (%v), want %q", got, err, want)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(excel, []byte(utf8BOM))))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	got, err = r.ReadAll()
	want[1][1] = "12,5"
	if err != nil || !reflect.DeepEqual(got[:4], want) || !reflect.DeepEqual(got[4:], [][]string{{"Källa: Sociala system"}, {"Not; med semikolon"}}) {
		t.Errorf("encoding/csv reads the Excel file as %q (%v)", got, err)
	}
	bad := &csvFile{header: []string{"a", "b"}, rows: [][]csvField{{textField("x")}}}
	if _, err := bad.write(DialectRFC4180); err == nil {
		t.Error("a row shorter than the header is written")
	}
}

// TestOpenDataList: /v1/reports lists the 29 seed tables with links that
// answer, and /v1/tables the datasets.
func TestOpenDataList(t *testing.T) {
	h := sampleHandler(t)
	var list struct {
		LakeVersion string
		Updated     string
		License     struct{ ID, Href string }
		Reports     []struct {
			ID, Number, Caption, Source string
			Links                       linksJSON
		}
		Datasets []struct {
			Name, Version, CSV, JSONStat string
			Measures, Periods            []string
		}
	}
	if err := json.Unmarshal(fetchOK(t, h, "/v1/reports", contentTypeJSON), &list); err != nil {
		t.Fatal(err)
	}
	ids := reportIDs()
	if len(list.Reports) != 29 || len(ids) != 29 || list.LakeVersion != h.lake.Version() || list.License.ID != licenceID {
		t.Fatalf("/v1/reports: %d reports, lake %s, licence %s", len(list.Reports), list.LakeVersion, list.License.ID)
	}
	for i, r := range list.Reports {
		if r.ID != ids[i] || !strings.HasPrefix(r.Source, "Källa: ") {
			t.Errorf("report %d: %+v", i, r)
		}
		for _, u := range []string{r.Links.CSV, r.Links.CSVRFC4180} {
			fetchOK(t, h, u, contentTypeCSV)
		}
		fetchOK(t, h, r.Links.JSONStat, contentTypeJSON)
	}
	if err := json.Unmarshal(fetchOK(t, h, "/v1/tables", contentTypeJSON), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Datasets) != len(datasetDefs) {
		t.Fatalf("/v1/tables lists %d datasets", len(list.Datasets))
	}
	for _, d := range list.Datasets {
		if len(d.Measures) == 0 || len(d.Periods) == 0 || !strings.HasPrefix(d.CSV, "http://example.com/v1/tables/"+d.Name+".csv{?measure,period") {
			t.Errorf("dataset %+v", d)
		}
		// The template filled in with a measure (DECISIONS where there
		// is one: PERSONS of insatser needs a single insats) and the last
		// period answers.
		measure := d.Measures[0]
		if slices.Contains(d.Measures, string(Decisions)) {
			measure = string(Decisions)
		}
		checkJSONStat(t, fetchOK(t, h, "/v1/tables/"+d.Name+".json?measure="+measure+"&period="+d.Periods[len(d.Periods)-1], contentTypeJSON))
	}
}

// TestOpenDataHTTP: behind serve.Wrap, the files have the media types,
// Content-Disposition with the version in the file name, Link headers to
// the metadata and licence, an ETag that gives 304, Cache-Control, gzip
// and CORS as /graphql; an id may be written with %3A, and a stage prefix
// is kept in the links.
func TestOpenDataHTTP(t *testing.T) {
	h := serve.Wrap(sampleHandler(t), serve.Options{Logger: discardLogger(), CORSOrigins: []string{"*"}})
	lake := sampleHandler(t).lake.Version()
	for _, tt := range []struct {
		target, contentType, filename, describedBy string
	}{
		{"/v1/reports/9:4.csv", contentTypeCSV, "insyn-9-4-" + lake + ".csv", "/v1/reports/9:4.json"},
		{"/v1/reports/9%3A4.csv?dialect=rfc4180", contentTypeCSV, "insyn-9-4-" + lake + ".rfc4180.csv", "/v1/reports/9:4.json"},
		{"/v1/reports/ev:1.json", contentTypeJSON, "insyn-ev-1-" + lake + ".json", ""},
		{"/v1/tables/kbf.csv?measure=persons&period=2024&groupBy=kon", contentTypeCSV, "insyn-kbf-persons-2024-", "/v1/tables/kbf.json?measure=PERSONS&period=2024&groupBy=kon"},
	} {
		t.Run(tt.target, func(t *testing.T) {
			rec := fetch(t, h, tt.target, http.Header{"Origin": {"https://start.stockholm"}})
			hd := rec.Header()
			if rec.Code != 200 || hd.Get("Content-Type") != tt.contentType || !strings.Contains(hd.Get("Content-Disposition"), "filename="+tt.filename) ||
				hd.Get("Cache-Control") != "public, max-age=300" || hd.Get("X-Insyn-Lake-Version") != lake ||
				!strings.HasPrefix(hd.Get("ETag"), `"`+lake+"-") || hd.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("%d, headers %v", rec.Code, hd)
			}
			links := strings.Join(hd.Values("Link"), ", ")
			if !strings.Contains(links, "<"+licenceURL+`>; rel="license"`) ||
				tt.describedBy != "" && !strings.Contains(links, "<http://example.com"+tt.describedBy+`>; rel="describedby"`) {
				t.Errorf("Link: %s", links)
			}
			again := fetch(t, h, tt.target, http.Header{"If-None-Match": {hd.Get("ETag")}})
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("If-None-Match %s: %d", hd.Get("ETag"), again.Code)
			}
			zipped := fetch(t, h, tt.target, http.Header{"Accept-Encoding": {"gzip"}})
			if rec.Body.Len() >= 1024 {
				zr, err := gzip.NewReader(zipped.Body)
				if err != nil {
					t.Fatalf("Accept-Encoding: gzip: %v (Content-Encoding %q)", err, zipped.Header().Get("Content-Encoding"))
				}
				plain, _ := io.ReadAll(zr)
				if !bytes.Equal(plain, rec.Body.Bytes()) {
					t.Error("the gzipped file differs")
				}
			}
		})
	}
	colon, escaped := fetch(t, h, "/v1/reports/ev:2.csv", nil), fetch(t, h, "/v1/reports/ev%3A2.csv", nil)
	if colon.Code != 200 || colon.Body.String() != escaped.Body.String() || colon.Header().Get("ETag") != escaped.Header().Get("ETag") {
		t.Errorf("ev:2 and ev%%3A2 answer differently")
	}
	if a, b := fetch(t, h, "/v1/reports/9:4.csv", nil), fetch(t, h, "/v1/reports/9:4.csv?dialect=rfc4180", nil); a.Header().Get("ETag") == b.Header().Get("ETag") {
		t.Error("the two dialects share an ETag")
	}
	staged := fetch(t, serve.StripPrefix("/prod", h), "/prod/v1/reports/9:4.csv", nil)
	if staged.Code != 200 || !strings.Contains(staged.Body.String(), "http://example.com/prod/v1/reports/9:4.json") {
		t.Errorf("behind a stage: %d, links without /prod:\n%s", staged.Code, staged.Body)
	}
	head := httptest.NewRecorder()
	h.ServeHTTP(head, httptest.NewRequest(http.MethodHead, "/v1/reports/9:4.json", nil))
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Type") != contentTypeJSON {
		t.Errorf("HEAD: %d, %d bytes", head.Code, head.Body.Len())
	}
	post := httptest.NewRecorder()
	h.ServeHTTP(post, httptest.NewRequest(http.MethodPost, "/v1/reports/9:4.json", nil))
	if post.Code != http.StatusMethodNotAllowed || !strings.Contains(post.Header().Get("Allow"), "GET") {
		t.Errorf("POST: %d, Allow %q", post.Code, post.Header().Get("Allow"))
	}
}

// TestOpenDataErrors: a bad URL gets a JSON error in the GraphQL shape
// naming the parameter and listing the valid values: 404 for an unknown
// table, dataset, format or path, 400 for bad arguments, as the table
// query's errors.
func TestOpenDataErrors(t *testing.T) {
	h := sampleHandler(t)
	for _, tt := range []struct {
		target string
		status int
		code   string
		field  string
		valid  string // one of the valid values listed
	}{
		{"/v1/reports/9:99.csv", 404, CodeNotFound, "id", "ev:6"},
		{"/v1/reports/9:4.xml", 404, CodeNotFound, "format", ".json"},
		{"/v1/reports/9:4", 404, CodeNotFound, "format", ".csv"},
		{"/v1/tables/personer.json?measure=PERSONS&period=2024", 404, CodeNotFound, "dataset", "insatser"},
		{"/v1/elsewhere", 404, CodeNotFound, "", "/v1/reports"},
		{"/v1/reports/9:4.csv?dialect=excel2007", 400, CodeBadInput, "dialect", "rfc4180"},
		{"/v1/reports/9:4.json?dialect=rfc4180", 400, CodeBadInput, "dialect", ""},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2024&groupby=kon", 400, CodeBadInput, "groupby", "groupBy"},
		{"/v1/tables/insatser.csv?period=2024", 400, CodeBadInput, "measure", "DECISIONS"},
		{"/v1/tables/insatser.csv?measure=DECISIONS", 400, CodeBadInput, "period", "2024"},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2021", 400, CodeBadInput, "period", "2022"},
		{"/v1/tables/insatser.csv?measure=PROVIDERS&period=2024", 400, CodeBadInput, "measure", "MEAN_HOURS"},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2024&groupBy=kon,stadsdel", 400, CodeBadInput, "groupBy[1]", "namnd"},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2024&filter=insats", 400, CodeBadInput, "filter[0]", "insats"},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2024&filter=kon:K&filter=insats:taxi", 400, CodeBadInput, "filter[1].codes", "ledsagarservice"},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2024&totals=ja", 400, CodeBadInput, "totals", "true"},
		{"/v1/tables/insatser.csv?measure=DECISIONS&period=2024&period=2023", 400, CodeBadInput, "period", ""},
		{"/v1/tables/insatser.csv?measure=SHARE&period=2024&groupBy=kon", 400, CodeBadInput, "shareOf", "kon"},
		{"/v1/tables/insatser.json?measure=DECISIONS&period=2024&groupBy=namnd,kon,aldersgrupp,regi", 400, CodeNotPublished, "groupBy", ""},
	} {
		t.Run(tt.target, func(t *testing.T) {
			rec := fetch(t, h, tt.target, nil)
			var a answer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != tt.status || len(a.Errors) != 1 {
				t.Fatalf("status %d, body %s; want %d and one error", rec.Code, rec.Body, tt.status)
			}
			e := a.Errors[0]
			valid, _ := e.Extensions["valid"].([]any)
			if e.Extensions["code"] != tt.code || (tt.field != "" && e.Extensions["field"] != tt.field) ||
				(tt.valid != "" && !slices.Contains(valid, any(tt.valid))) || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("error %s %v; want code %s, field %s, valid listing %q", e.Message, e.Extensions, tt.code, tt.field, tt.valid)
			}
		})
	}
}

// TestRowIDs: row category ids are ASCII, readable and distinct.
func TestRowIDs(t *testing.T) {
	rows := []reportRow{{label: "Norra Innerstaden"}, {label: "– varav bifall"}, {label: "Enskede-Årsta-Vantör"}, {label: "Andel (%) avslag"}, {label: "Norra innerstaden"}, {label: "***"}}
	want := []string{"norra_innerstaden", "varav_bifall", "enskede_arsta_vantor", "andel_avslag", "norra_innerstaden_2", "rad"}
	if got := rowIDs(rows); !slices.Equal(got, want) {
		t.Errorf("rowIDs = %q, want %q", got, want)
	}
}
