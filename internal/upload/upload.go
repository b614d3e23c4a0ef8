// Package upload reads the tables staff export from the case and finance
// systems (CSV or XLSX) and turns them into microdata rows of the lake
// (internal/lake/vparquet1), validating every row on the way. The contract
// it implements is schema/uploads.md.
//
// A file is all or nothing: Read returns either every row of a file or a
// *Report that lists what is wrong with it, never the good rows of a bad
// file, so that a half-corrected export is never half published. The
// package is pure Go and knows nothing of S3: the caller hands it the
// object's key and bytes.
package upload

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// Dataset names a microdata dataset that arrives as uploads; the names are
// those of the lake (schema/datasets.md) and of the upload folders.
type Dataset string

// The datasets staff upload: microdata (one row per decision, person or
// recipient) and aggregates delivered by others (one row per category).
const (
	Insatser      Dataset = "insatser"
	Beslut        Dataset = "beslut"
	EjVerkstallda Dataset = "ej_verkstallda"
	KBF           Dataset = "kbf"
	// Lov is the number of providers with a LOV contract per insats
	// category (table 9:21).
	Lov Dataset = "lov"
	// Befolkning is the number of inhabitants per district on 31 December
	// (SCB), the denominator of rates per 10 000 invånare.
	Befolkning Dataset = "befolkning"
	// SFB is the number of persons with assistansersättning per kön in
	// December (Försäkringskassan).
	SFB Dataset = "sfb"
)

// Datasets are the upload datasets in the order of schema/uploads.md.
var Datasets = []Dataset{Insatser, Beslut, EjVerkstallda, KBF, Lov, Befolkning, SFB}

// Aggregate reports whether d arrives as counts per category rather than
// as microdata.
func (d Dataset) Aggregate() bool { return d == Lov || d == Befolkning || d == SFB }

func datasetNamed(s string) (Dataset, bool) {
	for _, d := range Datasets {
		if string(d) == s {
			return d, true
		}
	}
	return "", false
}

// Period is what one upload covers: a year, or for ej_verkstallda also a
// single quarter (Quarter 1–4; 0 means the whole year).
type Period struct {
	Year    int
	Quarter int
}

// String gives the period as its upload folder names it: "2024" or
// "2024-Q2".
func (p Period) String() string {
	if p.Quarter == 0 {
		return strconv.Itoa(p.Year)
	}
	return fmt.Sprintf("%d-Q%d", p.Year, p.Quarter)
}

// ParsePeriod reads a period folder name: "2024" or "2024-Q2" (the Q in
// either case).
func ParsePeriod(s string) (Period, error) {
	m := periodFolder.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("%q is not a period; write a year (2024) or a year and quarter (2024-Q2)", s)
	}
	p := Period{}
	p.Year, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		p.Quarter, _ = strconv.Atoi(m[2])
	}
	return p, nil
}

var periodFolder = regexp.MustCompile(`^((?:19|20)\d\d)(?:-[Qq]([1-4]))?$`)

// periodInName finds a period in a file name that is not under a period
// folder, e.g. "insatser_2024.csv" or "ej verkställda 2024 kv2.xlsx".
var periodInName = regexp.MustCompile(`(?i)(?:^|[^0-9])((?:19|20)\d\d)(?:[-_ ]?(?:q|kv)[-_ ]?([1-4]))?(?:[^0-9]|$)`)

