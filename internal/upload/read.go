package upload

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// reader holds the state of reading one upload.
type reader struct {
	rep *Report
	key string
	// geo holds the nämnd codes of the lake the upload is for.
	geo     dataset.Geography
	dialect Dialect
	// serialDates accepts numbers as dates (XLSX only: in a CSV file a
	// bare number in a date column is more likely a mistake than a date).
	serialDates, date1904 bool

	spec *spec
	// period is the file's period; yearKnown is false until the first
	// row's År cell gives it, for files whose key and name say nothing.
	period    Period
	yearKnown bool

	// pos is the cell index of each column of the contract, -1 if absent.
	pos [numColumns]int
	// header holds the header cells as written (trimmed), width the index
	// after its last non-empty cell.
	header []string
	width  int
	// incomplete is set when a required column is missing: rows are still
	// checked cell by cell, but not against each other (their missing
	// cells would make unrelated rows look like duplicates).
	incomplete bool
	sizeHint   int

	cells []string
	row   int

	namnd, kbfNamnd, lagrum, kon, regi, boende                *codes
	insatsLSS, insatsSoL, bistand, beslutInsats, funk, utfall *codes
	orsak, status                                             *codes

	file     *File
	rowNums  []int32
	hash     maphash.Hash
	dups     map[uint64]int32
	dupMore  map[uint64][]int32
	persons  map[string]personState
	kbfFirst map[string]int32
	agg      *aggState
	slab     []float64
}

// excelRows is the number of rows an Excel sheet can have.
const excelRows = 1 << 20

// personState is what one person's first row in insatser said.
type personState struct {
	namnd, kon string
	alder      int32
	row        int32
	// insatser has bit i set for a decision on dataset.Insats.Codes[i].
	insatser uint32
}

var (
	insatsBit = func() map[string]uint32 {
		m := map[string]uint32{}
		for i, c := range dataset.Insats.Codes {
			m[c.Code] = 1 << i
		}
		return m
	}()
	// bostad are the insatser whose rows may carry a boendeform.
	bostad = map[string]bool{"bostad_barn": true, "bostad_vuxna": true, "sol_bostad": true}
)

func (rd *reader) read(data []byte) *File {
	defer func() { rd.rep.Dialect = rd.dialect }()
	rd.dialect.Format = formatOf(rd.key, data)
	if err := CheckName(rd.key); err != nil {
		rd.rep.add(Problem{Reason: ReasonBadName,
			Message: fmt.Sprintf("%v; rename the file (letters, digits, spaces, - and _ are safe) and upload it again", err)})
		return nil
	}
	if len(data) > MaxFileBytes {
		rd.rep.add(Problem{Reason: ReasonTooLarge,
			Message: fmt.Sprintf("the file has %d MiB; the limit is %d MiB (MaxFileBytes): split it by period", len(data)>>20, MaxFileBytes>>20)})
		return nil
	}
	tgt, ok := rd.parseKey()
	if !ok {
		return nil
	}
	if len(data) == 0 {
		rd.rep.add(Problem{Reason: ReasonUnreadable, Message: "the file is empty"})
		return nil
	}
	if bytes.HasPrefix(data, oleMagic) {
		rd.rep.add(Problem{Reason: ReasonUnreadable,
			Message: "this is an Excel 97–2003 workbook (.xls) or a password-protected one; save it as .xlsx without a password, or as CSV"})
		return nil
	}
	var src source
	if rd.dialect.Format == XLSX {
		x := rd.openXLSX(data, tgt.dataset)
		if x == nil {
			return nil
		}
		defer x.close()
		src = x
		rd.serialDates = true
	} else {
		if src = rd.openCSV(data); src == nil {
			return nil
		}
		// Lines are an upper bound on rows, and sizing the rows and maps
		// once saves the copies of growing them; the cap (Excel's row
		// limit) keeps a file of blank lines from reserving gigabytes.
		rd.sizeHint = min(bytes.Count(data, []byte("\n")), excelRows)
	}
	if !rd.readHeader(src, tgt) {
		return nil
	}
	rd.init()
	rd.readRows(src)
	rd.file.Period = rd.period
	rd.file.Dialect = rd.dialect
	return rd.file
}

