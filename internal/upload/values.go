package upload

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/stockholm/insyn/internal/dataset"
)

// codes normalizes one column's cells through a code list and remembers
// each distinct spelling: a file has a handful of distinct values in
// millions of rows, and CodeList.Normalize compares with every label.
type codes struct {
	list dataset.CodeList
	seen map[string]codeResult
}

type codeResult struct {
	code string
	err  string
}

func newCodes(l dataset.CodeList) *codes {
	return &codes{list: l, seen: map[string]codeResult{}}
}

// normalize returns the code of s, or why s is not one.
func (c *codes) normalize(s string) (code, err string) {
	if r, ok := c.seen[s]; ok {
		return r.code, r.err
	}
	var r codeResult
	if v, e := c.list.Normalize(s); e != nil {
		r.err = e.Error()
	} else {
		r.code = v
	}
	// The key may be a slice of a whole CSV record; keep only the cell.
	c.seen[strings.Clone(s)] = r
	return r.code, r.err
}

// subList returns the codes of l whose group is group (the insatser of one
// lagrum), under a name that says so in error messages.
func subList(l dataset.CodeList, name string, keep func(dataset.Code) bool) dataset.CodeList {
	out := dataset.CodeList{Name: name}
	for _, c := range l.Codes {
		if keep(c) {
			out.Codes = append(out.Codes, c)
		}
	}
	return out
}

// parseNumber reads a number as Swedish exports write it: a decimal comma
// or point, spaces (also no-break and thin spaces) between groups of three
// digits, a hyphen or typographic minus. XLSX raw values may carry an
// exponent ("1.5E-3"). NaN and infinities are not numbers here.
func parseNumber(s string) (float64, bool) {
	if v, ok := plainNumber(s); ok {
		return v, true
	}
	var buf [64]byte
	b := buf[:0]
	seps, group, groups := 0, 0, 0 // decimal separators; digits since the last group space; groups seen
	inFraction, inExponent := false, false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
			group++
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009':
			// A group separator follows one to three digits (the first
			// group) or exactly three.
			if inFraction || inExponent || group == 0 || group > 3 || (groups > 0 && group != 3) {
				return 0, false
			}
			groups++
			group = 0
		case r == ',' || r == '.':
			if groups > 0 && group != 3 {
				return 0, false
			}
			seps++
			inFraction = true
			b = append(b, '.')
		case r == '-' || r == '\u2212' || r == '+':
			prev := byte(0)
			if len(b) > 0 {
				prev = b[len(b)-1]
			}
			if i != 0 && prev != 'e' {
				return 0, false
			}
			if r == '\u2212' {
				r = '-'
			}
			b = append(b, byte(r))
		case (r == 'e' || r == 'E') && group > 0 && !inExponent:
			inExponent = true
			b = append(b, 'e')
		default:
			return 0, false
		}
		if len(b) >= len(buf) {
			return 0, false
		}
	}
	if seps > 1 || (groups > 0 && !inFraction && group != 3) {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// plainNumber is the common case of parseNumber without allocation: digits
// with at most one decimal separator.
func plainNumber(s string) (float64, bool) {
	// At most 15 digits, so that digits and scale are exact in a float64
	// and one division rounds correctly, as strconv.ParseFloat would.
	if s == "" || len(s) > 16 {
		return 0, false
	}
	var digits, scale int64 = 0, 1
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = digits*10 + int64(c-'0')
			if sep {
				scale *= 10
			}
		case (c == ',' || c == '.') && !sep && i > 0 && i < len(s)-1:
			sep = true
		default:
			return 0, false
		}
	}
	if len(s) == 16 && !sep {
		return 0, false
	}
	return float64(digits) / float64(scale), true
}

// maxExact is the largest whole number a float64 holds exactly.
const maxExact = 1 << 53

// parseWhole reads a whole number; "12 345,00" is a whole number, "12,5"
// is not (whole is false).
func parseWhole(s string) (n int64, isNumber, whole bool) {
	v, ok := parseNumber(s)
	if !ok {
		return 0, false, false
	}
	if v != math.Trunc(v) || math.Abs(v) > maxExact {
		return 0, true, false
	}
	return int64(v), true, true
}

