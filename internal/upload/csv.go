package upload

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// source yields the rows of a sheet or CSV file: the cells and the row's
// number as a spreadsheet shows it. It returns io.EOF after the last row.
// The cells may be reused by the next call.
type source interface {
	next() (cells []string, row int, err error)
}

// csvSource reads records with encoding/csv and numbers them as a
// spreadsheet would show them.
type csvSource struct {
	r *csv.Reader
	// extra counts the line breaks inside quoted fields read so far: a
	// record spanning three lines is one spreadsheet row. encoding/csv
	// skips blank lines but counts them, so blank rows keep their numbers.
	extra int
	// skip is 1 when a "sep=;" line (which Excel does not show as a row)
	// opens the file.
	skip int
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.r.Read()
	if err != nil {
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return nil, pe.StartLine - s.extra - s.skip, err
		}
		return nil, 0, err
	}
	line, _ := s.r.FieldPos(0)
	row := line - s.extra - s.skip
	last := len(rec) - 1
	lastLine, _ := s.r.FieldPos(last)
	s.extra += lastLine - line + strings.Count(rec[last], "\n")
	return rec, row, nil
}

// openCSV decodes data, detects its dialect and returns its rows. Problems
// that make the file unreadable are added to the report (and src is nil).
func (rd *reader) openCSV(data []byte) source {
	text, stream, ok := rd.decode(data)
	if !ok {
		return nil
	}
	// The dialect is told by the first rows: the delimiter is the one
	// under which a row names the most known columns.
	head := text
	if i := nthIndexByte(head, '\n', headerSearchRows+1); i >= 0 {
		head = head[:i]
	}
	skip := 0
	if m := sepLine(head); m != 0 {
		rd.dialect.Delimiter = string(m)
		skip = 1
	} else {
		rd.dialect.Delimiter = string(detectDelimiter(head))
	}
	r := csv.NewReader(stream)
	r.Comma = rune(rd.dialect.Delimiter[0])
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	// LazyQuotes stays off: a stray quote in an export means a broken
	// file, and lazy parsing would silently glue cells together.
	src := &csvSource{r: r, skip: skip}
	if skip == 1 {
		if _, _, err := src.next(); err != nil {
			rd.rep.add(Problem{Row: 1, Reason: ReasonUnreadable, Message: fmt.Sprintf("cannot read the sep= line: %v", err)})
			return nil
		}
	}
	return src
}

// decode finds the encoding and line ending: a BOM says UTF-8 or UTF-16;
// without one, valid UTF-8 is UTF-8 and anything else Windows-1252 (what
// Excel writes as "CSV (semikolonavgränsad)" on Swedish Windows). It
// returns the start of the text as UTF-8 (for dialect detection) and the
// whole text as a stream, so that a large Windows-1252 file is transcoded
// while it is parsed rather than copied.
func (rd *reader) decode(data []byte) (head []byte, text io.Reader, ok bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		rd.dialect.Encoding = "UTF-8 with BOM"
		data = data[3:]
		if i := invalidUTF8(data); i >= 0 {
			rd.rep.add(Problem{Row: lineOf(data, i), Reason: ReasonUnreadable, Value: fmt.Sprintf("0x%02X", data[i]),
				Message: fmt.Sprintf("byte 0x%02X is not UTF-8, though the file starts with a UTF-8 byte order mark; save it again as CSV UTF-8", data[i])})
			return nil, nil, false
		}
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order, name := unicode.LittleEndian, "UTF-16LE"
		if data[0] == 0xFE {
			order, name = unicode.BigEndian, "UTF-16BE"
		}
		rd.dialect.Encoding = name
		u, err := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			rd.rep.add(Problem{Reason: ReasonUnreadable, Message: fmt.Sprintf("cannot decode %s: %v", name, err)})
			return nil, nil, false
		}
		data = u
	case utf8.Valid(data):
		rd.dialect.Encoding = "UTF-8"
	default:
		rd.dialect.Encoding = "Windows-1252"
	}
	switch {
	case bytes.Contains(data, []byte("\r\n")):
		rd.dialect.LineEnding = "CRLF"
	case bytes.IndexByte(data, '\r') >= 0:
		// Old Mac line ends, which encoding/csv does not know.
		rd.dialect.LineEnding = "CR"
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	default:
		rd.dialect.LineEnding = "LF"
	}
	if line, n := longLine(data, maxLineBytes); line > 0 {
		rd.rep.add(Problem{Row: line, Reason: ReasonTooLarge,
			Message: fmt.Sprintf("line %d has more than %d KiB; the limit is %d columns of %d bytes (MaxColumns, MaxCellBytes)", line, n>>10, MaxColumns, MaxCellBytes)})
		return nil, nil, false
	}
	if rd.dialect.Encoding != "Windows-1252" {
		return data, bytes.NewReader(data), true
	}
	headEnd := min(len(data), 1<<20)
	if i := nthIndexByte(data[:headEnd], '\n', headerSearchRows+1); i >= 0 {
		headEnd = i
	}
	head, _ = charmap.Windows1252.NewDecoder().Bytes(data[:headEnd])
	return head, transform.NewReader(bytes.NewReader(data), charmap.Windows1252.NewDecoder()), true
}

// maxLineBytes bounds a line of a CSV file: MaxColumns cells of
// MaxCellBytes, quoted with every quote doubled. It is checked before the
// file is parsed, so that no record the parser holds is larger.
const maxLineBytes = MaxColumns * (2*MaxCellBytes + 3)

// longLine returns the 1-based number and length of the first line of b
// longer than limit, or 0.
func longLine(b []byte, limit int) (line, n int) {
	for line = 1; len(b) > 0; line++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b)
		}
		if i > limit {
			return line, i
		}
		b = b[min(i+1, len(b)):]
	}
	return 0, 0
}

// invalidUTF8 returns the offset of the first byte that is not UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// lineOf is the 1-based line of offset i.
func lineOf(b []byte, i int) int { return bytes.Count(b[:i], []byte("\n")) + 1 }

// nthIndexByte returns the offset of the n-th c in b, or -1.
func nthIndexByte(b []byte, c byte, n int) int {
	off := 0
	for k := 0; k < n; k++ {
		i := bytes.IndexByte(b[off:], c)
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off - 1
}

// sepLine returns the delimiter a first line "sep=;" declares (Excel
// writes and honours it), or 0.
func sepLine(head []byte) rune {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(line) == 5 && bytes.EqualFold(line[:4], []byte("sep=")) && bytes.IndexByte([]byte(";,\t|"), line[4]) >= 0 {
		return rune(line[4])
	}
	return 0
}

// delimiters are tried in this order; a tie goes to the earlier one, and
// Swedish Excel writes semicolons.
var delimiters = []rune{';', ',', '\t'}

// detectDelimiter returns the delimiter under which one of the first rows
// names the most known columns; when no row names any, the delimiter that
// occurs most often in the first line, so that the report can at least say
// what the header looks like.
func detectDelimiter(head []byte) rune {
	best, bestScore := rune(0), 0
	for _, d := range delimiters {
		r := csv.NewReader(bytes.NewReader(head))
		r.Comma = d
		r.FieldsPerRecord = -1
		for range headerSearchRows {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if n := knownColumns(rec); n > bestScore {
				best, bestScore = d, n
			}
		}
	}
	if best != 0 {
		return best
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	best, most := delimiters[0], 0
	for _, d := range delimiters {
		if n := bytes.Count(line, []byte(string(d))); n > most {
			best, most = d, n
		}
	}
	return best
}
