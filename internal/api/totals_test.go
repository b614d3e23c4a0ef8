package api

import (
	"strings"
	"testing"
)

// TestTotalCodeIsNoCode: the code of a total ("_T") is no code of any
// dimension, so a coordinate's code tells a total from a member.
func TestTotalCodeIsNoCode(t *testing.T) {
	v := sampleHandler(t).lake.cur.Load()
	for _, ds := range v.datasets {
		for _, d := range ds.def.dims {
			for _, c := range d.codes.Codes {
				if c.Code == totalCode {
					t.Errorf("dataset %s, dimension %s has a code %q, the code of a total", ds.def.name, d.name, c.Code)
				}
			}
		}
	}
}

// TestTotalsOneConvention: a total has the code "_T" and the label
// "Totalt" in GraphQL, and the same in the table's CSV and JSON-stat
// files (TestOpenDataTables compares them cell by cell).
func TestTotalsOneConvention(t *testing.T) {
	h := sampleHandler(t)
	var out struct {
		Table struct {
			Cells []struct {
				Coordinates []struct {
					Code, Label string
					Total       bool
				}
			}
			Csv      string
			JSONStat struct {
				Dimension map[string]struct {
					Category struct{ Index []string }
				}
				Extension struct{ Total string }
			} `json:"jsonStat"`
		}
	}
	query(t, h, `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: true, filter: [{dimension: "insats", codes: ["ledsagarservice"]}]) {
		cells { coordinates { code label total } } csv(dialect: RFC4180) jsonStat } }`, nil, &out)
	totals := 0
	for _, c := range out.Table.Cells {
		for _, co := range c.Coordinates {
			if co.Total != (co.Code == "_T") || co.Total != (co.Label == "Totalt") {
				t.Errorf("coordinate %+v: a total has the code _T and the label Totalt, and nothing else has", co)
			}
			if co.Total {
				totals++
			}
		}
	}
	if totals != 1 {
		t.Errorf("%d totals, want 1", totals)
	}
	if want := "2024,2024,_T,Totalt,"; !strings.Contains(out.Table.Csv, want) {
		t.Errorf("the CSV has no line starting %q:\n%s", want, out.Table.Csv)
	}
	idx := out.Table.JSONStat.Dimension["kon"].Category.Index
	if out.Table.JSONStat.Extension.Total != "_T" || len(idx) == 0 || idx[len(idx)-1] != "_T" {
		t.Errorf("JSON-stat: total %q, kon's categories %v; want _T, last", out.Table.JSONStat.Extension.Total, idx)
	}
}
