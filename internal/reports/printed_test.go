package reports

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// wantTables are the 29 seed tables: 9:1–9:23 and ev:1–ev:6.
func wantTables() []string {
	var ids []string
	for i := 1; i <= 23; i++ {
		ids = append(ids, fmt.Sprintf("9:%d", i))
	}
	for i := 1; i <= 6; i++ {
		ids = append(ids, fmt.Sprintf("ev:%d", i))
	}
	return ids
}

func loadAll(t *testing.T) []*Printed {
	t.Helper()
	tables, err := Tables()
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

func TestAllSeedTablesTranscribed(t *testing.T) {
	var got []string
	for _, p := range loadAll(t) {
		got = append(got, p.ID)
		if p.Caption == "" || p.Source == "" || p.Number == "" || len(p.Rows) == 0 || len(p.Columns) == 0 {
			t.Errorf("table %s: caption, number, source, rows and columns are all required", p.ID)
		}
	}
	if !slices.Equal(got, wantTables()) {
		t.Fatalf("tables = %v, want %v", got, wantTables())
	}
}

// TestPrintedTotals evaluates every declared total of every table and
// requires the failures to be exactly the recorded inconsistencies.
func TestPrintedTotals(t *testing.T) {
	checked := 0
	for _, p := range loadAll(t) {
		failed, n, err := evalChecks(p)
		if err != nil {
			t.Errorf("table %s: %v", p.ID, err)
			continue
		}
		checked += n
		var recorded []string
		for _, inc := range p.Inconsistencies {
			recorded = append(recorded, inc.Check)
			if inc.Note == "" {
				t.Errorf("table %s: inconsistency %q has no note", p.ID, inc.Check)
			}
		}
		sort.Strings(recorded)
		var ids []string
		for id, msg := range failed {
			ids = append(ids, id)
			if !slices.Contains(recorded, id) {
				t.Errorf("table %s: unrecorded inconsistency %s: %s", p.ID, id, msg)
			}
		}
		sort.Strings(ids)
		for _, r := range recorded {
			if _, ok := failed[r]; !ok {
				t.Errorf("table %s: recorded inconsistency %q does not fail (or is not a declared check)", p.ID, r)
			}
		}
		if len(ids) > 0 {
			t.Logf("table %s: %d recorded inconsistencies: %s", p.ID, len(ids), strings.Join(ids, "; "))
		}
	}
	t.Logf("%d printed totals checked", checked)
	if checked < 100 {
		t.Errorf("only %d totals checked: the checks are not declared", checked)
	}
}

// evalChecks returns the failing checks by canonical id with a message, and
// how many sums were checked.
func evalChecks(p *Printed) (map[string]string, int, error) {
	failed := map[string]string{}
	n := 0
	// check evaluates one printed total against its printed parts; a total
	// printed as a mark, or not printed, is not checked
	check := func(id string, total cellRef, parts []cellRef) error {
		t, ok, err := p.Cell(total.row, total.col)
		if err != nil {
			return err
		}
		var cells []Cell
		for _, c := range parts {
			cell, ok, err := p.Cell(c.row, c.col)
			if err != nil {
				return err
			}
			if ok {
				cells = append(cells, cell)
			}
		}
		if !ok || t.Mark != "" {
			return nil
		}
		n++
		if msg := sumFails(t, cells); msg != "" {
			failed[id] = msg
		}
		return nil
	}
	for _, c := range p.Checks {
		switch {
		case c.TotalRow != "":
			parts := c.PartRows
			if len(parts) == 0 {
				for _, r := range p.Rows {
					if r.Label != c.TotalRow && !isTotalOrShareLabel(r.Label) {
						parts = append(parts, r.Label)
					}
				}
			}
			for _, col := range c.Columns {
				var cells []cellRef
				for _, r := range parts {
					cells = append(cells, cellRef{r, col})
				}
				if err := check(fmt.Sprintf("sum row %q col %s", c.TotalRow, col), cellRef{c.TotalRow, col}, cells); err != nil {
					return nil, n, err
				}
			}
		case c.TotalCol != "":
			rows := c.Rows
			if len(rows) == 0 {
				for _, r := range p.Rows {
					rows = append(rows, r.Label)
				}
			}
			for _, r := range rows {
				var cells []cellRef
				for _, col := range c.PartCols {
					cells = append(cells, cellRef{r, col})
				}
				if err := check(fmt.Sprintf("sum col %s row %q", c.TotalCol, r), cellRef{r, c.TotalCol}, cells); err != nil {
					return nil, n, err
				}
			}
		case len(c.PercentCols) > 0:
			for _, r := range p.Rows {
				sum, marked := 0.0, false
				for _, col := range c.PercentCols {
					cell, ok, err := p.Cell(r.Label, col)
					if err != nil {
						return nil, n, err
					}
					if !ok || cell.Mark != "" {
						marked = true
					}
					sum += cell.Value
				}
				if marked {
					continue
				}
				n++
				if sum < 99 || sum > 101 {
					failed[fmt.Sprintf("percent row %q", r.Label)] = fmt.Sprintf("percentages add up to %v", sum)
				}
			}
		default:
			return nil, n, fmt.Errorf("a check declares no total_row, total_col or percent_cols")
		}
	}
	return failed, n, nil
}

// cellRef names a printed cell by row label and column key.
type cellRef struct{ row, col string }

func isTotalOrShareLabel(l string) bool {
	return strings.HasPrefix(l, "Totalt") || strings.HasPrefix(l, "Summa") || strings.HasPrefix(l, "Andel")
}

// sumFails says why the parts cannot add up to total: each "*" part is 1–3,
// each "**" part any value ≥ 0.
func sumFails(total Cell, parts []Cell) string {
	known, stars, complements := 0.0, 0, 0
	for _, c := range parts {
		switch c.Mark {
		case "":
			known += c.Value
		case MarkSuppressed:
			stars++
		case MarkComplementary:
			complements++
		}
	}
	rest := total.Value - known
	lo, hi := float64(stars), float64(3*stars)
	if complements > 0 {
		hi = rest
	}
	if rest < lo || rest > hi {
		return fmt.Sprintf("total %v, known parts %v, %d * and %d ** parts", total.Value, known, stars, complements)
	}
	return ""
}

func TestParseCell(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Cell
	}{
		{"4 984", Cell{Value: 4984}},
		{"21%", Cell{Value: 21, Percent: true}},
		{"12,5", Cell{Value: 12.5}},
		{"0", Cell{Value: 0}},
		{"*", Cell{Mark: "*"}},
		{"**", Cell{Mark: "**"}},
		{".", Cell{Mark: "."}},
		{"i.u", Cell{Mark: "i.u"}},
	} {
		got, err := ParseCell(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseCell(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "x", "1 2a", "***"} {
		if _, err := ParseCell(bad); err == nil {
			t.Errorf("ParseCell(%q): no error", bad)
		}
	}
}

// TestLoadPrintedMatchesEmbedded: the files on disk are the tables Tables
// embeds, so tests that load them by path see what the API serves.
func TestLoadPrintedMatchesEmbedded(t *testing.T) {
	disk, err := LoadPrinted(PrintedDir)
	if err != nil {
		t.Fatal(err)
	}
	embedded := loadAll(t)
	if len(disk) != len(embedded) {
		t.Fatalf("%d tables on disk, %d embedded", len(disk), len(embedded))
	}
	for i := range disk {
		if !reflect.DeepEqual(disk[i], embedded[i]) {
			t.Errorf("table %s on disk differs from the embedded one", disk[i].ID)
		}
	}
}

// TestTableAsTables: each table parsed alone is the one Tables parses.
func TestTableAsTables(t *testing.T) {
	tables, err := Tables()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range tables {
		got, err := Table(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Table(%q) differs from Tables' %s", want.ID, want.ID)
		}
	}
	if _, err := Table("9:99"); err == nil {
		t.Error("Table(9:99) gave a table")
	}
}