// readHeader finds the header row, decides the dataset and period, and
// maps the columns.
func (rd *reader) readHeader(src source, tgt target) bool {
	var first string
	for n := 0; ; n++ {
		cells, row, err := src.next()
		if errors.Is(err, io.EOF) || n == headerSearchRows {
			msg := fmt.Sprintf("no header: none of the first %d rows names %d or more columns of an upload (such as Person-id, Nämnd, Kön) or every column of an aggregate (such as Nämnd and Antal invånare)", headerSearchRows, minHeaderColumns)
			if first != "" {
				msg += fmt.Sprintf("; the first row reads %q", first)
			}
			rd.rep.add(Problem{Reason: ReasonNoHeader, Message: msg})
			return false
		}
		if err != nil {
			rd.unreadable(row, err)
			return false
		}
		if !rd.withinLimits(cells, row) {
			return false
		}
		if first == "" && !blank(cells) {
			first = preview(cells, rd.delimiterOr('|'))
		}
		if isHeader(cells) {
			rd.dialect.HeaderRow = row
			rd.header = make([]string, len(cells))
			for i, c := range cells {
				rd.header[i] = strings.TrimSpace(c)
				if rd.header[i] != "" {
					rd.width = i + 1
				}
			}
			break
		}
	}
	hrow := rd.dialect.HeaderRow

	names := map[colID]bool{}
	for _, h := range rd.header {
		if id, ok := headerIndex[foldHeader(h)]; ok {
			names[id] = true
		}
	}
	best, tie := detectDataset(names)
	d := tgt.dataset
	switch {
	case d != "" && best != d && scoreOf(best, names) > scoreOf(d, names):
		rd.rep.add(Problem{Row: hrow, Reason: ReasonWrongDataset, Value: string(best),
			Message: fmt.Sprintf("the columns are those of %s (%s), not of %s as the folder says; upload it to uploads/%s/", best, rd.columnsOf(best, names), d, best)})
		return false
	case d == "" && tie:
		rd.rep.add(Problem{Row: hrow, Reason: ReasonWrongDataset,
			Message: "the columns do not tell which dataset this is; upload it to uploads/<dataset>/<period>/"})
		return false
	case d == "":
		d = best
	}
	rd.spec = specs[d]
	rd.rep.Dataset = d

	for i := range rd.pos {
		rd.pos[i] = -1
	}
	for i, h := range rd.header {
		if h == "" {
			continue
		}
		id, known := headerIndex[foldHeader(h)]
		switch {
		case strings.Contains(foldHeader(h), "personnummer"):
			rd.rep.add(Problem{Row: hrow, Column: h, Reason: ReasonUnknownColumn,
				Message: "personnummer must never be uploaded: remove the column and export the pseudonymous Person-id"})
		case !known:
			rd.rep.add(Problem{Row: hrow, Column: h, Value: h, Reason: ReasonUnknownColumn,
				Message: fmt.Sprintf("%s has no such column; its columns are %s", d, rd.spec.headers())})
		case !rd.spec.has(id):
			rd.rep.add(Problem{Row: hrow, Column: h, Value: h, Reason: ReasonUnknownColumn,
				Message: fmt.Sprintf("%s is a column of %s, not of %s", columns[id].Header, datasetsWith(id), d)})
		case rd.pos[id] >= 0:
			rd.rep.add(Problem{Row: hrow, Column: h, Value: h, Reason: ReasonDuplicateCol,
				Message: fmt.Sprintf("names %s again (already column %q)", columns[id].Header, rd.header[rd.pos[id]])})
		default:
			rd.pos[id] = i
		}
	}

	switch {
	case tgt.hasPeriod:
		rd.period, rd.yearKnown = tgt.period, true
	case rd.pos[cAr] < 0:
		rd.rep.add(Problem{Reason: ReasonNoPeriod,
			Message: fmt.Sprintf("the file does not say its period: upload it to uploads/%s/<year>/ or add a column År", d)})
		return false
	}
	if rd.period.Quarter != 0 && d != EjVerkstallda {
		rd.rep.add(Problem{Reason: ReasonWrongPeriod, Value: rd.period.String(),
			Message: fmt.Sprintf("%s is uploaded per year, not per quarter; upload it to uploads/%s/%d/", d, d, rd.period.Year)})
		return false
	}
	if rd.yearKnown {
		rd.rep.Period = rd.period.String()
		if !plausibleYear(rd.period.Year) {
			rd.rep.add(Problem{Reason: ReasonOutOfRange, Value: strconv.Itoa(rd.period.Year),
				Message: fmt.Sprintf("%d is not a year an upload can be for: %s", rd.period.Year, yearRange)})
			return false
		}
	}
	for _, id := range rd.spec.columns {
		required := !rd.spec.optional[id] || (id == cKvartal && rd.period.Quarter == 0)
		if rd.pos[id] < 0 && required {
			rd.incomplete = true
			c := columns[id]
			msg := fmt.Sprintf("the header has no column %s", c.Header)
			if id == cKvartal {
				msg += fmt.Sprintf(", which a file for a whole year needs (or upload each quarter to uploads/%s/<year>-Q<k>/)", d)
			}
			if len(c.Aliases) > 0 {
				msg += fmt.Sprintf("; also accepted: %s", strings.Join(c.Aliases, ", "))
			}
			rd.rep.add(Problem{Row: hrow, Column: c.Header, Reason: ReasonMissingColumn, Message: msg})
		}
	}
	return true
}

