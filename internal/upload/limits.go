package upload

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits of an upload (schema/uploads.md, "Limits"). Each is checked
// before the work it bounds: the file's size before it is read, a
// workbook's sizes from its zip directory before anything is unpacked, and
// its rows, columns and cells while the XML is scanned once, before the
// workbook is opened. A file beyond a limit is refused (too_large) with a
// report that names the limit.
const (
	// MaxFileBytes bounds an upload as stored: a million rows of insatser
	// in the widest CSV dialect take about 130 MB.
	MaxFileBytes = 256 << 20
	// MaxUnzipped bounds what an XLSX file unpacks to, all parts together:
	// a workbook of 500 000 rows of insatser takes about 200 MiB.
	MaxUnzipped = 256 << 20
	// MaxZipEntries bounds the parts of a workbook (Excel writes about ten).
	MaxZipEntries = 1000
	// MaxRows bounds the rows of a file (an XLSX sheet has at most
	// 1 048 576, Excel's own limit).
	MaxRows = 4 << 20
	// MaxColumns bounds the columns of a row that hold a value: column IV.
	// The widest dataset has 11 columns.
	MaxColumns = 256
	// MaxCellBytes bounds one cell (and one header or title cell).
	MaxCellBytes = 4096
	// MaxSharedStrings bounds the distinct strings of a workbook.
	MaxSharedStrings = 2 << 20
)

// Limits of the zip and XML scan that no valid workbook comes near.
const (
	// maxInMemory bounds the parts excelize holds in memory: all but
	// worksheets and shared strings above streamedFrom (excelize's default
	// UnzipXMLSizeLimit), which it unpacks to temporary files.
	maxInMemory  = 64 << 20
	streamedFrom = 16 << 20
	// maxXMLRun bounds the bytes between two '<' of a part, so that no
	// XML token (a tag, a run of text) the scan decodes is larger.
	maxXMLRun = 64 << 10
	// maxXMLDepth bounds the nesting of elements.
	maxXMLDepth = 64
)

// limitError is a file beyond one of the limits above; its message names
// the limit.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

func tooLarge(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

// verifyZip checks a workbook's package before excelize opens it: the
// zip's directory against the limits, then every part read to its end
// through archive/zip, so that a part whose data does not match its
// declared size or CRC-32 is refused (excelize ignores both and would read
// a part cut short), and every XML part scanned for its well-formedness
// and for the rows, columns and cells it holds. It costs one pass of
// decompression and XML tokenizing, bounded by MaxUnzipped.
func verifyZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	if len(zr.File) > MaxZipEntries {
		return tooLarge("the workbook has %d parts; the limit is %d", len(zr.File), MaxZipEntries)
	}
	var total, inMemory uint64
	names := map[string]bool{}
	for _, f := range zr.File {
		// excelize looks parts up with / for \ and some without case.
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if names[name] {
			return fmt.Errorf("the part %q is in the package twice", f.Name)
		}
		names[name] = true
		size := f.UncompressedSize64
		total += size
		streamed := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		if !streamed && size > streamedFrom {
			// excelize decodes such a part (styles, the workbook) into
			// structs several times its size.
			return tooLarge("the part %q unpacks to %d MiB; parts other than worksheets and shared strings may have at most %d MiB", f.Name, size>>20, streamedFrom>>20)
		}
		if !streamed || size <= streamedFrom {
			inMemory += size
		}
		if total > MaxUnzipped || size > MaxUnzipped {
			return tooLarge("the workbook unpacks to more than %d MiB; the limit is %d MiB (MaxUnzipped)", total>>20, MaxUnzipped>>20)
		}
	}
	if inMemory > maxInMemory {
		return tooLarge("the workbook's parts other than worksheets take %d MiB; the limit is %d MiB", inMemory>>20, maxInMemory>>20)
	}
	for _, f := range zr.File {
		if err := verifyPart(f); err != nil {
			return err
		}
	}
	return nil
}

// verifyPart reads one part to its end: exactly its declared size, with
// the CRC-32 it declares; an XML part is scanned on the way.
func verifyPart(f *zip.File) error {
	if f.FileInfo().IsDir() {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("the part %q cannot be unpacked (%w)", f.Name, err)
	}
	defer rc.Close()
	// One byte more than declared shows a part larger than it says.
	cr := &countReader{r: io.LimitReader(rc, int64(f.UncompressedSize64)+1)}
	var br bufReader
	br.reset(cr)
	if isXML(&br) {
		err = scanXML(&br, f.Name)
	} else {
		_, err = io.Copy(io.Discard, &br)
	}
	if err == nil {
		// Drain what the scan did not read, so that the size and the
		// CRC-32 are checked at the end.
		_, err = io.Copy(io.Discard, &br)
	}
	var le *limitError
	switch {
	case errors.As(err, &le):
		return err
	case errors.Is(err, zip.ErrChecksum):
		return fmt.Errorf("the part %q does not match its CRC-32: the file is damaged", f.Name)
	case errors.Is(err, zip.ErrFormat) || cr.n > f.UncompressedSize64:
		return fmt.Errorf("the part %q holds more than the %d bytes it declares: the file is damaged or forged", f.Name, f.UncompressedSize64)
	case errors.Is(err, io.ErrUnexpectedEOF) && cr.n < f.UncompressedSize64:
		return fmt.Errorf("the part %q holds %d of the %d bytes it declares: the file is damaged", f.Name, cr.n, f.UncompressedSize64)
	case err != nil:
		return fmt.Errorf("the part %q: %w", f.Name, err)
	}
	return nil
}

type countReader struct {
	r io.Reader
	n uint64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	return n, err
}

