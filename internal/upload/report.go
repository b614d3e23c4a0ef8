package upload

import (
	"fmt"
	"slices"
	"strings"
)

// Reason classifies a problem; the codes are stable, for machines (the
// rejected/ prefix, dashboards), while Problem.Message is for people.
type Reason string

// The reasons an upload is rejected (schema/uploads.md explains each).
const (
	ReasonUnreadable    Reason = "unreadable"       // not CSV/XLSX, broken quoting, bad bytes
	ReasonNoHeader      Reason = "no_header"        // no row names the columns
	ReasonWrongDataset  Reason = "wrong_dataset"    // the columns are another dataset's
	ReasonNoPeriod      Reason = "no_period"        // neither key, name nor År column gives the period
	ReasonWrongPeriod   Reason = "wrong_period"     // a period folder, År or Kvartal that does not fit
	ReasonMissingColumn Reason = "missing_column"   // a required column is absent
	ReasonUnknownColumn Reason = "unknown_column"   // a column the dataset does not have
	ReasonDuplicateCol  Reason = "duplicate_column" // two columns mean the same
	ReasonFieldCount    Reason = "field_count"      // a CSV row with fewer or extra cells
	ReasonEmptyValue    Reason = "empty_value"      // a required cell is blank
	ReasonUnknownCode   Reason = "unknown_code"     // not a label, code or alias of the code list
	ReasonWrongType     Reason = "wrong_type"       // not a number, whole number, date or yes/no
	ReasonNegative      Reason = "negative"         // negative hours or amount
	ReasonOutOfRange    Reason = "out_of_range"     // an age or number of hours no person has
	ReasonOutsidePeriod Reason = "outside_period"   // a date outside what the period allows
	ReasonInconsistent  Reason = "inconsistent"     // cells of one row that contradict each other
	ReasonDuplicateRow  Reason = "duplicate_row"    // the same row twice
	ReasonContradiction Reason = "contradiction"    // one person with different nämnd/kön/ålder
	ReasonPersonTwice   Reason = "person_twice"     // a second decision (or KBF row) where one is allowed
	ReasonPersonnummer  Reason = "personnummer"     // a person id that looks like a personnummer
	ReasonNoRows        Reason = "no_rows"          // a header and nothing under it
)

// Reasons are all reasons, in the order schema/uploads.md explains them.
var Reasons = []Reason{
	ReasonUnreadable, ReasonNoHeader, ReasonWrongDataset, ReasonNoPeriod, ReasonWrongPeriod,
	ReasonMissingColumn, ReasonUnknownColumn, ReasonDuplicateCol, ReasonFieldCount, ReasonEmptyValue,
	ReasonUnknownCode, ReasonWrongType, ReasonNegative, ReasonOutOfRange, ReasonOutsidePeriod,
	ReasonInconsistent, ReasonDuplicateRow, ReasonContradiction, ReasonPersonTwice, ReasonPersonnummer, ReasonNoRows,
}

// MaxProblems is how many problems a report lists; the rest are counted.
// A hundred is more than anyone fixes by reading, and a file with a wrong
// encoding or column would otherwise list every one of its rows.
const MaxProblems = 100

// Problem is one thing wrong with an upload.
type Problem struct {
	// Row is the row as a spreadsheet shows it (1-based, header and title
	// rows counted); 0 for the file as a whole.
	Row int `json:"row,omitempty"`
	// Column is the column's header as written in the file (for a missing
	// column, the name the contract gives it).
	Column string `json:"column,omitempty"`
	// Value is the cell as written in the file, after decoding.
	Value   string `json:"value,omitempty"`
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var where string
	switch {
	case p.Row > 0 && p.Column != "":
		where = fmt.Sprintf("row %d, column %q", p.Row, p.Column)
	case p.Row > 0:
		where = fmt.Sprintf("row %d", p.Row)
	case p.Column != "":
		where = fmt.Sprintf("column %q", p.Column)
	default:
		where = "file"
	}
	return fmt.Sprintf("%s: %s [%s]", where, p.Message, p.Reason)
}

// Report is what is wrong with one upload. It is the error Read returns; a
// file with a report publishes no rows.
type Report struct {
	File    string  `json:"file"`
	Dataset Dataset `json:"dataset,omitempty"`
	Period  string  `json:"period,omitempty"`
	Dialect Dialect `json:"dialect"`
	// Rows is the number of data rows read (below the header).
	Rows int `json:"rows"`
	// Problems are the first MaxProblems problems, in the order of the file.
	Problems []Problem `json:"problems"`
	// More is the number of problems found beyond those listed.
	More int `json:"more,omitempty"`
	// Counts are all problems found, listed or not, by reason.
	Counts map[Reason]int `json:"counts"`
}

// add records a problem, keeping the first MaxProblems.
func (r *Report) add(p Problem) {
	if r.Counts == nil {
		r.Counts = map[Reason]int{}
	}
	r.Counts[p.Reason]++
	if len(r.Problems) >= MaxProblems {
		r.More++
		return
	}
	r.Problems = append(r.Problems, p)
}

// full reports whether further problems would only be counted, so that
// callers can skip work that only serves the listing.
func (r *Report) full() bool { return len(r.Problems) >= MaxProblems }

// total is the number of problems found.
func (r *Report) total() int { return len(r.Problems) + r.More }

// Error summarises the report on one line.
func (r *Report) Error() string {
	if len(r.Problems) == 0 {
		return r.File + ": no problems"
	}
	return fmt.Sprintf("%s: rejected, %s; first: %s", r.File, plural(r.total(), "problem"), r.Problems[0])
}

// String is the report for people: a summary line, then one line per
// problem.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", r.File)
	if len(r.Problems) == 0 {
		fmt.Fprintf(&b, "no problems, %s\n", plural(r.Rows, "row"))
		return b.String()
	}
	fmt.Fprintf(&b, "rejected, nothing from this file is published: %s (%s) in %s",
		plural(r.total(), "problem"), r.countsText(), plural(r.Rows, "data row"))
	if r.Dataset != "" {
		fmt.Fprintf(&b, " of %s", r.Dataset)
		if r.Period != "" {
			fmt.Fprintf(&b, " %s", r.Period)
		}
	}
	fmt.Fprintf(&b, "\nread as %s\n", r.Dialect)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	if r.More > 0 {
		fmt.Fprintf(&b, "  … and %s not listed\n", plural(r.More, "more problem"))
	}
	return b.String()
}

func (r *Report) countsText() string {
	reasons := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		reasons = append(reasons, string(k))
	}
	slices.Sort(reasons)
	parts := make([]string, len(reasons))
	for i, k := range reasons {
		parts[i] = fmt.Sprintf("%d %s", r.Counts[Reason(k)], k)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