// columnsOf lists the header's columns that belong to d, as the contract
// names them.
func (rd *reader) columnsOf(d Dataset, names map[colID]bool) string {
	var out []string
	for _, id := range specs[d].columns {
		if names[id] {
			out = append(out, columns[id].Header)
		}
	}
	return strings.Join(out, ", ")
}

func (s *spec) headers() string {
	out := make([]string, len(s.columns))
	for i, id := range s.columns {
		out[i] = columns[id].Header
	}
	return strings.Join(out, ", ")
}

func datasetsWith(id colID) string {
	var out []string
	for _, d := range Datasets {
		if specs[d].has(id) {
			out = append(out, string(d))
		}
	}
	return strings.Join(out, " and ")
}

// preview shows a row in a message: its first 120 characters, with any
// cell that looks like a personnummer masked (a file without a header may
// start with data).
func preview(cells []string, sep rune) string {
	shown := make([]string, len(cells))
	for i, c := range cells {
		shown[i] = c
		if looksLikePersonnummer(strings.TrimSpace(c)) {
			shown[i] = "(personnummer)"
		}
	}
	s := strings.Join(shown, string(sep))
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

func (rd *reader) delimiterOr(r rune) rune {
	if rd.dialect.Delimiter != "" {
		return rune(rd.dialect.Delimiter[0])
	}
	return r
}

func (rd *reader) unreadable(row int, err error) {
	var msg string
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		msg = fmt.Sprintf("cannot read on from here: %v (line %d, byte %d of the line)", pe.Err, pe.Line, pe.Column)
	} else {
		msg = fmt.Sprintf("cannot read on from here: %v", err)
	}
	rd.rep.add(Problem{Row: row, Reason: ReasonUnreadable, Message: msg})
}

