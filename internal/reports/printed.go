// Package reports knows the tables of the city's published reports: the
// printed tables as transcribed in printed/*.json (what the city published;
// embedded, so the API can answer a table in its printed layout), and
// specifications that compute each table from the aggregate
// cubes (what insyn answers). Comparing the two, cell by cell, is how insyn
// shows it is correct to the last cell.
package reports

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Printed is one table as printed in a seed report (see
// testdata/reports/FORMAT.md for the format of the files).
type Printed struct {
	ID              string          `json:"id"`
	Publication     string          `json:"publication"`
	Number          string          `json:"number"`
	Caption         string          `json:"caption"`
	Source          string          `json:"source"`
	Footnotes       []string        `json:"footnotes"`
	RowHeading      string          `json:"row_heading"`
	Columns         []Column        `json:"columns"`
	Rows            []PrintedRow    `json:"rows"`
	Checks          []Check         `json:"checks"`
	Inconsistencies []Inconsistency `json:"inconsistencies"`

	file string
}

// Column is a printed value column.
type Column struct {
	Key     string   `json:"key"`
	Heading []string `json:"heading"`
}

// PrintedRow is a printed row; a nil cell is a position where nothing is printed.
type PrintedRow struct {
	Label  string    `json:"label"`
	Marker string    `json:"marker,omitempty"`
	Cells  []*string `json:"cells"`
}

// Check declares a printed total: a total row over other rows, a total
// column over other columns, or percent columns adding up to 100.
type Check struct {
	TotalRow    string   `json:"total_row,omitempty"`
	PartRows    []string `json:"part_rows,omitempty"`
	Columns     []string `json:"columns,omitempty"`
	TotalCol    string   `json:"total_col,omitempty"`
	PartCols    []string `json:"part_cols,omitempty"`
	Rows        []string `json:"rows,omitempty"`
	PercentCols []string `json:"percent_cols,omitempty"`
}

// Inconsistency is a printed total the printed parts do not add up to,
// recorded as found in the source.
type Inconsistency struct {
	Check    string `json:"check"`
	Printed  string `json:"printed"`
	Computed string `json:"computed"`
	Note     string `json:"note"`
}

// Marks printed instead of a number.
const (
	MarkSuppressed    = "*"   // antal under 4 / baseras på färre än 4 personer
	MarkComplementary = "**"  // motsatsgrupp, för få för att redovisas
	MarkNotComputable = "."   // värden som ej går att beräkna
	MarkNoData        = "i.u" // inga uppgifter
)

// Cell is a parsed printed cell: a number, or a mark.
type Cell struct {
	Value   float64
	Mark    string // "" when the cell is a number
	Percent bool   // printed with a % sign
}

// ParseCell parses a printed cell: "4 984", "21%", "12,5", "*", "**", ".", "i.u".
func ParseCell(s string) (Cell, error) {
	t := strings.TrimSpace(s)
	switch t {
	case MarkSuppressed, MarkComplementary, MarkNotComputable, MarkNoData:
		return Cell{Mark: t}, nil
	}
	c := Cell{}
	if strings.HasSuffix(t, "%") {
		c.Percent = true
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	t = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "\u2009", "", ",", ".", "−", "-").Replace(t)
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" {
		return Cell{}, fmt.Errorf("cell %q is neither a number nor one of the marks *, **, ., i.u", s)
	}
	c.Value = v
	return c, nil
}

// ColIndex returns the index of the column with key, or -1.
func (p *Printed) ColIndex(key string) int {
	for i, c := range p.Columns {
		if c.Key == key {
			return i
		}
	}
	return -1
}

// RowIndex returns the index of the row with label, or -1.
func (p *Printed) RowIndex(label string) int {
	for i, r := range p.Rows {
		if r.Label == label {
			return i
		}
	}
	return -1
}

// Cell returns the parsed cell at row label and column key; ok is false where
// nothing is printed.
func (p *Printed) Cell(row, col string) (Cell, bool, error) {
	r, c := p.RowIndex(row), p.ColIndex(col)
	if r < 0 {
		return Cell{}, false, fmt.Errorf("%s: table %s has no row %q", p.file, p.ID, row)
	}
	if c < 0 {
		return Cell{}, false, fmt.Errorf("%s: table %s has no column %q", p.file, p.ID, col)
	}
	s := p.Rows[r].Cells[c]
	if s == nil {
		return Cell{}, false, nil
	}
	cell, err := ParseCell(*s)
	if err != nil {
		return Cell{}, false, fmt.Errorf("%s: table %s row %q column %s: %w", p.file, p.ID, row, col, err)
	}
	return cell, true, nil
}

