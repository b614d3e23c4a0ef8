package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// xlsxSource reads one worksheet row by row (excelize streams it, so a
// large sheet is not held as a [][]string).
type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	n    int
}

func (s *xlsxSource) next() (cells []string, row int, err error) {
	// excelize parses untrusted XML; a panic in it must become a rejected
	// file, not a crashed ingest.
	defer recoverAs(&err)
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	// Next is called once per row number, empty rows included, so
	// counting the calls numbers the rows as Excel does.
	s.n++
	cells, err = s.rows.Columns(excelize.Options{RawCellValue: true})
	return cells, s.n, err
}

func (s *xlsxSource) close() {
	// Both only remove temporary files; their errors change nothing here.
	if s.rows != nil {
		_ = s.rows.Close()
	}
	_ = s.f.Close()
}

// openXLSX opens the worksheet of an upload: one named like the dataset
// (as the key says, or any dataset when the key says none), else the
// first. Cells are read raw, so dates arrive as Excel serials and numbers
// unformatted.
func (rd *reader) openXLSX(data []byte, want Dataset) (src *xlsxSource) {
	var err error
	defer func() {
		var le *limitError
		switch {
		case errors.As(err, &le):
			rd.rep.add(Problem{Reason: ReasonTooLarge, Message: fmt.Sprintf("the workbook is beyond the limits of an upload: %v; remove what is beyond them, or check that it is the export you meant", err)})
		case err != nil:
			rd.rep.add(Problem{Reason: ReasonUnreadable, Message: fmt.Sprintf("cannot read the workbook: %v; save it again as .xlsx (Excel-arbetsbok) or as CSV", err)})
		}
		if err != nil {
			if src != nil {
				src.close()
			}
			src = nil
		}
	}()
	defer recoverAs(&err)
	// The package is verified before excelize sees it: excelize reads a
	// part only up to its declared size, ignoring its CRC-32, and reads
	// every part but the worksheets into memory.
	if err = verifyZip(data); err != nil {
		return nil
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: streamedFrom})
	if err != nil {
		return nil
	}
	src = &xlsxSource{f: f}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		err = fmt.Errorf("it has no worksheet")
		return src
	}
	sheet := sheets[0]
	candidates := Datasets
	if want != "" {
		candidates = []Dataset{want}
	}
pick:
	for _, s := range sheets {
		for _, d := range candidates {
			for _, name := range specs[d].sheetNames {
				if foldHeader(s) == name {
					sheet = s
					break pick
				}
			}
		}
	}
	rd.dialect.Sheet = sheet
	props, err := f.GetWorkbookProps()
	if err != nil {
		return src
	}
	rd.date1904 = props.Date1904 != nil && *props.Date1904
	src.rows, err = f.Rows(sheet)
	return src
}

// recoverAs turns a panic into *err.
func recoverAs(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%v", r)
	}
}