// init prepares the code lists and the cross-row state for the dataset.
func (rd *reader) init() {
	rd.namnd = newCodes(rd.geo.Namnd)
	kbfName := "stadsdelsnämnd (KBF is paid by the districts only)"
	if !rd.geo.IsDefault() {
		kbfName = rd.geo.Namnd.Name
	}
	rd.kbfNamnd = newCodes(subList(rd.geo.Namnd, kbfName,
		func(c dataset.Code) bool { return slices.Contains(rd.geo.Areas, c.Code) }))
	rd.lagrum = newCodes(dataset.Lagrum)
	rd.kon = newCodes(dataset.Kon)
	rd.regi = newCodes(dataset.Regi)
	rd.boende = newCodes(dataset.Boendeform)
	rd.insatsLSS = newCodes(subList(dataset.Insats, "LSS insats", func(c dataset.Code) bool { return c.Group == "LSS" }))
	rd.insatsSoL = newCodes(subList(dataset.Insats, "SoL insats", func(c dataset.Code) bool { return c.Group == "SoL" }))
	rd.bistand = newCodes(dataset.Bistand)
	rd.beslutInsats = newCodes(dataset.BeslutInsats)
	rd.funk = newCodes(dataset.Funktionsnedsattning)
	rd.utfall = newCodes(dataset.Utfall)
	rd.orsak = newCodes(dataset.Orsak)
	rd.status = newCodes(dataset.Status)

	rd.file = &File{Name: rd.key, Dataset: rd.spec.dataset}
	rd.hash.SetSeed(maphash.MakeSeed())
	rd.dups = make(map[uint64]int32, rd.sizeHint)
	rd.dupMore = map[uint64][]int32{}
	n := rd.sizeHint
	switch rd.spec.dataset {
	case Insatser:
		rd.file.Insatser = make([]v1.Insats, 0, n)
		rd.persons = make(map[string]personState, n)
	case Beslut:
		rd.file.Beslut = make([]v1.Beslut, 0, n)
	case EjVerkstallda:
		rd.file.EjVerkstallda = make([]v1.EjVerkstallt, 0, n)
	case KBF:
		rd.file.KBF = make([]v1.KBF, 0, n)
		rd.kbfFirst = make(map[string]int32, n)
	case Lov, Befolkning, SFB:
		rd.initAggregate()
	}
	rd.rowNums = make([]int32, 0, n)
}

// readRows reads every row below the header.
func (rd *reader) readRows(src source) {
	for {
		cells, row, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rd.unreadable(row, err)
			break
		}
		if !rd.withinLimits(cells, row) {
			break
		}
		if blank(cells) {
			continue
		}
		if rd.rep.Rows == MaxRows {
			rd.rep.add(Problem{Row: row, Reason: ReasonTooLarge,
				Message: fmt.Sprintf("the file has more than %d data rows (MaxRows); split it", MaxRows)})
			break
		}
		rd.rep.Rows++
		rd.cells, rd.row = cells, row
		before := rd.rep.total()
		if !rd.checkWidth() {
			continue
		}
		switch rd.spec.dataset {
		case Insatser:
			rd.insatsRow(before)
		case Beslut:
			rd.beslutRow(before)
		case EjVerkstallda:
			rd.ejVerkstalltRow(before)
		case KBF:
			rd.kbfRow(before)
		case Lov, Befolkning, SFB:
			rd.aggregateRow(before)
		}
	}
	if rd.rep.Rows == 0 && rd.rep.Counts[ReasonTooLarge] == 0 {
		rd.rep.add(Problem{Reason: ReasonNoRows,
			Message: "the file has a header but no rows; an upload replaces its whole period, so an empty file is refused rather than read as none"})
		return
	}
	if rd.spec.dataset.Aggregate() {
		rd.aggregateComplete()
	}
}

