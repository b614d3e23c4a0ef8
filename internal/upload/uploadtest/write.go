// Package uploadtest writes microdata as the files staff export: CSV in
// the dialects Excel and the case systems produce (semicolons,
// Windows-1252, CRLF, decimal comma, Swedish labels, old district names)
// and XLSX with title rows and date serials. It makes the sample uploads in
// testdata/uploads and the inputs of upload's tests and benchmarks.
package uploadtest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/upload"
)

// Encoding is the character encoding of a CSV export.
type Encoding string

// The encodings staff exports come in.
const (
	UTF8        Encoding = "UTF-8"
	UTF8BOM     Encoding = "UTF-8 with BOM"
	Windows1252 Encoding = "Windows-1252"
	UTF16LE     Encoding = "UTF-16LE" // Excel's "Unicode text", tab-separated
)

// Style is how an export looks. The zero value is a comma-separated UTF-8
// CSV with LF line ends, labels as the code lists print them and ISO dates.
type Style struct {
	Format upload.Format

	// CSV only.
	Delimiter rune // ',' when zero
	Encoding  Encoding
	CRLF      bool
	SepLine   bool // a first line "sep=;" as Excel writes it

	// Codes writes machine codes instead of labels.
	Codes bool
	// TitleCase writes labels with every word capitalised ("Norra
	// Innerstaden"), as some systems do.
	TitleCase bool
	// Kon spells K and M (e.g. "Kvinna", "Man"); the labels when empty.
	Kon [2]string
	// OldDistricts writes the names before July 2023 (Rinkeby-Kista or
	// Spånga-Tensta for Järva, Norrmalm or Östermalm for Norra
	// innerstaden), one of them per person.
	OldDistricts bool
	// Decimals is the number of decimals of hours and amounts (0: as many
	// as the value needs), written with a decimal comma when DecimalComma
	// is set; Thousands separates groups of three digits (" " or "\u00a0").
	Decimals     int
	DecimalComma bool
	Thousands    string
	// DateLayout formats dates in CSV (and in XLSX without SerialDates);
	// time.DateOnly when empty.
	DateLayout string
	// Bools spells yes and no; "Ja", "Nej" when empty.
	Bools [2]string
	// Headers replaces the contract's header of a column (by lake name),
	// e.g. {"namnd": "Stadsdelsnämnd"}.
	Headers map[string]string
	// Year adds an År column; Kvartal (ej_verkstallda) a Kvartal column,
	// written with KvartalFormat ("%d" when empty, e.g. "Kv %d").
	Year          bool
	Kvartal       bool
	KvartalFormat string
	// Title rows come before the header.
	Title []string

	// XLSX only.
	Sheet       string   // the data sheet's name; "Blad1" when empty
	SheetsFirst []string // empty sheets before the data sheet
	SerialDates bool     // dates as numbers formatted as dates
}

// Table is a sheet: rows of cells, each a string, int64 (a whole number),
// Hours, Amount, time.Time (a date) or nil (blank).
type Table [][]any

// Hours and Amount are numbers that Style formats with decimals and
// thousands separators; whole numbers such as ages are int64.
type (
	Hours  float64
	Amount int64
)

// Encode writes the rows of f (its dataset's slice) in style s.
func Encode(f *upload.File, s Style) ([]byte, error) {
	t, err := FromFile(f, s)
	if err != nil {
		return nil, err
	}
	return t.Encode(s)
}

// Encode writes t as CSV or XLSX, as s.Format says.
func (t Table) Encode(s Style) ([]byte, error) {
	if s.Format == upload.XLSX {
		return t.XLSX(s)
	}
	return t.CSV(s)
}

