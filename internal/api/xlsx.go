package api

import (
	"bytes"
	"fmt"
	"mime"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// contentTypeXLSX is the media type of an Office Open XML workbook.
const contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// xlsxSheet is the name of the one worksheet of a file (at most 31
// characters, as Excel allows).
const xlsxSheet = "Tabell"

// xlsx writes the file as a workbook of one sheet, with the same cells as
// the CSV file: the header row (bold, frozen), the data rows with numbers
// as numbers and the marks as printed ("*", ".", "i.u") as text, then,
// after one empty row, the metadata lines (title, source, notes, unit,
// versions, licence, status codes), one per row in the first column. The
// workbook's properties have the title and the licence.
func (c *csvFile) xlsx(title string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", xlsxSheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	// Whole numbers with a thousands separator, as the reports print them
	// (Excel shows the separator of the reader's locale).
	number, err := f.NewStyle(&excelize.Style{NumFmt: 3})
	if err != nil {
		return nil, err
	}
	right, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(xlsxSheet)
	if err != nil {
		return nil, err
	}
	// Column widths from the longest text of each column (header and
	// data), within bounds.
	widths := make([]int, len(c.header))
	for i, h := range c.header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range c.rows {
		for i, fld := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(fld.format(DialectRFC4180)))
			}
		}
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w+2, 8), 60))); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := make([]any, len(c.header))
	for i, h := range c.header {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	line := 2
	for i, row := range c.rows {
		if len(row) != len(c.header) {
			return nil, fmt.Errorf("xlsx: row %d has %d fields, the header %d", i+1, len(row), len(c.header))
		}
		cells := make([]any, len(row))
		for j, fld := range row {
			switch {
			case fld.isNum:
				cells[j] = excelize.Cell{StyleID: number, Value: fld.number}
			case isMark(fld.text):
				cells[j] = excelize.Cell{StyleID: right, Value: fld.text}
			default:
				cells[j] = fld.text
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
		line++
	}
	line++ // one empty row
	for _, text := range c.footer {
		cell, _ := excelize.CoordinatesToCellName(1, line)
		if err := sw.SetRow(cell, []any{text}); err != nil {
			return nil, err
		}
		line++
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: title, Creator: licensor + " (insyn)", Description: licenceName + ", " + licenceURL, Language: "sv-SE",
	}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isMark reports whether a value field's text is a printed mark.
func isMark(s string) bool {
	return s == markDisplay(markSuppressed) || s == markDisplay(markNotComputable) || s == markDisplay(markNoData)
}

// xlsxFileOf renders an open-data file as XLSX, with the headers that
// carry its metadata.
func xlsxFileOf(c *csvFile, meta openMeta, name string) (*openFile, error) {
	body, err := c.xlsx(meta.title)
	if err != nil {
		return nil, err
	}
	return &openFile{
		body: body, contentType: contentTypeXLSX,
		disposition: mime.FormatMediaType("attachment", map[string]string{"filename": name + ".xlsx"}),
		links: []string{
			"<" + meta.jsonStat + `>; rel="describedby"; type="application/json"`,
			"<" + meta.csv + `>; rel="alternate"; type="text/csv"`,
			"<" + licenceURL + `>; rel="license"`,
		},
	}, nil
}
