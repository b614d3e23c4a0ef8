package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
)

// Dialect is how a CSV file is written (the GraphQL enum CsvDialect).
type Dialect string

// The two CSV dialects. The cells are the same in both; only the syntax
// differs.
const (
	// DialectExcel is what Excel with Swedish regional settings opens by a
	// double click: UTF-8 with a byte order mark (without it Excel reads
	// Windows-1252 and garbles å, ä, ö), ";" between fields (Excel's list
	// separator where "," is the decimal sign), decimal comma, CRLF. The
	// metadata follow the data after one empty line, one line each, where
	// a printed table has its notes: lines above the header would break
	// every program that reads the header from the first line.
	DialectExcel Dialect = "EXCEL"
	// DialectRFC4180 is for programs: UTF-8 without a byte order mark, ","
	// between fields, decimal point, CRLF line ends (RFC 4180), and nothing
	// but the header row and the data rows. The metadata are in the
	// JSON-stat file the Link header names.
	DialectRFC4180 Dialect = "RFC4180"
)

// dialects lists the values of the dialect parameter, as URLs take them.
var dialects = []string{"excel", "rfc4180"}

// parseDialect reads the dialect parameter of a URL ("" is Excel's).
func parseDialect(s string) (Dialect, error) {
	switch strings.ToLower(s) {
	case "", "excel":
		return DialectExcel, nil
	case "rfc4180":
		return DialectRFC4180, nil
	}
	return "", badInput("dialect", dialects, "%q is not a CSV dialect", s)
}

// utf8BOM starts a file in the Excel dialect.
const utf8BOM = "\uFEFF"

// csvFile is a table as a CSV file shows it: a header row, data rows of
// as many fields, and (in the Excel dialect only) lines of metadata below.
type csvFile struct {
	header []string
	rows   [][]csvField
	footer []string
}

// csvField is one field of a data row: text (a label, a code, a mark) or
// a number, which the dialect writes with its decimal sign.
type csvField struct {
	text   string
	number float64
	isNum  bool
}

func textField(s string) csvField { return csvField{text: s} }

// figureField is a figure's field in the value column: the number when it
// is published, else the mark as the reports print it ("*", ".", "i.u").
// Numbers have no thousands separator, so that spreadsheets and programs
// read them as numbers.
func figureField(f figure) csvField {
	if !f.published() {
		return textField(f.display())
	}
	return csvField{number: f.value, isNum: true}
}

// format writes a field in a dialect.
func (f csvField) format(d Dialect) string {
	if !f.isNum {
		return f.text
	}
	s := strconv.FormatFloat(f.number, 'f', -1, 64)
	if d == DialectExcel {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// write renders the file in a dialect.
func (c *csvFile) write(d Dialect) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if d == DialectExcel {
		buf.WriteString(utf8BOM)
		w.Comma = ';'
	}
	if err := w.Write(c.header); err != nil {
		return nil, err
	}
	record := make([]string, len(c.header))
	for i, row := range c.rows {
		if len(row) != len(c.header) {
			return nil, fmt.Errorf("csv: row %d has %d fields, the header %d", i+1, len(row), len(c.header))
		}
		for j, f := range row {
			record[j] = f.format(d)
		}
		if err := w.Write(record); err != nil {
			return nil, err
		}
	}
	if d == DialectExcel && len(c.footer) > 0 {
		// One empty line, then a line per note (encoding/csv writes a
		// record of one empty field as an empty line).
		if err := w.Write([]string{""}); err != nil {
			return nil, err
		}
		for _, line := range c.footer {
			if err := w.Write([]string{line}); err != nil {
				return nil, err
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// headingSeparator joins the levels of a printed column heading into one
// header field: "2024 – Antal personer – Totalt".
const headingSeparator = " – "

// flatHeading is a printed column's heading as one line.
func flatHeading(levels []string) string { return strings.Join(levels, headingSeparator) }

// statusSuffix names the status column of a printed column.
const statusSuffix = " (status)"

// Names of the columns of a generic table's CSV.
const (
	csvPeriod      = "period"
	csvLabelSuffix = "_label"
	csvValue       = "value"
	csvStatus      = "status"
)

// reportCSV lays out a seed table as printed: the row heading and the
// printed columns, one line per printed row, with the label as printed
// (its footnote marker included); then one status column per printed
// column, in the same order, with the mark of each figure (PUBLISHED,
// SUPPRESSED, NOT_COMPUTABLE, NO_DATA). A position where the layout prints
// nothing is empty in both.
func reportCSV(ans *reportAnswer, meta openMeta) *csvFile {
	p := ans.printed
	c := &csvFile{header: []string{p.RowHeading}}
	for _, col := range p.Columns {
		c.header = append(c.header, flatHeading(col.Heading))
	}
	for _, col := range p.Columns {
		c.header = append(c.header, flatHeading(col.Heading)+statusSuffix)
	}
	for _, row := range ans.rows {
		fields := make([]csvField, 0, len(c.header))
		fields = append(fields, textField(row.label+row.marker))
		for _, cell := range row.cells {
			if cell == nil {
				fields = append(fields, textField(""))
				continue
			}
			fields = append(fields, figureField(cell.fig))
		}
		for _, cell := range row.cells {
			if cell == nil {
				fields = append(fields, textField(""))
				continue
			}
			fields = append(fields, textField(cell.fig.mark.String()))
		}
		c.rows = append(c.rows, fields)
	}
	c.footer = meta.footerLines()
	return c
}

// tableCSV lays out a generic table long: one line per cell, in the
// order of the GraphQL cells, with the period and each grouped
// dimension's code and label, the value and the mark.
func tableCSV(t *tableAnswer, meta openMeta) *csvFile {
	c := &csvFile{header: []string{csvPeriod, csvPeriod + csvLabelSuffix}}
	for _, d := range t.dims {
		c.header = append(c.header, d.name, d.name+csvLabelSuffix)
	}
	c.header = append(c.header, csvValue, csvStatus)
	for _, cell := range t.cells() {
		fields := []csvField{textField(cell.period.code()), textField(cell.period.label())}
		for _, co := range cell.coords {
			fields = append(fields, textField(co.code), textField(co.label))
		}
		fields = append(fields, figureField(cell.fig), textField(cell.fig.mark.String()))
		c.rows = append(c.rows, fields)
	}
	c.footer = meta.footerLines()
	return c
}