// FromFile lays out f's rows as a staff export in style s: title rows,
// the header, then one row per microdata row with the values spelt as s
// says.
func FromFile(f *upload.File, s Style) (Table, error) {
	cols := upload.Columns(f.Dataset)
	if cols == nil {
		return nil, fmt.Errorf("uploadtest: %q is not an upload dataset", f.Dataset)
	}
	var keep []upload.Column
	for _, c := range cols {
		switch {
		case c.Name == "ar" && !s.Year, c.Name == "kvartal" && !s.Kvartal:
			continue
		}
		keep = append(keep, c)
	}
	var t Table
	for _, title := range s.Title {
		t = append(t, []any{title})
	}
	header := make([]any, len(keep))
	for i, c := range keep {
		header[i] = c.Header
		if h, ok := s.Headers[c.Name]; ok {
			header[i] = h
		}
	}
	t = append(t, header)
	year := int64(f.Period.Year)
	add := func(values map[string]any) {
		row := make([]any, len(keep))
		for i, c := range keep {
			row[i] = values[c.Name]
		}
		t = append(t, row)
	}
	for _, r := range f.Insatser {
		var h any
		if r.Timmar != nil {
			h = Hours(*r.Timmar)
		}
		add(map[string]any{
			"ar": year, "person_id": r.PersonID, "matdatum": day(r.Matdatum), "namnd": s.namnd(r.Namnd, r.PersonID),
			"lagrum": r.Lagrum, "insats": s.label(dataset.Insats, r.Insats), "kon": s.kon(r.Kon), "alder": int64(r.Alder),
			"regi": s.label(dataset.Regi, r.Regi), "boendeform": s.label(dataset.Boendeform, r.Boendeform), "timmar_per_manad": h,
		})
	}
	for _, r := range f.Beslut {
		add(map[string]any{
			"ar": year, "person_id": r.PersonID, "beslutsdatum": day(r.Beslutsdatum), "namnd": s.namnd(r.Namnd, r.PersonID),
			"lagrum": r.Lagrum, "insats": s.beslutInsats(r.Insats, r.Lagrum), "kon": s.kon(r.Kon),
			"funktionsnedsattning": s.label(dataset.Funktionsnedsattning, r.Funktionsnedsattning),
			"utfall":               s.label(dataset.Utfall, r.Utfall), "dom": s.yesNo(r.Dom), "dom_mot_staden": s.yesNo(r.DomMotStaden),
		})
	}
	for _, r := range f.EjVerkstallda {
		list := dataset.Insats
		if r.Lagrum == "SoL" {
			list = dataset.Bistand
		}
		kv := any(int64(r.Kvartal))
		if s.KvartalFormat != "" {
			kv = fmt.Sprintf(s.KvartalFormat, r.Kvartal)
		}
		add(map[string]any{
			"ar": year, "kvartal": kv, "person_id": r.PersonID, "namnd": s.namnd(r.Namnd, r.PersonID), "lagrum": r.Lagrum,
			"insats": s.label(list, r.Insats), "orsak": s.label(dataset.Orsak, r.Orsak), "kon": s.kon(r.Kon),
			"beslutsdatum": day(r.Beslutsdatum), "status": s.label(dataset.Status, r.Status),
		})
	}
	for _, r := range f.KBF {
		add(map[string]any{
			"ar": year, "person_id": r.PersonID, "namnd": s.namnd(r.Namnd, r.PersonID), "kon": s.kon(r.Kon), "belopp_kr": Amount(r.BeloppKr),
		})
	}
	for _, c := range f.Lov {
		add(map[string]any{"ar": year, "insats": s.label(dataset.LovInsats, c.Insats), "antal_verksamheter": Amount(c.AntalVerksamheter)})
	}
	for _, c := range f.Befolkning {
		// With OldDistricts a merged district is written as the rows of
		// its former districts, which the reader adds up again.
		if old, ok := oldNames[c.Namnd]; ok && s.OldDistricts {
			first := c.AntalInvanare / 2
			add(map[string]any{"ar": year, "namnd": old[0], "antal_invanare": Amount(first)})
			add(map[string]any{"ar": year, "namnd": old[1], "antal_invanare": Amount(c.AntalInvanare - first)})
			continue
		}
		add(map[string]any{"ar": year, "namnd": s.label(dataset.Namnd, c.Namnd), "antal_invanare": Amount(c.AntalInvanare)})
	}
	for _, c := range f.SFB {
		add(map[string]any{"ar": year, "kon": s.kon(c.Kon), "antal_personer": Amount(c.AntalPersoner)})
	}
	return t, nil
}