// bufReader is a small read-ahead buffer that lets isXML peek.
type bufReader struct {
	r   io.Reader
	buf []byte
	err error
}

func (b *bufReader) reset(r io.Reader) { b.r, b.buf, b.err = r, nil, nil }

func (b *bufReader) peek(n int) []byte {
	for len(b.buf) < n && b.err == nil {
		p := make([]byte, n-len(b.buf))
		k, err := b.r.Read(p)
		b.buf = append(b.buf, p[:k]...)
		b.err = err
	}
	return b.buf[:min(n, len(b.buf))]
}

func (b *bufReader) Read(p []byte) (int, error) {
	if len(b.buf) > 0 {
		n := copy(p, b.buf)
		b.buf = b.buf[n:]
		return n, nil
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.r.Read(p)
}

// isXML sniffs a part: XML starts with '<' after an optional byte order
// mark and white space. excelize decodes every part it reads as XML, so a
// part that does not start so is never a worksheet or string table.
func isXML(b *bufReader) bool {
	head := b.peek(64)
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '<'
}

// xmlGuard passes XML through and refuses, before the decoder buffers
// them, tokens larger than maxXMLRun (it counts the bytes between two
// '<', and no tag or text spans one) and the constructs whose tokens a
// '<' does not end: comments, CDATA sections, DOCTYPE declarations, and
// processing instructions after the XML declaration. Excel writes none of
// them.
type xmlGuard struct {
	r      io.Reader
	name   string
	run    int
	afterL bool // the last byte was '<'
	tags   int  // '<' seen
}

func (g *xmlGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		if g.afterL {
			g.afterL = false
			if c == '!' || (c == '?' && g.tags > 1) {
				return 0, fmt.Errorf("the part %q holds a comment, CDATA section, DOCTYPE or processing instruction, which a workbook does not", g.name)
			}
		}
		if c == '<' {
			g.run, g.afterL = 0, true
			g.tags++
			continue
		}
		if g.run++; g.run > maxXMLRun {
			return 0, tooLarge("the part %q has a tag or text of more than %d KiB", g.name, maxXMLRun>>10)
		}
	}
	return n, err
}

// scanXML reads one XML part to its end and checks that it is
// well-formed, and the limits on rows, columns, cells and strings. Like
// excelize, it takes any element named row for a row, any c inside a row
// for a cell and any si for a shared string, however deep: a part cannot
// hide one from the scan by nesting it.
func scanXML(r io.Reader, name string) error {
	d := xml.NewDecoder(&xmlGuard{r: r, name: name})
	var (
		stack      []string
		rows, sst  int
		inRow      int // open row elements
		col, last  int // the current cell's column, the row's last
		cellRef    string
		cellDepth  int // depth of the open cell, 0 outside one
		siDepth    int // depth of the open shared string, 0 outside one
		text       int // bytes of text in the open cell or string
		hasContent bool
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return fmt.Errorf("the part %q ends inside <%s>: the file is cut short", name, stack[len(stack)-1])
			}
			return nil
		}
		if err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return err
			}
			return fmt.Errorf("the part %q is not well-formed XML (%w)", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == maxXMLDepth {
				return tooLarge("the part %q nests elements more than %d deep", name, maxXMLDepth)
			}
			stack = append(stack, t.Name.Local)
			switch local := t.Name.Local; {
			case local == "row":
				if rows++; rows > excelRows {
					return tooLarge("a worksheet has more than %d rows (Excel's own limit)", excelRows)
				}
				inRow++
				last = 0
			case local == "c" && inRow > 0 && cellDepth == 0:
				cellDepth, hasContent, text = len(stack), false, 0
				col, cellRef = last+1, ""
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						cellRef = a.Value
						if c, ok := columnOf(a.Value); ok {
							col = c
						}
					}
				}
				last = col
			case local == "si" && siDepth == 0:
				if sst++; sst > MaxSharedStrings {
					return tooLarge("the workbook has more than %d distinct strings (MaxSharedStrings)", MaxSharedStrings)
				}
				siDepth, text = len(stack), 0
			case cellDepth > 0 && (local == "f" || local == "v" || local == "is"):
				hasContent = true
			}
		case xml.EndElement:
			switch len(stack) {
			case cellDepth:
				cellDepth = 0
				if hasContent && col > MaxColumns {
					return tooLarge("the cell %s holds a value in column %d; the limit is %d columns (MaxColumns, column %s)", cellOr(cellRef, col), col, MaxColumns, columnName(MaxColumns))
				}
			case siDepth:
				siDepth = 0
			}
			if t.Name.Local == "row" && inRow > 0 {
				inRow--
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if cellDepth > 0 || siDepth > 0 {
				if text += len(t); text > MaxCellBytes {
					if siDepth > 0 {
						return tooLarge("shared string %d of the workbook has more than %d bytes; the limit for a cell is %d bytes (MaxCellBytes)", sst, MaxCellBytes, MaxCellBytes)
					}
					return tooLarge("the cell %s has more than %d bytes; the limit is %d bytes (MaxCellBytes)", cellOr(cellRef, col), MaxCellBytes, MaxCellBytes)
				}
			}
		}
	}
}

func cellOr(ref string, col int) string {
	if ref != "" && len(ref) <= 16 {
		return ref
	}
	return "in column " + strconv.Itoa(col)
}

// columnOf returns the column number of a cell reference such as "XFD7".
func columnOf(ref string) (int, bool) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			return col, i > 0
		}
		if col > 1<<20 {
			return col, true
		}
	}
	return col, i > 0
}

// columnName is the letters of column n (1 is A).
func columnName(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('A'+n%26)) + s
		n /= 26
	}
	return s
}