// first and last return the first and last day of the period.
func (p Period) first() time.Time {
	if p.Quarter == 0 {
		return time.Date(p.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(p.Year, time.Month(3*p.Quarter-2), 1, 0, 0, 0, 0, time.UTC)
}

func (p Period) last() time.Time {
	if p.Quarter == 0 {
		return time.Date(p.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	return p.first().AddDate(0, 3, -1)
}

// Format is the file format of an upload.
type Format string

// The accepted formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Dialect says how an upload was read, as detected; reports carry it so
// that staff can see when a file was read in a way they did not mean.
type Dialect struct {
	Format Format `json:"format"`
	// Encoding of a CSV file: "UTF-8", "UTF-8 with BOM", "Windows-1252",
	// "UTF-16LE" or "UTF-16BE".
	Encoding string `json:"encoding,omitempty"`
	// Delimiter of a CSV file: ";", "," or "\t".
	Delimiter string `json:"delimiter,omitempty"`
	// LineEnding of a CSV file: "CRLF", "LF" or "CR".
	LineEnding string `json:"line_ending,omitempty"`
	// Sheet is the worksheet an XLSX file was read from.
	Sheet string `json:"sheet,omitempty"`
	// HeaderRow is the row (1-based, as a spreadsheet shows it) of the
	// column names; rows above it are titles and are ignored.
	HeaderRow int `json:"header_row,omitempty"`
}

func (d Dialect) String() string {
	parts := []string{strings.ToUpper(string(d.Format))}
	if d.Encoding != "" {
		parts = append(parts, d.Encoding)
	}
	if d.Delimiter != "" {
		parts = append(parts, strconv.Quote(d.Delimiter)+"-separated")
	}
	if d.LineEnding != "" {
		parts = append(parts, d.LineEnding)
	}
	if d.Sheet != "" {
		parts = append(parts, "sheet "+strconv.Quote(d.Sheet))
	}
	if d.HeaderRow > 0 {
		parts = append(parts, fmt.Sprintf("header in row %d", d.HeaderRow))
	}
	return strings.Join(parts, ", ")
}

// File is one valid upload: its rows as lake microdata, in file order. Only
// the slice of its dataset is set.
type File struct {
	Name    string
	Dataset Dataset
	Period  Period
	Dialect Dialect

	Insatser      []v1.Insats
	Beslut        []v1.Beslut
	EjVerkstallda []v1.EjVerkstallt
	KBF           []v1.KBF

	// The aggregates: one cell per category of the code list, the rows of
	// former districts added up into their district.
	Lov        []v1.LovCell
	Befolkning []v1.BefolkningCell
	SFB        []v1.SFBCell
}

// Len returns the number of rows (of an aggregate: of cells).
func (f *File) Len() int {
	return len(f.Insatser) + len(f.Beslut) + len(f.EjVerkstallda) + len(f.KBF) +
		len(f.Lov) + len(f.Befolkning) + len(f.SFB)
}

// Read reads and validates one upload. key is the object key or file name;
// it names the dataset and period when it follows the convention
// <…>/<dataset>/<period>/<name>.csv|xlsx (see schema/uploads.md), and its
// extension the format. Read returns the file's rows, or a *Report as the
// error when anything is wrong, with every problem it found; it never
// returns both.
func Read(key string, data []byte) (*File, error) { return ReadIn(key, data, dataset.Stockholm) }

// ReadIn is Read for a lake whose nämnd codes are those of geo (the
// geography its manifest names).
func ReadIn(key string, data []byte, geo dataset.Geography) (*File, error) {
	rd := &reader{rep: &Report{File: key}, key: key, geo: geo}
	f := rd.read(data)
	if len(rd.rep.Problems) > 0 {
		return nil, rd.rep
	}
	return f, nil
}

// AsReport returns the report inside err, if err came from Read.
func AsReport(err error) (*Report, bool) {
	var r *Report
	ok := errors.As(err, &r)
	return r, ok
}

// target is what the key says about a file.
type target struct {
	dataset   Dataset
	period    Period
	hasPeriod bool
}

// parseKey reads <…>/<dataset>/<period>/<name> or <…>/<dataset>/<name>;
// other keys say nothing. A period folder under a dataset folder that is
// not a period is a problem, not silence: staff meant something.
func (rd *reader) parseKey() (target, bool) {
	segs := strings.Split(strings.ReplaceAll(rd.key, `\`, "/"), "/")
	n := len(segs)
	t := target{}
	if n >= 3 {
		if d, ok := datasetNamed(segs[n-3]); ok {
			t.dataset = d
			p, err := ParsePeriod(segs[n-2])
			if err != nil {
				rd.rep.add(Problem{Reason: ReasonWrongPeriod, Value: segs[n-2],
					Message: fmt.Sprintf("the folder %s", err)})
				return t, false
			}
			t.period, t.hasPeriod = p, true
			return t, true
		}
	}
	if n >= 2 {
		if d, ok := datasetNamed(segs[n-2]); ok {
			t.dataset = d
		}
	}
	if m := periodInName.FindStringSubmatch(path.Base(segs[n-1])); m != nil {
		t.period.Year, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			t.period.Quarter, _ = strconv.Atoi(m[2])
		}
		t.hasPeriod = true
	}
	return t, true
}

// formatOf decides the format by the key's extension, or by the content
// when the extension says nothing.
func formatOf(key string, data []byte) Format {
	switch strings.ToLower(path.Ext(key)) {
	case ".xlsx", ".xlsm":
		return XLSX
	case ".csv", ".txt", ".tsv":
		return CSV
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return XLSX
	}
	return CSV
}

// oleMagic starts legacy .xls files and encrypted (password-protected)
// .xlsx files alike; neither can be read.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