func day(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (s Style) label(l dataset.CodeList, code string) string {
	if code == "" || s.Codes {
		return code
	}
	label := l.Label(code)
	if s.TitleCase {
		words := strings.Fields(label)
		for i, w := range words {
			r := []rune(w)
			r[0] = []rune(strings.ToUpper(string(r[0])))[0]
			words[i] = string(r)
		}
		label = strings.Join(words, " ")
	}
	return label
}

func (s Style) kon(code string) string {
	if s.Kon[0] == "" || s.Codes {
		return s.label(dataset.Kon, code)
	}
	if code == "K" {
		return s.Kon[0]
	}
	return s.Kon[1]
}

// oldNames are the districts before the merger of July 2023.
var oldNames = map[string][2]string{
	"jarva":             {"Rinkeby-Kista", "Spånga-Tensta"},
	"norra_innerstaden": {"Norrmalm", "Östermalm"},
}

func (s Style) namnd(code, person string) string {
	if old, ok := oldNames[code]; ok && s.OldDistricts {
		h := fnv.New32a()
		h.Write([]byte(person))
		return old[h.Sum32()%2]
	}
	return s.label(dataset.Namnd, code)
}

// beslutInsats writes ledsagning as the case system names it under each
// law: ledsagarservice (LSS) or ledsagning (SoL).
func (s Style) beslutInsats(code, lagrum string) string {
	if code == "ledsagning" && !s.Codes {
		if lagrum == "LSS" {
			return "Ledsagarservice"
		}
		return "Ledsagning"
	}
	return s.label(dataset.BeslutInsats, code)
}

func (s Style) yesNo(b bool) string {
	yes, no := s.Bools[0], s.Bools[1]
	if yes == "" {
		yes, no = "Ja", "Nej"
	}
	if b {
		return yes
	}
	return no
}

// number formats hours and amounts.
func (s Style) number(v float64) string {
	prec := s.Decimals
	if prec == 0 {
		prec = -1
	}
	txt := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	whole, frac, _ := strings.Cut(txt, ".")
	if s.Thousands != "" {
		var b strings.Builder
		for i, c := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(s.Thousands)
			}
			b.WriteRune(c)
		}
		whole = b.String()
	}
	if v < 0 {
		whole = "-" + whole
	}
	if frac == "" {
		return whole
	}
	sep := "."
	if s.DecimalComma {
		sep = ","
	}
	return whole + sep + frac
}

func (s Style) text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case Hours:
		return s.number(float64(v))
	case Amount:
		return s.number(float64(v))
	case time.Time:
		layout := s.DateLayout
		if layout == "" {
			layout = time.DateOnly
		}
		return v.Format(layout)
	}
	panic(fmt.Sprintf("uploadtest: cell of type %T", v))
}

// CSV writes t as CSV in s's delimiter, line ends and encoding.
func (t Table) CSV(s Style) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = s.Delimiter
	if w.Comma == 0 {
		w.Comma = ','
	}
	w.UseCRLF = s.CRLF
	if s.SepLine {
		fmt.Fprintf(&buf, "sep=%c", w.Comma)
		if s.CRLF {
			buf.WriteString("\r\n")
		} else {
			buf.WriteString("\n")
		}
	}
	for _, row := range t {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = s.text(v)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	switch s.Encoding {
	case "", UTF8:
		return buf.Bytes(), nil
	case UTF8BOM:
		return append([]byte{0xEF, 0xBB, 0xBF}, buf.Bytes()...), nil
	case Windows1252:
		return charmap.Windows1252.NewEncoder().Bytes(buf.Bytes())
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(buf.Bytes())
	}
	return nil, fmt.Errorf("uploadtest: unknown encoding %q", s.Encoding)
}

// XLSX writes t as a workbook: numbers as numbers, dates as date serials
// with a date format when s.SerialDates, else as text.
func (t Table) XLSX(s Style) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := s.Sheet
	if sheet == "" {
		sheet = "Blad1"
	}
	names := append(append([]string{}, s.SheetsFirst...), sheet)
	if err := f.SetSheetName("Sheet1", names[0]); err != nil {
		return nil, err
	}
	for _, n := range names[1:] {
		if _, err := f.NewSheet(n); err != nil {
			return nil, err
		}
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, row := range t {
		cells := make([]any, len(row))
		for j, v := range row {
			switch v := v.(type) {
			case Hours:
				cells[j] = float64(v)
			case Amount:
				cells[j] = int64(v)
			case time.Time:
				if s.SerialDates {
					cells[j] = excelize.Cell{StyleID: dateStyle, Value: excelSerial(v)}
				} else {
					cells[j] = s.text(v)
				}
			default:
				cells[j] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// excelSerial is a date as Excel's 1900 date system counts it.
func excelSerial(t time.Time) int64 {
	return int64(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}
