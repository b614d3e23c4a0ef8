package upload

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12", 12, true},
		{"12,5", 12.5, true},
		{"12.5", 12.5, true},
		{"0,1", 0.1, true},
		{".5", 0.5, true},
		{"12 345", 12345, true},
		{"12\u00a0345,50", 12345.5, true},
		{"1\u202f234\u202f567", 1234567, true},
		{"-1 200,00", -1200, true},
		{"\u22125", -5, true},
		{"+7", 7, true},
		{"1.5E-3", 0.0015, true},
		{"45566.5416666667", 45566.5416666667, true},
		{"1 2", 0, false},       // a group of one digit after the first
		{"12 34", 0, false},     // a group of two
		{"1234 567", 0, false},  // a first group of four
		{"1 234,5 6", 0, false}, // a space in the fraction
		{"1,234.5", 0, false},   // both separators
		{"1.234,5", 0, false},
		{"1,2,3", 0, false},
		{"12 tim", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"0x1p3", 0, false},
		{"1e999", 0, false},
		{"5-", 0, false},
		{"", 0, false},
		{",", 0, false},
		{"1_000", 0, false},
	} {
		got, ok := parseNumber(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPlainNumberAgreesWithParseFloat(t *testing.T) {
	for _, s := range []string{"12.3", "0.1", "38.0", "1234567.891", "999999999999999", "7.25"} {
		fast, ok := plainNumber(s)
		if !ok {
			t.Fatalf("plainNumber(%q) refused", s)
		}
		slow, _ := parseNumber("+" + s) // the sign forces the general path
		if fast != slow {
			t.Errorf("plainNumber(%q) = %v, the general path %v", s, fast, slow)
		}
	}
}

func TestParseWhole(t *testing.T) {
	for _, tc := range []struct {
		in              string
		n               int64
		isNumber, whole bool
	}{
		{"5 564,00", 5564, true, true},
		{"34", 34, true, true},
		{"52,5", 0, true, false},
		{"fyrtio", 0, false, false},
		{"1e20", 0, true, false}, // beyond what a float64 holds exactly
	} {
		n, isNumber, whole := parseWhole(tc.in)
		if n != tc.n || isNumber != tc.isNumber || whole != tc.whole {
			t.Errorf("parseWhole(%q) = %d, %v, %v; want %d, %v, %v", tc.in, n, isNumber, whole, tc.n, tc.isNumber, tc.whole)
		}
	}
}

func TestParseDate(t *testing.T) {
	oct1 := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in               string
		serial, date1904 bool
		want             time.Time
		ok               bool
	}{
		{"2024-10-01", false, false, oct1, true},
		{"2024-10-01 00:00", false, false, oct1, true},
		{"2024-10-01 13:45:10", false, false, oct1, true},
		{"2024-10-01T00:00:00Z", false, false, oct1, true},
		{"2024-10-01T00:00:00.000+02:00", false, false, oct1, true},
		{"45566", true, false, oct1, true},    // Excel's serial for 2024-10-01
		{"45566.75", true, false, oct1, true}, // a time of day is dropped
		{"44104", true, true, oct1, true},     // the 1904 system
		{"45566", false, false, oct1, false},  // serials only in XLSX
		{"1", true, false, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"59", true, false, time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC), true},
		{"61", true, false, time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), true}, // Excel's 60 is a 29 February 1900 that never was
		{"2024-02-30", false, false, time.Time{}, false},
		{"2024-13-01", false, false, time.Time{}, false},
		{"1 okt 2024", true, false, time.Time{}, false},
		{"01/10/2024", true, false, time.Time{}, false},
		{"0", true, false, time.Time{}, false},
		{"3000000", true, false, time.Time{}, false},
		{"", true, false, time.Time{}, false},
	} {
		got, ok := parseDate(tc.in, tc.serial, tc.date1904)
		if ok != tc.ok || (ok && !got.Equal(tc.want)) {
			t.Errorf("parseDate(%q, serial %v, 1904 %v) = %v, %v; want %v, %v", tc.in, tc.serial, tc.date1904, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEpochDay(t *testing.T) {
	d := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	if got := epochDay(d); got != 19997 {
		t.Errorf("epochDay(2024-10-01) = %d, want 19997 (as internal/synth writes it)", got)
	}
}

func TestParseQuarter(t *testing.T) {
	for _, tc := range []struct {
		in            string
		quarter, year int
		ok            bool
	}{
		{"2", 2, 0, true},
		{"Q2", 2, 0, true},
		{"kv 3", 3, 0, true},
		{"Kv.4", 4, 0, true},
		{"Kvartal 1", 1, 0, true},
		{"2024-Q2", 2, 2024, true},
		{"Kv 2 2024", 2, 2024, true},
		{"2024 kv 2", 2, 2024, true},
		{"5", 0, 0, false},
		{"Q0", 0, 0, false},
		{"2024-Q2 2024", 0, 0, false},
		{"andra", 0, 0, false},
	} {
		q, y, ok := parseQuarter(tc.in)
		if q != tc.quarter || y != tc.year || ok != tc.ok {
			t.Errorf("parseQuarter(%q) = %d, %d, %v; want %d, %d, %v", tc.in, q, y, ok, tc.quarter, tc.year, tc.ok)
		}
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"Ja": true, "J": true, "1": true, "SANT": true, "x": true, "Nej": false, "n": false, "0": false, "": false, "Falskt": false} {
		if got, ok := parseBool(in); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := parseBool("Kanske"); ok {
		t.Error(`parseBool("Kanske") accepted`)
	}
}

func TestFoldHeader(t *testing.T) {
	for in, want := range map[string]string{
		"Timmar per månad":    "timmar-per-manad",
		" TIMMAR/MÅNAD ":      "timmar-manad",
		"timmar_per_manad":    "timmar-per-manad",
		"Kön":                 "kon",
		"Belopp (kr)":         "belopp-kr",
		"Stadsdelsnämnd":      "stadsdelsnamnd",
		"Person-ID":           "person-id",
		"\ufeffPerson-id":     "person-id",
		"Ålder\nvid mätdatum": "alder-vid-matdatum",
	} {
		if got := foldHeader(in); got != want {
			t.Errorf("foldHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeaderAliases(t *testing.T) {
	for in, want := range map[string]colID{
		"Nämnd": cNamnd, "Stadsdelsnämnd": cNamnd, "namnd": cNamnd,
		"Kön": cKon, "kon": cKon, "Ålder": cAlder, "Timmar per månad": cTimmar, "Timmar/månad": cTimmar,
		"Belopp (kr)": cBelopp, "Bistånd": cInsats, "Dom mot stadens beslut": cDomMotStaden,
	} {
		if got, ok := headerIndex[foldHeader(in)]; !ok || got != want {
			t.Errorf("header %q is column %v (%v), want %s", in, got, ok, columns[want].Name)
		}
	}
}

func TestLooksLikePersonnummer(t *testing.T) {
	for in, want := range map[string]bool{
		"19121212-1212": true, "121212-1212": true, "1212121212": true, "191212121212": true, "121212+1212": true,
		"P1001": false, "P00009613f404": false, "12345": false, "": false,
	} {
		if got := looksLikePersonnummer(in); got != want {
			t.Errorf("looksLikePersonnummer(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]Period{"2024": {2024, 0}, "2024-Q2": {2024, 2}, "2023-q4": {2023, 4}} {
		if got, err := ParsePeriod(in); err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got := want.String(); got != in && in != "2023-q4" {
			t.Errorf("%v.String() = %q, want %q", want, got, in)
		}
	}
	for _, in := range []string{"24", "2024-Q5", "2024-2", "Q2-2024", "2024 "} {
		if _, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", in)
		}
	}
	p := Period{2024, 2}
	if f, l := p.first(), p.last(); f.Format(time.DateOnly) != "2024-04-01" || l.Format(time.DateOnly) != "2024-06-30" {
		t.Errorf("Kv 2 2024 = %v..%v", f, l)
	}
}

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want target
		ok   bool
	}{
		{"uploads/insatser/2024/x.csv", target{Insatser, Period{2024, 0}, true}, true},
		{"prefix/uploads/ej_verkstallda/2024-Q2/x.xlsx", target{EjVerkstallda, Period{2024, 2}, true}, true},
		{`C:\exports\kbf\2023\kbf.csv`, target{KBF, Period{2023, 0}, true}, true},
		{"uploads/kbf/kbf_2024.csv", target{KBF, Period{2024, 0}, true}, true},
		{"uploads/export.csv", target{}, true},
		{"ej verkställda 2024 kv2.xlsx", target{"", Period{2024, 2}, true}, true},
		{"insatser_2024.csv", target{"", Period{2024, 0}, true}, true},
		{"uploads/insatser/2024-Q5/x.csv", target{dataset: Insatser}, false},
		{"uploads/insatser/senaste/x.csv", target{dataset: Insatser}, false},
	} {
		rd := &reader{rep: &Report{}, key: tc.key}
		got, ok := rd.parseKey()
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseKey(%q) = %+v, %v; want %+v, %v", tc.key, got, ok, tc.want, tc.ok)
		}
		if !ok && (len(rd.rep.Problems) != 1 || rd.rep.Problems[0].Reason != ReasonWrongPeriod) {
			t.Errorf("parseKey(%q) reported %v, want one wrong_period", tc.key, rd.rep.Problems)
		}
	}
}

func TestPreview(t *testing.T) {
	got := preview([]string{"19121212-1212", "Bromma", " 121212-1212 "}, ';')
	if got != "(personnummer);Bromma;(personnummer)" {
		t.Errorf("preview = %q: a personnummer must not reach a report", got)
	}
	long := preview([]string{strings.Repeat("å", 200)}, ';')
	if n := utf8.RuneCountInString(long); n != 121 || !utf8.ValidString(long) {
		t.Errorf("a long row previews as %d runes (valid UTF-8: %v), want 120 and …", n, utf8.ValidString(long))
	}
}
