package reports

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// CellResult is the comparison of one printed cell with insyn's figure.
type CellResult struct {
	Table, Row, Col string
	Printed         string
	Computed        Value
	Match           bool
	Why             string // why it does not match
}

// Key identifies the cell as "table|row|column".
func (c CellResult) Key() string { return c.Table + "|" + c.Row + "|" + c.Col }

// Compare evaluates spec and compares every printed cell of p with it. A
// printed number must equal the rounded figure; "*" needs 1..threshold-1
// (of the count itself, or of the persons a mean, share or rate rests on,
// where 0 persons is accepted too);
// "." needs a figure over 0 persons; "i.u" needs no data; "**" accepts any
// figure (it hides another cell). Unprinted positions are skipped.
func Compare(p *Printed, s *Spec, src Source, threshold int) ([]CellResult, error) {
	if s.ID != p.ID {
		return nil, fmt.Errorf("spec %s compared with printed table %s", s.ID, p.ID)
	}
	if len(s.Rows) != len(p.Rows) || len(s.Cols) != len(p.Columns) {
		return nil, fmt.Errorf("table %s: spec has %d rows × %d columns, printed %d × %d",
			p.ID, len(s.Rows), len(s.Cols), len(p.Rows), len(p.Columns))
	}
	for i := range s.Rows {
		if s.Rows[i].Label != p.Rows[i].Label {
			return nil, fmt.Errorf("table %s row %d: spec %q, printed %q", p.ID, i+1, s.Rows[i].Label, p.Rows[i].Label)
		}
	}
	for j := range s.Cols {
		if s.Cols[j].Label != p.Columns[j].Key {
			return nil, fmt.Errorf("table %s column %d: spec %q, printed %q", p.ID, j+1, s.Cols[j].Label, p.Columns[j].Key)
		}
	}
	var out []CellResult
	for i, row := range p.Rows {
		for j, raw := range row.Cells {
			if raw == nil {
				continue
			}
			cell, err := ParseCell(*raw)
			if err != nil {
				return nil, err
			}
			v, err := s.Eval(src, i, j)
			if err != nil {
				return nil, err
			}
			r := CellResult{Table: p.ID, Row: row.Label, Col: p.Columns[j].Key, Printed: *raw, Computed: v}
			r.Match, r.Why = matches(cell, v, threshold)
			out = append(out, r)
		}
	}
	return out, nil
}

func matches(c Cell, v Value, t int) (bool, string) {
	switch c.Mark {
	case "":
		if v.Status != StatusOK {
			return false, fmt.Sprintf("printed %v, computed status %s", c.Value, statusName(v.Status))
		}
		if v.Rounded() != c.Value {
			return false, fmt.Sprintf("printed %v, computed %s", c.Value, Format(v))
		}
	case MarkSuppressed:
		if v.Kind != KindCount && v.Status == StatusNotComputable {
			// A mean or share over 0 persons printed "*": the reports hide
			// every figure of a row whose persons are suppressed, so that
			// "." would not tell that the other sex holds the whole total.
			return true, ""
		}
		if v.Status != StatusOK || v.Basis < 1 || v.Basis > float64(t-1) {
			return false, fmt.Sprintf("printed *, computed %s resting on %v", Format(v), v.Basis)
		}
	case MarkComplementary:
		if v.Status != StatusOK {
			return false, "printed **, computed status " + statusName(v.Status)
		}
	case MarkNotComputable:
		if v.Status != StatusNotComputable {
			return false, "printed ., computed " + Format(v)
		}
	case MarkNoData:
		if v.Status != StatusNoData {
			return false, "printed i.u, computed " + Format(v)
		}
	}
	return true, ""
}

func statusName(s Status) string {
	switch s {
	case StatusNotComputable:
		return "not computable"
	case StatusNoData:
		return "no data"
	}
	return "ok"
}

// Format renders a figure the way the reports print it: whole numbers with a
// space as thousands separator, "." when not computable, "i.u" without data.
func Format(v Value) string {
	switch v.Status {
	case StatusNotComputable:
		return MarkNotComputable
	case StatusNoData:
		return MarkNoData
	}
	return Grouped(int64(v.Rounded()))
}

// Grouped is n as the reports print it, with a space between groups of
// three digits ("4 984").
func Grouped(n int64) string {
	if n >= 0 && n < int64(len(smallNumbers)) {
		return smallNumbers[n]
	}
	return string(AppendGrouped(nil, n))
}

// smallNumbers are the numbers below 1 000 as text, made once: most
// figures of a table are, and a string each would be made per figure.
var smallNumbers = func() []string {
	out := make([]string, 1000)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

// AppendGrouped appends n as Grouped writes it.
func AppendGrouped(buf []byte, n int64) []byte {
	if n >= 0 && n < int64(len(smallNumbers)) {
		return append(buf, smallNumbers[n]...)
	}
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], n, 10)
	if s[0] == '-' {
		buf = append(buf, '-')
		s = s[1:]
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	buf = append(buf, s[:head]...)
	for i := head; i < len(s); i += 3 {
		buf = append(buf, ' ', s[i], s[i+1], s[i+2])
	}
	return buf
}

// Deviation is a printed cell that insyn's sample data knowingly do not
// reproduce, with the reason, as listed in testdata/reports/DEVIATIONS.md.
type Deviation struct {
	Table, Row, Col, Printed, Generated, Reason string
}

// Key identifies the cell as "table|row|column".
func (d Deviation) Key() string { return d.Table + "|" + d.Row + "|" + d.Col }

// LoadDeviations reads the deviation table of DEVIATIONS.md: every markdown
// table row whose first cell is a table id (9:… or ev:…), with the columns
// table | row | column | printed | generated | reason.
func LoadDeviations(path string) ([]Deviation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Deviation
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(t, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(t, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) == 0 || !(strings.HasPrefix(cells[0], "9:") || strings.HasPrefix(cells[0], "ev:")) {
			continue
		}
		if len(cells) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 cells (table | row | column | printed | generated | reason), got %d", path, line, len(cells))
		}
		if cells[5] == "" {
			return nil, fmt.Errorf("%s:%d: deviation without a reason", path, line)
		}
		out = append(out, Deviation{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]})
	}
	return out, sc.Err()
}
