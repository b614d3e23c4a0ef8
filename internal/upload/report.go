package upload

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	ReasonTooLarge      Reason = "too_large"        // beyond a limit: file, unpacked size, rows, columns, cell
	ReasonBadName       Reason = "bad_name"         // a key the contract does not allow as an upload's name
	ReasonMissingRow    Reason = "missing_row"      // an aggregate without a row for one of its categories
)

// Reasons are all reasons, in the order schema/uploads.md explains them.
var Reasons = []Reason{
	ReasonUnreadable, ReasonNoHeader, ReasonWrongDataset, ReasonNoPeriod, ReasonWrongPeriod,
	ReasonMissingColumn, ReasonUnknownColumn, ReasonDuplicateCol, ReasonFieldCount, ReasonEmptyValue,
	ReasonUnknownCode, ReasonWrongType, ReasonNegative, ReasonOutOfRange, ReasonOutsidePeriod,
	ReasonInconsistent, ReasonDuplicateRow, ReasonContradiction, ReasonPersonTwice, ReasonPersonnummer, ReasonNoRows,
	ReasonMissingRow, ReasonTooLarge, ReasonBadName,
}

// MaxProblems is how many problems a report lists; the rest are counted.
// A hundred is more than anyone fixes by reading, and a file with a wrong
// encoding or column would otherwise list every one of its rows.
const MaxProblems = 100

// Bounds of a report, so that no upload makes a large one: a value is
// quoted with at most MaxValueRunes characters (then "…"), a message has
// at most maxMessageRunes, and the problems listed stop before the report
// (text or JSON) would pass MaxReportBytes; the rest are counted.
const (
	MaxValueRunes   = 100
	MaxReportBytes  = 64 << 10
	maxMessageRunes = 600
	// reportReserve is what the parts of a report other than its problems
	// take at most: the file name (a key has at most MaxNameBytes), the
	// dialect, the counts.
	reportReserve = 8 << 10
)

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

	// listed is what the listed problems may take in the report, counted
	// as in JSON with every character escaped.
	listed int
}

// add records a problem, keeping the first MaxProblems and no more than
// fit MaxReportBytes; values and messages are cut to their bounds.
func (r *Report) add(p Problem) {
	if r.Counts == nil {
		r.Counts = map[Reason]int{}
	}
	r.Counts[p.Reason]++
	if p.Value != "" && looksLikePersonnummer(strings.TrimSpace(p.Value)) {
		// Whatever column it is in, a personnummer is not repeated.
		p.Message = strings.ReplaceAll(p.Message, p.Value, "(personnummer)")
		p.Column = strings.ReplaceAll(p.Column, p.Value, "(personnummer)")
		p.Value = "(personnummer)"
	}
	p.Value = clip(p.Value, MaxValueRunes)
	p.Column = clip(p.Column, MaxValueRunes)
	p.Message = clip(p.Message, maxMessageRunes)
	// JSON escapes a character in at most six bytes; the text form takes
	// fewer.
	cost := 6*(len(p.Value)+len(p.Column)+len(p.Message)) + 100
	if r.full() || r.listed+cost > MaxReportBytes-reportReserve {
		r.More++
		r.listed = MaxReportBytes // full from now on: problems stay in file order
		return
	}
	r.listed += cost
	r.Problems = append(r.Problems, p)
}

// full reports whether further problems would only be counted, so that
// callers can skip work that only serves the listing.
func (r *Report) full() bool {
	return len(r.Problems) >= MaxProblems || r.listed >= MaxReportBytes-reportReserve
}

// clip cuts s to at most n characters, marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}

// total is the number of problems found.
func (r *Report) total() int { return len(r.Problems) + r.More }

// Error summarises the report on one line.
func (r *Report) Error() string {
	if len(r.Problems) == 0 {
		return r.File + ": no problems"
	}
	return fmt.Sprintf("%s: rejected, %s; first: %s", printableName(r.File), plural(r.total(), "problem"), r.Problems[0])
}

// printableName shows a file name as is, or quoted with escapes when it
// holds characters that would break a line of the report (a name the
// contract refuses may).
func printableName(name string) string {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(name)
	}
	return name
}

// String is the report for people: a summary line, then one line per
// problem.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", printableName(r.File))
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
