package upload

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxUnzipped bounds what an XLSX file may unpack to. Excel's own limit of
// 1 048 576 rows of our widest dataset stays well below it; a zip bomb
// does not.
const maxUnzipped = 1 << 30

// Parts excelize reads into memory it allocates at their declared size up
// front, so a forged size in a zip header of a few kilobytes would cost a
// gigabyte. Worksheets and shared strings above streamedFrom (excelize's
// default UnzipXMLSizeLimit) go through temporary files instead; the rest
// must fit maxInMemory together.
const (
	streamedFrom = 16 << 20
	maxInMemory  = 256 << 20
)

// checkZip bounds what opening the workbook costs, from the zip's central
// directory alone.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var total, inMemory uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		streamed := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		if !streamed || size <= streamedFrom {
			inMemory += size
		}
	}
	if total > maxUnzipped || inMemory > maxInMemory {
		return fmt.Errorf("it would unpack to %d MiB (%d MiB in memory); the limits are %d and %d MiB",
			total>>20, inMemory>>20, maxUnzipped>>20, maxInMemory>>20)
	}
	return nil
}

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
		if err != nil {
			rd.rep.add(Problem{Reason: ReasonUnreadable, Message: fmt.Sprintf("cannot read the workbook: %v; save it again as .xlsx (Excel-arbetsbok) or as CSV", err)})
			if src != nil {
				src.close()
			}
			src = nil
		}
	}()
	defer recoverAs(&err)
	if err = checkZip(data); err != nil {
		return nil
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped})
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