// dateLayouts are the text forms of a date: ISO, with the time Excel adds
// when a date cell is exported ("2024-10-01 00:00"), or as an ISO instant.
var dateLayouts = []string{
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
}

// parseDate reads a date; serial accepts Excel date serials (numbers in
// XLSX cells formatted as dates), counted from 1900 or, in workbooks that
// say so, from 1904.
func parseDate(s string, serial, date1904 bool) (time.Time, bool) {
	// Every text form starts with the year; anything else can only be a
	// serial, and trying the layouts on it would cost an error each.
	if len(s) >= 10 && s[4] == '-' {
		if len(s) == 10 {
			return isoDate(s)
		}
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				y, m, d := t.Date()
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
			}
		}
		return time.Time{}, false
	}
	if !serial {
		return time.Time{}, false
	}
	v, ok := parseNumber(s)
	// 2958465 is 9999-12-31, the last day Excel knows.
	if !ok || v < 1 || v > 2958465 {
		return time.Time{}, false
	}
	days := int(math.Floor(v))
	if date1904 {
		return time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days), true
	}
	// Excel counts a 29 February 1900 that never was; serials from 61 on
	// are therefore days since 30 December 1899.
	if days < 61 {
		days++
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days), true
}

// isoDate parses YYYY-MM-DD without time.Parse, which the million-row
// benchmark showed as a hot spot; it rejects days a month does not have.
func isoDate(s string) (time.Time, bool) {
	if s[7] != '-' {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, m, d := num(s[:4]), num(s[5:7]), num(s[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// epochDay is a date as the lake stores it: days since 1970-01-01.
func epochDay(t time.Time) int32 { return int32(t.Unix() / 86400) }

// parseBool reads a yes/no cell. Blank is no: the case system leaves the
// court columns empty when no court has ruled.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "ja", "j", "1", "sant", "true", "x", "yes":
		return true, true
	case "nej", "n", "0", "falskt", "false", "no", "":
		return false, true
	}
	return false, false
}

var quarterCell = regexp.MustCompile(`^(?:((?:19|20)\d\d)[-_ ]*)?(?:kvartal|kv\.?|q)?[ ]*([1-4])(?:[-_ ]*((?:19|20)\d\d))?$`)

// parseQuarter reads a Kvartal cell: "2", "Q2", "Kv 2", "Kvartal 2", with
// an optional year before or after ("2024-Q2", "Kv 2 2024"); year is 0
// when the cell names none.
func parseQuarter(s string) (quarter, year int, ok bool) {
	m := quarterCell.FindStringSubmatch(strings.ToLower(s))
	if m == nil || (m[1] != "" && m[3] != "") {
		return 0, 0, false
	}
	quarter = int(m[2][0] - '0')
	if y := m[1] + m[3]; y != "" {
		year, _ = strconv.Atoi(y)
	}
	return quarter, year, true
}

// looksLikePersonnummer reports whether a person id is ten or twelve
// digits with nothing but separators between them: a personnummer, which
// must never reach the lake; uploads carry the case system's pseudonym.
// The id is compared after NFKC normalisation (full-width digits are
// digits), digits of any script count, and every dash form (hyphens,
// en and em dashes, minus signs, their small and full-width forms), "+",
// "_", ".", "/", spaces of any width and invisible formatting characters
// count as separators.
func looksLikePersonnummer(s string) bool {
	if !isASCII(s) {
		s = norm.NFKC.String(s)
	}
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', unicode.IsDigit(r):
			n++
		case isPersonnummerSeparator(r):
		default:
			return false
		}
	}
	return n == 10 || n == 12
}

func isPersonnummerSeparator(r rune) bool {
	switch r {
	case '-', '+', '_', '.', '/', '\u2212', '\u2012', '\ufe58', '\ufe63', '\uff0d':
		return true
	}
	return unicode.Is(unicode.Pd, r) || unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Cf, r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