// withinLimits checks a row against MaxCellBytes and MaxColumns; a row
// beyond them stops the reading (the file is refused, and reading on
// would only cost).
func (rd *reader) withinLimits(cells []string, row int) bool {
	for i, c := range cells {
		if len(c) > MaxCellBytes {
			rd.rep.add(Problem{Row: row, Value: c, Reason: ReasonTooLarge,
				Message: fmt.Sprintf("cell %d has %d bytes; the limit for a cell is %d bytes (MaxCellBytes)", i+1, len(c), MaxCellBytes)})
			return false
		}
		if i >= MaxColumns && strings.TrimSpace(c) != "" {
			rd.rep.add(Problem{Row: row, Reason: ReasonTooLarge,
				Message: fmt.Sprintf("the row has a value in column %d; the limit is %d columns (MaxColumns)", i+1, MaxColumns)})
			return false
		}
	}
	return true
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// checkWidth reports CSV rows with more or fewer cells than the header
// (an XLSX row simply ends at its last filled cell) and values in cells
// with no column. It returns false when the row's cells cannot be trusted
// to be in their columns (a CSV row of the wrong width: an unquoted
// decimal comma or a lost delimiter shifts every cell after it), so that
// the report names the cause rather than its echoes.
func (rd *reader) checkWidth() bool {
	csvFile := rd.dialect.Format == CSV
	if csvFile && len(rd.cells) < rd.width {
		rd.rowProblem(ReasonFieldCount, "", "the row has %d cells, the header %d", len(rd.cells), rd.width)
		return false
	}
	for i, c := range rd.cells {
		if c = strings.TrimSpace(c); c == "" || (i < rd.width && rd.header[i] != "") {
			continue
		}
		where := "after the last column"
		if i < rd.width {
			where = "under a column with no header"
		}
		rd.rowProblem(ReasonFieldCount, c, "cell %d holds %q %s", i+1, c, where)
		return !csvFile || i < rd.width
	}
	return true
}

// rowProblem records a problem of the current row as a whole.
func (rd *reader) rowProblem(reason Reason, value, format string, args ...any) {
	if rd.rep.full() {
		rd.rep.add(Problem{Reason: reason})
		return
	}
	rd.rep.add(Problem{Row: rd.row, Value: value, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// fail records a problem of a cell of the current row.
func (rd *reader) fail(id colID, value string, reason Reason, format string, args ...any) {
	if rd.rep.full() {
		rd.rep.add(Problem{Reason: reason})
		return
	}
	rd.rep.add(Problem{Row: rd.row, Column: rd.header[rd.pos[id]], Value: value, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// cell returns the trimmed cell of a column, and whether the file has the
// column.
func (rd *reader) cell(id colID) (string, bool) {
	i := rd.pos[id]
	if i < 0 {
		return "", false
	}
	if i >= len(rd.cells) {
		return "", true
	}
	return strings.TrimSpace(rd.cells[i]), true
}

// required returns a cell that must not be blank.
func (rd *reader) required(id colID) (string, bool) {
	v, ok := rd.cell(id)
	if !ok {
		return "", false
	}
	if v == "" {
		rd.fail(id, v, ReasonEmptyValue, "is blank; %s is required", columns[id].Header)
		return "", false
	}
	return v, true
}

// code normalizes a required coded cell.
func (rd *reader) code(id colID, c *codes) (string, bool) {
	v, ok := rd.required(id)
	if !ok {
		return "", false
	}
	code, msg := c.normalize(v)
	if msg != "" {
		rd.fail(id, v, ReasonUnknownCode, "%s", msg)
		return "", false
	}
	return code, true
}

// personID returns the pseudonymous person id, refusing personnummer.
func (rd *reader) personID() (string, bool) {
	v, ok := rd.required(cPersonID)
	if !ok {
		return "", false
	}
	if looksLikePersonnummer(v) {
		// The value is not repeated: the report must not spread it.
		rd.fail(cPersonID, "", ReasonPersonnummer, "looks like a personnummer (not repeated here); upload the case system's pseudonymous person id")
		return "", false
	}
	return v, true
}

func (rd *reader) date(id colID) (time.Time, bool) {
	v, ok := rd.required(id)
	if !ok {
		return time.Time{}, false
	}
	t, ok := parseDate(v, rd.serialDates, rd.date1904)
	if !ok {
		rd.fail(id, v, ReasonWrongType, "%q is not a date; write it as 2024-10-01", v)
	}
	return t, ok
}

// whole reads a required whole number.
func (rd *reader) whole(id colID) (int64, bool) {
	v, ok := rd.required(id)
	if !ok {
		return 0, false
	}
	n, isNumber, whole := parseWhole(v)
	switch {
	case !isNumber:
		rd.fail(id, v, ReasonWrongType, "%q is not a number", v)
	case !whole:
		rd.fail(id, v, ReasonWrongType, "%q is not a whole number", v)
	}
	return n, whole
}

func (rd *reader) yesNo(id colID) (bool, bool) {
	v, ok := rd.cell(id)
	if !ok {
		return false, false
	}
	b, ok := parseBool(v)
	if !ok {
		rd.fail(id, v, ReasonWrongType, "%q is neither ja nor nej", v)
	}
	return b, ok
}

// year checks the År cell, if the file has the column; the first row's År
// gives the period of a file whose key and name say none.
func (rd *reader) year() {
	v, ok := rd.required(cAr)
	if !ok {
		return
	}
	y, _, whole := parseWhole(v)
	if !whole || y < 1900 || y > 2099 {
		rd.fail(cAr, v, ReasonWrongType, "%q is not a year", v)
		return
	}
	if !plausibleYear(int(y)) {
		rd.fail(cAr, v, ReasonOutOfRange, "%d is not a year an upload can be for: %s", y, yearRange)
		return
	}
	if !rd.yearKnown {
		rd.period.Year, rd.yearKnown = int(y), true
		rd.rep.Period = rd.period.String()
		return
	}
	if int(y) != rd.period.Year {
		rd.fail(cAr, v, ReasonWrongPeriod, "the row is for %d, the file for %d", y, rd.period.Year)
	}
}

// inYear checks a date against the file's year.
func (rd *reader) inYear(id colID, t time.Time) {
	if rd.yearKnown && t.Year() != rd.period.Year {
		v, _ := rd.cell(id)
		rd.fail(id, v, ReasonOutsidePeriod, "%s is not in %d, the year of the file", t.Format(time.DateOnly), rd.period.Year)
	}
}

// insatsOf normalizes an insats within the insatser of a lagrum; one of
// the other lagrum is an inconsistency, not an unknown code.
func (rd *reader) insatsOf(lagrum string, lss, sol *codes) (string, bool) {
	v, ok := rd.required(cInsats)
	if !ok {
		return "", false
	}
	own, other := lss, sol
	if lagrum == "SoL" {
		own, other = sol, lss
	}
	code, msg := own.normalize(v)
	if msg == "" {
		return code, true
	}
	if _, otherMsg := other.normalize(v); otherMsg == "" {
		rd.fail(cInsats, v, ReasonInconsistent, "%q is a %s, but the row's lagrum is %s", v, other.list.Name, lagrum)
		return "", false
	}
	rd.fail(cInsats, v, ReasonUnknownCode, "%s", msg)
	return "", false
}

// newFloat returns a pointer to v from a slab, so that a million optional
// hours are not a million allocations.
func (rd *reader) newFloat(v float64) *float64 {
	if len(rd.slab) == cap(rd.slab) {
		rd.slab = make([]float64, 0, 1024)
	}
	rd.slab = append(rd.slab, v)
	return &rd.slab[len(rd.slab)-1]
}

// duplicate looks up a row's hash among the earlier rows; same(j) says
// whether row j is equal (hashes can collide).
func (rd *reader) duplicate(h uint64, idx int32, same func(j int32) bool) (int32, bool) {
	j, seen := rd.dups[h]
	if !seen {
		rd.dups[h] = idx
		return 0, false
	}
	if same(j) {
		return j, true
	}
	for _, k := range rd.dupMore[h] {
		if same(k) {
			return k, true
		}
	}
	rd.dupMore[h] = append(rd.dupMore[h], idx)
	return 0, false
}

func (rd *reader) sum(parts ...string) uint64 {
	rd.hash.Reset()
	for _, p := range parts {
		rd.hash.WriteString(p)
		rd.hash.WriteByte(0)
	}
	return rd.hash.Sum64()
}

func (rd *reader) sumInts(h uint64, ints ...int64) uint64 {
	rd.hash.Reset()
	var b [8]byte
	for i := range b {
		b[i] = byte(h >> (8 * i))
	}
	rd.hash.Write(b[:])
	for _, n := range ints {
		for i := range b {
			b[i] = byte(n >> (8 * i))
		}
		rd.hash.Write(b[:])
	}
	return rd.hash.Sum64()
}