// validate checks the shape of a loaded table and that every cell parses.
func (p *Printed) validate() error {
	if p.ID == "" {
		return fmt.Errorf("%s: no id", p.file)
	}
	seen := map[string]bool{}
	for _, c := range p.Columns {
		if c.Key == "" || seen[c.Key] {
			return fmt.Errorf("%s: table %s: empty or repeated column key %q", p.file, p.ID, c.Key)
		}
		seen[c.Key] = true
	}
	for i, r := range p.Rows {
		if len(r.Cells) != len(p.Columns) {
			return fmt.Errorf("%s: table %s row %d %q: %d cells for %d columns", p.file, p.ID, i+1, r.Label, len(r.Cells), len(p.Columns))
		}
		for j, s := range r.Cells {
			if s == nil {
				continue
			}
			if _, err := ParseCell(*s); err != nil {
				return fmt.Errorf("%s: table %s row %q column %s: %w", p.file, p.ID, r.Label, p.Columns[j].Key, err)
			}
		}
	}
	return nil
}

//go:embed printed/*.json
var printedFS embed.FS

// PrintedDir is the directory of this package that holds the transcribed
// tables, one JSON file per table; Tables returns them as embedded.
const PrintedDir = "printed"

var tables = sync.OnceValues(func() ([]*Printed, error) {
	sub, err := fs.Sub(printedFS, PrintedDir)
	if err != nil {
		return nil, err
	}
	return loadFS(sub)
})

// Tables returns the 29 seed tables as transcribed, embedded in the binary,
// in report order (9:1 … 9:23, then ev:1 … ev:6). They are parsed once and
// shared: callers must not modify them.
func Tables() ([]*Printed, error) { return tables() }

// Table returns the seed table id as transcribed, like the one of
// Tables but parsed alone (a reader of one table need not parse the 29):
// each is parsed once and shared, and callers must not modify it.
func Table(id string) (*Printed, error) {
	if p, ok := single.Load(id); ok {
		return p.(*Printed), nil
	}
	name := ""
	if prefix, n, ok := strings.Cut(id, ":"); ok {
		if i, err := strconv.Atoi(n); err == nil && prefix == "9" {
			name = fmt.Sprintf("9-%02d.json", i)
		} else if err == nil {
			name = fmt.Sprintf("%s-%d.json", prefix, i)
		}
	}
	p := &Printed{file: name}
	b, err := printedFS.ReadFile(path.Join(PrintedDir, name))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(p)
	}
	if err != nil || p.validate() != nil || p.ID != id {
		// Not a file of that name: look among them all.
		tables, err := Tables()
		if err != nil {
			return nil, err
		}
		for _, t := range tables {
			if t.ID == id {
				return t, nil
			}
		}
		return nil, fmt.Errorf("no seed table %q", id)
	}
	got, _ := single.LoadOrStore(id, p)
	return got.(*Printed), nil
}

// single holds the tables Table parsed, by id.
var single sync.Map

// LoadPrinted reads every *.json table in dir, sorted by report order
// (9:1 … 9:23, then ev:1 … ev:6).
func LoadPrinted(dir string) ([]*Printed, error) { return loadFS(os.DirFS(dir)) }

// loadFS reads every *.json table at the root of fsys, checked and sorted by
// report order.
func loadFS(fsys fs.FS) ([]*Printed, error) {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	var out []*Printed
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		p := &Printed{file: path.Base(f)}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if err := p.validate(); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
	return out, nil
}

// lessID orders table ids "9:2" < "9:10" < "ev:1".
func lessID(a, b string) bool {
	pa, na, _ := strings.Cut(a, ":")
	pb, nb, _ := strings.Cut(b, ":")
	if pa != pb {
		return pa < pb
	}
	ia, _ := strconv.Atoi(na)
	ib, _ := strconv.Atoi(nb)
	return ia < ib
}
