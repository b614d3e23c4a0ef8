package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/stockholm/insyn/internal/reports"
)

// pxDo sends a request to the PxWeb endpoint.
func pxDo(t testing.TB, h http.Handler, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	var req *http.Request
	if rd != nil {
		req = httptest.NewRequest(method, PxWebPath+path, rd)
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, PxWebPath+path, nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// pxOK is pxDo that fails unless the answer is 200.
func pxOK(t testing.TB, h http.Handler, method, path string, body any) []byte {
	t.Helper()
	rec := pxDo(t, h, method, path, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", method, path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// pxStat is a json-stat2 answer as a client reads it.
type pxStat struct {
	Label     string   `json:"label"`
	Source    string   `json:"source"`
	Note      []string `json:"note"`
	ID        []string `json:"id"`
	Size      []int    `json:"size"`
	Dimension map[string]struct {
		Label    string `json:"label"`
		Category struct {
			Index map[string]int    `json:"index"`
			Label map[string]string `json:"label"`
		} `json:"category"`
	} `json:"dimension"`
	Value  []*float64        `json:"value"`
	Status map[string]string `json:"status"`
}

// at returns the value and status at the codes of each dimension.
func (s *pxStat) at(codes map[string]string) (*float64, string, error) {
	i := 0
	for d, id := range s.ID {
		p, ok := s.Dimension[id].Category.Index[codes[id]]
		if !ok {
			return nil, "", fmt.Errorf("dimension %s has no category %q", id, codes[id])
		}
		i = i*s.Size[d] + p
	}
	return s.Value[i], s.Status[strconv.Itoa(i)], nil
}

func decodeStat(t testing.TB, b []byte) *pxStat {
	t.Helper()
	var s pxStat
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("not json-stat2: %v\n%.500s", err, b)
	}
	return &s
}

// pxMarks maps json-stat2 statuses to GraphQL's marks.
var pxMarks = map[string]string{"": MarkPublished, "*": MarkSuppressed, ".": MarkNotComputable, "i.u": MarkNoData}

var (
	colYear    = regexp.MustCompile(`^(\d{4})(?:\.(.+))?$`)
	colQuarter = regexp.MustCompile(`^kv([1-4])_(\d{4})$`)
)

// TestPxWebSeedTables asks PxWeb for each seed table, all its cells in one
// request, and compares every cell with the GraphQL report(id) answer:
// value and mark, row and column (the column key read as PxWeb's period
// and column), and the notes and source.
func TestPxWebSeedTables(t *testing.T) {
	h := sampleHandler(t)
	tables, err := reports.Tables()
	if err != nil {
		t.Fatal(err)
	}
	suppressed := 0
	for _, p := range tables {
		t.Run(p.ID, func(t *testing.T) {
			var a reportOpenJSON
			query(t, h, reportOpenQuery, map[string]any{"id": p.ID}, &a)
			g := a.Report
			id := "rapport-" + strings.ReplaceAll(p.ID, ":", "-")
			meta := pxOK(t, h, "GET", "/tables/"+id+"/metadata", nil)
			var m struct{ Variables []struct{ ID string } }
			json.Unmarshal(meta, &m)
			var parts []string
			for _, v := range m.Variables {
				parts = append(parts, "valueCodes["+v.ID+"]=*")
			}
			sel := strings.Join(parts, "&")
			s := decodeStat(t, pxOK(t, h, "GET", "/tables/"+id+"/data?"+sel, nil))
			if s.Label != g.Number+". "+g.Caption || "Källa: "+s.Source != g.Source || !slices.Equal(s.Note, g.Footnotes) {
				t.Errorf("label %q source %q notes %q; GraphQL %q %q %q", s.Label, s.Source, s.Note, g.Number+". "+g.Caption, g.Source, g.Footnotes)
			}
			rad := s.Dimension["rad"].Category
			if len(rad.Index) != len(g.Rows) {
				t.Fatalf("%d rows, GraphQL %d", len(rad.Index), len(g.Rows))
			}
			rowCode := make([]string, len(g.Rows))
			for code, i := range rad.Index {
				rowCode[i] = code
			}
			cells := 0
			for r, row := range g.Rows {
				label := row.Label
				if row.Marker != nil {
					label += *row.Marker
				}
				if rad.Label[rowCode[r]] != label {
					t.Errorf("row %d is %q, GraphQL %q", r, rad.Label[rowCode[r]], label)
				}
				for c, cell := range row.Cells {
					codes := map[string]string{"rad": rowCode[r]}
					key := g.Columns[c].Key
					_, split := s.Dimension["Tid"]
					switch y, q := colYear.FindStringSubmatch(key), colQuarter.FindStringSubmatch(key); {
					case split && y != nil && len(s.Dimension["Tid"].Category.Index) > 1:
						codes["Tid"] = y[1]
						if y[2] != "" {
							codes["kolumn"] = y[2]
						}
					case split && q != nil:
						codes["Tid"] = q[2] + "-Q" + q[1]
					default:
						codes["kolumn"] = key
						for code := range s.Dimension["Tid"].Category.Index {
							codes["Tid"] = code // the table's one period
						}
					}
					v, status, err := s.at(codes)
					if err != nil {
						t.Fatalf("row %q column %s: %v", row.Label, key, err)
					}
					if cell == nil {
						if v != nil || status != "" {
							t.Errorf("row %q column %s: PxWeb %v %q where the layout has no cell", row.Label, key, v, status)
						}
						continue
					}
					cells++
					if status == "*" {
						suppressed++
					}
					mark, ok := pxMarks[status]
					if !ok || mark != cell.Mark || (v == nil) != (cell.Value == nil) || v != nil && *v != *cell.Value {
						t.Errorf("row %q column %s: PxWeb %v %q, GraphQL %v %s", row.Label, key, v, status, cell.Value, cell.Mark)
					}
				}
			}
			published := 0
			for _, v := range s.Value {
				if v != nil {
					published++
				}
			}
			if published+len(s.Status) != cells {
				t.Errorf("PxWeb has %d figures and %d statuses, GraphQL %d cells", published, len(s.Status), cells)
			}
		})
	}
	if suppressed == 0 {
		t.Error("no seed table has a suppressed cell: the test does not see the marks")
	}
}

// TestPxWebViewsAgreeWithTables: a view's cells are the table query's,
// for a selection with codes and totals of several dimensions, and each
// view lists only measures the table query answers for all its cells.
func TestPxWebViewsAgreeWithTables(t *testing.T) {
	h := sampleHandler(t)
	cases := []struct {
		table, sel string
		gql        string // the table query's arguments giving the same cells
		dims       []string
	}{
		{"insatser-namnd-insats-kon", "valueCodes[namnd]=*&valueCodes[insats]=ledsagarservice&valueCodes[kon]=K,M,_T&valueCodes[ContentsCode]=DECISIONS&valueCodes[Tid]=2024",
			`dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["namnd", "kon"], totals: true, filter: [{dimension: "insats", codes: ["ledsagarservice"]}]`, []string{"namnd", "kon"}},
		{"kbf-namnd-kon", "valueCodes[namnd]=*&valueCodes[kon]=*&valueCodes[ContentsCode]=SUM_SEK&valueCodes[Tid]=2023",
			`dataset: "kbf", measure: SUM_SEK, period: "2023", groupBy: ["namnd", "kon"], totals: true`, []string{"namnd", "kon"}},
		{"ej_verkstallda-lagrum-orsak", "valueCodes[lagrum]=*&valueCodes[orsak]=*&valueCodes[Tid]=2024-Q2",
			`dataset: "ej_verkstallda", measure: DECISIONS, period: "2024-Q2", groupBy: ["lagrum", "orsak"], totals: true`, []string{"lagrum", "orsak"}},
		{"beslut-insats-funktionsnedsattning-utfall", "valueCodes[insats]=*&valueCodes[funktionsnedsattning]=*&valueCodes[utfall]=*",
			`dataset: "beslut", measure: DECISIONS, period: "2024", groupBy: ["insats", "funktionsnedsattning", "utfall"], totals: true`, []string{"insats", "funktionsnedsattning", "utfall"}},
	}
	suppressed := 0
	for _, c := range cases {
		t.Run(c.table, func(t *testing.T) {
			s := decodeStat(t, pxOK(t, h, "GET", "/tables/"+c.table+"/data?"+c.sel, nil))
			var a struct {
				Table struct {
					Footnotes []string
					Cells     []struct {
						Period      string
						Coordinates []struct{ Code *string }
						Value       *float64
						Mark        string
					}
				}
			}
			query(t, h, `{ table(`+c.gql+`) { footnotes cells { period coordinates { code } value mark } } }`, nil, &a)
			if len(a.Table.Cells) != len(s.Value) {
				t.Errorf("PxWeb %d cells, GraphQL %d", len(s.Value), len(a.Table.Cells))
			}
			for _, cell := range a.Table.Cells {
				codes := map[string]string{"Tid": cell.Period}
				for _, id := range s.ID {
					if len(s.Dimension[id].Category.Index) == 1 {
						for code := range s.Dimension[id].Category.Index {
							codes[id] = code
						}
					}
				}
				for i, co := range cell.Coordinates {
					codes[c.dims[i]] = totalCode
					if co.Code != nil {
						codes[c.dims[i]] = *co.Code
					}
				}
				v, status, err := s.at(codes)
				if err != nil {
					t.Fatal(err)
				}
				if status == "*" {
					suppressed++
				}
				if pxMarks[status] != cell.Mark || (v == nil) != (cell.Value == nil) || v != nil && *v != *cell.Value {
					t.Errorf("%v: PxWeb %v %q, GraphQL %v %s", codes, v, status, cell.Value, cell.Mark)
				}
			}
			for _, n := range a.Table.Footnotes {
				if !slices.Contains(s.Note, n) {
					t.Errorf("PxWeb's notes %q lack GraphQL's %q", s.Note, n)
				}
			}
		})
	}
	if suppressed == 0 {
		t.Error("no suppressed cell in the cases: pick cases that have some")
	}

	// Every measure a view lists answers all its cells; PERSONS of
	// insatser is not listed where a cell would sum several insatser.
	cat := pxCatalogueOf(t, h)
	for _, tb := range cat.tables {
		if tb.report != nil {
			continue
		}
		c, err := tb.fill(pxRequest(h), tb.all())
		if err != nil {
			t.Errorf("%s: %v", tb.id, err)
			continue
		}
		if len(c.figs) != tb.size() {
			t.Errorf("%s: %d figures for %d cells", tb.id, len(c.figs), tb.size())
		}
	}
	if tb := cat.byID["insatser-namnd-insats-kon"]; tb == nil || slices.Contains(tb.vars[3].codes(), string(Persons)) {
		t.Errorf("insatser-namnd-insats-kon lists PERSONS, which the table query refuses at the insats total")
	}
}

func pxRequest(h *Handler) *request {
	return &request{v: h.lake.cur.Load(), budget: &budget{limit: 1 << 40}, rules: h.lake.rules, log: h.opts.Logger, base: "http://example.com"}
}

func pxCatalogueOf(t testing.TB, h *Handler) *pxCatalogue {
	t.Helper()
	cat, err := h.px.of(pxRequest(h))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestPxWebSelection: POST with a selection gives the cells of the same
// GET; expressions select as PxWeb's; a variable left out stands at its
// total when it can be eliminated, and is taken whole when not.
func TestPxWebSelection(t *testing.T) {
	h := sampleHandler(t)
	get := pxOK(t, h, "GET", "/tables/insatser-namnd-insats-kon/data?valueCodes[namnd]=jarva,_T&valueCodes[insats]=personlig_assistans&valueCodes[ContentsCode]=DECISIONS&valueCodes[Tid]=top(2)", nil)
	post := pxOK(t, h, "POST", "/tables/insatser-namnd-insats-kon/data", map[string]any{"selection": []map[string]any{
		{"variableCode": "namnd", "valueCodes": []string{"jarva", "_T"}},
		{"variableCode": "insats", "valueCodes": []string{"personlig_assistans"}},
		{"variableCode": "ContentsCode", "valueCodes": []string{"DECISIONS"}},
		{"variableCode": "Tid", "valueCodes": []string{"range(2023,2024)"}},
	}})
	g, p := decodeStat(t, get), decodeStat(t, post)
	if !slices.Equal(g.Size, []int{2, 1, 1, 1, 2}) || !slices.Equal(g.ID, []string{"namnd", "insats", "kon", "ContentsCode", "Tid"}) {
		t.Fatalf("GET: id %v size %v; want kon eliminated to its total and two periods", g.ID, g.Size)
	}
	if _, ok := g.Dimension["kon"].Category.Index[totalCode]; !ok {
		t.Errorf("kon left out is not at %s: %v", totalCode, g.Dimension["kon"].Category.Index)
	}
	if _, ok := g.Dimension["Tid"].Category.Index["2024"]; !ok {
		t.Errorf("top(2) of Tid is not the latest periods: %v", g.Dimension["Tid"].Category.Index)
	}
	if !slices.EqualFunc(g.Value, p.Value, func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }) ||
		fmt.Sprint(g.Status) != fmt.Sprint(p.Status) {
		t.Errorf("GET and POST differ: %v %v / %v %v", g.Value, g.Status, p.Value, p.Status)
	}
	// A seed table's variables cannot be eliminated: left out, all values.
	s := decodeStat(t, pxOK(t, h, "GET", "/tables/rapport-9-7/data", nil))
	if n := len(s.Value); n != 39 {
		t.Errorf("rapport-9-7 without a selection: %d cells, want all 39", n)
	}
	// CSV and XLSX have the cells of the json-stat2.
	body := pxOK(t, h, "GET", "/tables/rapport-9-7/data?outputFormat=csv", nil)
	lines := strings.Split(strings.TrimSpace(string(body)), "\r\n")
	if len(lines) != 1+39 || lines[0] != "rad,rad_label,kolumn,kolumn_label,Tid,Tid_label,value,status" {
		t.Errorf("csv: %d lines, header %q", len(lines), lines[0])
	}
}

// TestPxWebErrors: problems as application/problem+json with the status
// PxWeb gives (404 unknown, 400 bad selection, 403 too many cells), a
// selection that would need a cell the table query refuses included.
func TestPxWebErrors(t *testing.T) {
	h := sampleHandler(t)
	small, err := NewHandler(h.lake, HandlerOptions{Logger: discardLogger(), MaxCells: 10})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		h       http.Handler
		method  string
		path    string
		body    any
		status  int
		message string
	}{
		{h, "GET", "/tables/nope/metadata", nil, 404, `no table "nope"`},
		{h, "GET", "/navigation/nope", nil, 404, `no folder "nope"`},
		{h, "GET", "/nope", nil, 404, "no PxWeb resource"},
		{h, "GET", "/tables/rapport-9-7/data?valueCodes[foo]=1", nil, 400, `no variable "foo"`},
		{h, "GET", "/tables/rapport-9-7/data?valueCodes[rad]=nope", nil, 400, `"nope" is no value of variable rad`},
		{h, "GET", "/tables/rapport-9-7/data?outputFormat=px", nil, 400, `"px" is not a data format`},
		{h, "GET", "/tables/rapport-9-7/data?valuecodes[rad]=*&foo=1", nil, 400, "foo: unknown parameter"},
		{h, "GET", "/config?lang=en", nil, 400, `"en" is not a language`},
		{h, "GET", "/tables?pageSize=0", nil, 400, "pageSize"},
		{h, "POST", "/tables/rapport-9-7/data", map[string]any{"selection": "x"}, 400, "not a selection"},
		{small, "GET", "/tables/rapport-9-7/data", nil, 403, "more than the limit of 10"},
		{h, "PUT", "/tables/rapport-9-7/data", nil, 405, "method PUT"},
	}
	for _, c := range cases {
		rec := pxDo(t, c.h, c.method, c.path, c.body)
		var p struct{ Detail string }
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != c.status || !strings.Contains(p.Detail, c.message) {
			t.Errorf("%s %s: %d %s; want %d with %q", c.method, c.path, rec.Code, rec.Body, c.status, c.message)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, rec.Header().Get("Content-Type"))
		}
	}
}

// TestPxWebXLSX reads the XLSX answer back with excelize: the header, the
// cells of the json-stat2 answer with numbers as numbers and the marks as
// printed, and the notes, source and licence below the data.
func TestPxWebXLSX(t *testing.T) {
	h := sampleHandler(t)
	path := "/tables/insatser-namnd-insats-kon/data?valueCodes[namnd]=*&valueCodes[insats]=*&valueCodes[kon]=*&valueCodes[ContentsCode]=DECISIONS&valueCodes[Tid]=2024"
	s := decodeStat(t, pxOK(t, h, "GET", path, nil))
	rec := pxDo(t, h, "GET", path+"&outputFormat=xlsx", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != contentTypeXLSX {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rows := readXLSX(t, rec.Body.Bytes())
	header := []string{"namnd", "namnd_label", "insats", "insats_label", "kon", "kon_label", "ContentsCode", "ContentsCode_label", "Tid", "Tid_label", "value", "status"}
	if !slices.Equal(rows[0].text, header) {
		t.Fatalf("header %q", rows[0].text)
	}
	checkXLSXCells(t, rows[1:1+len(s.Value)], len(header)-2, s.Value, s.Status)
	footer := rows[1+len(s.Value):]
	text := ""
	for _, r := range footer {
		text += strings.Join(r.text, "") + "\n"
	}
	for _, want := range []string{s.Label, "Källa: " + s.Source, licenceName, noteSuppressed} {
		if !strings.Contains(text, want) {
			t.Errorf("below the data: no %q in\n%s", want, text)
		}
	}
}

// xlsxRow is a row of a sheet read back: each cell's text and type.
type xlsxRow struct {
	text  []string
	types []excelize.CellType
}

func readXLSX(t testing.TB, b []byte) []xlsxRow {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(xlsxSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]xlsxRow, len(rows))
	for r, row := range rows {
		out[r].text = row
		for c := range row {
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			typ, err := f.GetCellType(xlsxSheet, name)
			if err != nil {
				t.Fatal(err)
			}
			out[r].types = append(out[r].types, typ)
		}
	}
	return out
}

// checkXLSXCells compares the value column of data rows with json-stat2
// values and statuses: a number cell for a published figure, the mark as
// text otherwise, and the status column with GraphQL's mark.
func checkXLSXCells(t testing.TB, rows []xlsxRow, col int, values []*float64, status map[string]string) {
	t.Helper()
	marks := 0
	for i, r := range rows {
		st := status[strconv.Itoa(i)]
		if len(r.text) <= col+1 {
			t.Errorf("row %d: %q", i, r.text)
			continue
		}
		switch {
		case values[i] != nil:
			n, err := strconv.ParseFloat(r.text[col], 64)
			if err != nil || n != *values[i] || r.types[col] != excelize.CellTypeNumber && r.types[col] != excelize.CellTypeUnset {
				t.Errorf("row %d: value %q (type %v), want the number %v", i, r.text[col], r.types[col], *values[i])
			}
		case st != "":
			marks++
			if r.text[col] != st || r.types[col] == excelize.CellTypeNumber {
				t.Errorf("row %d: value %q, want the mark %q as text", i, r.text[col], st)
			}
		}
		if want := pxMarks[st]; values[i] != nil || st != "" {
			if r.text[col+1] != want {
				t.Errorf("row %d: status %q, want %q", i, r.text[col+1], want)
			}
		}
	}
	if marks == 0 {
		t.Errorf("no marked cell among %d rows: the case shows no mark", len(rows))
	}
}

// TestPxWebConfigLimits: /config states the cell limit the endpoint
// enforces and the stage's throttling of template.yaml.
func TestPxWebConfigLimits(t *testing.T) {
	h := sampleHandler(t)
	var c pxConfigResponse
	if err := json.Unmarshal(pxOK(t, h, "GET", "/config", nil), &c); err != nil {
		t.Fatal(err)
	}
	if c.MaxDataCells != h.opts.MaxCells || c.MaxDataCells != DefaultMaxCells {
		t.Errorf("maxDataCells %d, the handler's limit %d", c.MaxDataCells, h.opts.MaxCells)
	}
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`ThrottlingRateLimit:\s*(\d+)`).FindSubmatch(tmpl)
	if m == nil || string(m[1]) != strconv.Itoa(c.MaxCallsPerTimeWindow) || c.TimeWindow != 1 {
		t.Errorf("maxCallsPerTimeWindow %d per %d s; template.yaml's ThrottlingRateLimit %s per second", c.MaxCallsPerTimeWindow, c.TimeWindow, m)
	}
}
