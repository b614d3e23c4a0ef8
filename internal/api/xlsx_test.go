package api

import (
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/stockholm/insyn/internal/reports"
)

// TestOpenDataXLSX fetches, for every seed table and for generic tables,
// the XLSX file GraphQL links to and reads it back with excelize: the
// header and every data cell are those of the RFC 4180 CSV file (the same
// answer), numbers are number cells and the marks ("*", ".", "i.u") text
// as printed; below the data, after an empty row, the title, source,
// footnotes and licence, as the Excel dialect's CSV has them.
func TestOpenDataXLSX(t *testing.T) {
	h := sampleHandler(t)
	tables, err := reports.Tables()
	if err != nil {
		t.Fatal(err)
	}
	marks := 0
	check := func(t *testing.T, links openLinks, title, source string, footnotes []string) {
		if !strings.HasSuffix(strings.Split(links.XLSX, "?")[0], ".xlsx") {
			t.Fatalf("links.xlsx %q", links.XLSX)
		}
		rec := fetch(t, h, links.XLSX, nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != contentTypeXLSX ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("GET %s: %d %q %q", links.XLSX, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
		}
		rows := readXLSX(t, rec.Body.Bytes())
		records, _ := readCSV(t, fetchOK(t, h, links.CSVRFC4180, contentTypeCSV), DialectRFC4180)
		if len(rows) < len(records)+1 {
			t.Fatalf("%d rows, the CSV %d records", len(rows), len(records))
		}
		for r, rec := range records {
			row := rows[r]
			for c, want := range rec {
				got := ""
				if c < len(row.text) {
					got = row.text[c]
				}
				// A figure's column: a generic table's value, a seed
				// table's printed columns (not their status columns).
				figures := records[0][c] == csvValue || records[0][0] != csvPeriod && c > 0 && !strings.HasSuffix(records[0][c], statusSuffix)
				if r > 0 && figures && want != "" && !isMark(want) {
					if _, err := strconv.ParseFloat(want, 64); err == nil {
						n, err := strconv.ParseFloat(got, 64)
						if err != nil || strconv.FormatFloat(n, 'f', -1, 64) != want || row.types[c] == excelize.CellTypeSharedString || row.types[c] == excelize.CellTypeInlineString {
							t.Errorf("row %d column %d: %q (type %v), want the number %s", r, c, got, row.types[c], want)
						}
						continue
					}
				}
				if got != want || r > 0 && !figures && got != "" && row.types[c] != excelize.CellTypeSharedString && row.types[c] != excelize.CellTypeInlineString {
					t.Errorf("row %d column %d: %q (type %v), the CSV's text %q", r, c, got, row.types[c], want)
				}
				if r > 0 && isMark(want) {
					marks++
				}
			}
		}
		below := rows[len(records):]
		if len(below) == 0 || len(below[0].text) != 0 {
			t.Errorf("no empty row after the data")
		}
		var text []string
		for _, r := range below {
			text = append(text, strings.Join(r.text, ""))
		}
		joined := strings.Join(text, "\n")
		for _, want := range append([]string{title, source, licenceName, licenceURL}, footnotes...) {
			if !strings.Contains(joined, want) {
				t.Errorf("below the data no %q:\n%s", want, joined)
			}
		}
	}
	for _, p := range tables {
		t.Run(p.ID, func(t *testing.T) {
			var a struct {
				Report struct {
					Number, Caption, Source string
					Footnotes               []string
					Links                   openLinks
				}
			}
			query(t, h, `query($id: String!) { report(id: $id) { number caption source footnotes links { csv csvRfc4180 jsonStat xlsx } } }`, map[string]any{"id": p.ID}, &a)
			g := a.Report
			check(t, g.Links, g.Number+". "+g.Caption, g.Source, g.Footnotes)
		})
	}
	for _, args := range []string{
		`dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["namnd", "kon"], totals: true, filter: [{dimension: "insats", codes: ["ledsagarservice"]}]`,
		`dataset: "insatser", measure: MEAN_HOURS, period: "2022/2024", groupBy: ["namnd", "kon"], filter: [{dimension: "insats", codes: ["personlig_assistans"]}]`,
		`dataset: "ej_verkstallda", measure: DECISIONS, period: "2023-Q2/2024-Q2", groupBy: ["lagrum"], totals: true`,
	} {
		t.Run(args, func(t *testing.T) {
			var a struct {
				Table struct {
					Source    string
					Footnotes []string
					Links     openLinks
				}
			}
			query(t, h, `{ table(`+args+`) { source footnotes links { csv csvRfc4180 jsonStat xlsx } } }`, nil, &a)
			check(t, a.Table.Links, "", a.Table.Source, a.Table.Footnotes)
		})
	}
	if marks == 0 {
		t.Error("no mark in any file: the test does not see the marks")
	}
}
