package upload_test

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

// The tests in this file are the findings of issue 15 about reading one
// upload: each input once crashed, starved or fooled the reader.

// insatserTable is a valid insatser file for 2024 of n rows, one person
// each.
func insatserTable(n int) uploadtest.Table {
	t := uploadtest.Table{{"Person-id", "Mätdatum", "Nämnd", "Lagrum", "Insats", "Kön", "Ålder", "Regi", "Boendeform", "Timmar per månad"}}
	for i := range n {
		t = append(t, []any{fmt.Sprintf("P%06d", i+1), "2024-10-01", "Södermalm", "LSS", "Personlig assistans", "Kvinna", "34", "Egen regi", "", "120"})
	}
	return t
}

func xlsxOf(t *testing.T, tab uploadtest.Table) []byte {
	t.Helper()
	b, err := tab.XLSX(uploadtest.Style{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rejectedFor requires a report whose problems include reason, and
// returns it.
func rejectedFor(t *testing.T, f *upload.File, err error, reason upload.Reason) *upload.Report {
	t.Helper()
	r, ok := upload.AsReport(err)
	if f != nil || !ok {
		n := 0
		if f != nil {
			n = f.Len()
		}
		t.Fatalf("accepted with %d rows (error %v); want a report with %s", n, err, reason)
	}
	if r.Counts[reason] == 0 {
		t.Fatalf("report without %s:\n%s", reason, r)
	}
	return r
}

// bounded runs read and fails when it allocates more than maxAlloc bytes
// in all (an upper bound on its peak) or takes longer than maxTime.
func bounded(t *testing.T, maxAlloc uint64, maxTime time.Duration, read func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	read()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
		t.Errorf("allocated %d MiB; the bound is %d MiB", alloc>>20, maxAlloc>>20)
	}
	if took > maxTime {
		t.Errorf("took %v; the bound is %v", took, maxTime)
	}
}

// Finding 8: a worksheet whose zip entry declares half its size, cut at a
// row boundary with the CRC-32 of that half, was read as half the rows.
func TestHalfDeclaredSheetIsRefused(t *testing.T) {
	whole := xlsxOf(t, insatserTable(2000))
	if f, err := upload.Read("uploads/insatser/2024/a.xlsx", whole); err != nil || f.Len() != 2000 {
		t.Fatalf("the whole workbook: %v", err)
	}
	cut, err := uploadtest.CutSheet(whole)
	if err != nil {
		t.Fatal(err)
	}
	f, err := upload.Read("uploads/insatser/2024/a.xlsx", cut)
	r := rejectedFor(t, f, err, upload.ReasonUnreadable)
	if !strings.Contains(r.Problems[0].Message, "declares") {
		t.Errorf("the report does not say what is wrong:\n%s", r)
	}
}

// A part whose data do not match its CRC-32, one that holds less than it
// declares, and a worksheet whose XML is cut short with an honest size
// and CRC-32 are refused as well.
func TestDamagedPackagesAreRefused(t *testing.T) {
	parts, err := uploadtest.Unzip(xlsxOf(t, insatserTable(50)))
	if err != nil {
		t.Fatal(err)
	}
	sheet := -1
	for i, p := range parts {
		if p.Name == "xl/worksheets/sheet1.xml" {
			sheet = i
		}
	}
	if sheet < 0 {
		t.Fatal("no xl/worksheets/sheet1.xml")
	}
	for name, damage := range map[string]func(p *uploadtest.Part){
		"crc":     func(p *uploadtest.Part) { p.DeclaredCRC = 0xdeadbeef },
		"longer":  func(p *uploadtest.Part) { p.DeclaredSize = uint64(len(p.Data)) + 1 },
		"cut-xml": func(p *uploadtest.Part) { p.Data = p.Data[:bytes.LastIndex(p.Data, []byte("</row>"))+6] },
		"comment": func(p *uploadtest.Part) {
			p.Data = bytes.Replace(p.Data, []byte("<sheetData>"), []byte("<sheetData><!-- x -->"), 1)
		},
		"doctype":    func(p *uploadtest.Part) { p.Data = append([]byte(`<!DOCTYPE x [<!ENTITY a "b">]>`), p.Data...) },
		"twice-part": nil,
	} {
		t.Run(name, func(t *testing.T) {
			ps := append([]uploadtest.Part(nil), parts...)
			if damage == nil {
				ps = append(ps, ps[sheet])
			} else {
				damage(&ps[sheet])
			}
			b, err := uploadtest.Zip(ps)
			if err != nil {
				t.Fatal(err)
			}
			f, err := upload.Read("uploads/insatser/2024/a.xlsx", b)
			rejectedFor(t, f, err, upload.ReasonUnreadable)
		})
	}
}

// deflated returns n zero bytes deflated: what a zip bomb holds.
func deflated(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zero := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zero))
		w.Write(zero[:k])
		n -= k
	}
	w.Close()
	return b.Bytes()
}

// Finding 9: a small XLSX that unpacks to gigabytes (2 GB from 2 MB: 4.9
// GB of memory), one with an honest sheet of 1 000 MiB (2.1 GB), and one
// of 100 000 rows with a value in column XFD each (94 s of CPU) are
// refused within a few MiB and a second or so.
func TestZipBombsAreRefusedCheaply(t *testing.T) {
	parts, err := uploadtest.Unzip(xlsxOf(t, insatserTable(3)))
	if err != nil {
		t.Fatal(err)
	}
	withSheet := func(p uploadtest.Part) []byte {
		ps := append([]uploadtest.Part(nil), parts...)
		for i := range ps {
			if ps[i].Name == p.Name {
				ps[i] = p
			}
		}
		b, err := uploadtest.Zip(ps)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A sheet of 64 MiB of zeros that declares 1 MiB: reading stops after
	// the declared size.
	bomb := rawSheet(t, parts, deflated(t, 64<<20), 1<<20)
	// Sheets that declare their sizes honestly, beyond MaxUnzipped: the
	// zip directory alone refuses them, whatever the data.
	honest2G := rawSheet(t, parts, deflated(t, 1<<20), 2<<30)
	honest1000M := rawSheet(t, parts, deflated(t, 1<<20), 1000<<20)

	var xfd bytes.Buffer
	xfd.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>Person-id</t></is></c><c r="B1" t="inlineStr"><is><t>Nämnd</t></is></c><c r="C1" t="inlineStr"><is><t>Kön</t></is></c><c r="D1" t="inlineStr"><is><t>Belopp</t></is></c></row>`)
	for r := 2; r <= 100_001; r++ {
		fmt.Fprintf(&xfd, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, r, r)
	}
	xfd.WriteString(`</sheetData></worksheet>`)
	wide := withSheet(uploadtest.Part{Name: "xl/worksheets/sheet1.xml", Data: xfd.Bytes()})
	// The same cells hidden one element deeper, where excelize still
	// reads them.
	deeper := bytes.ReplaceAll(xfd.Bytes(), []byte(`"><c r="XFD`), []byte(`"><x><c r="XFD`))
	deeper = bytes.ReplaceAll(deeper, []byte(`<v>1</v></c></row>`), []byte(`<v>1</v></c></x></row>`))
	nested := withSheet(uploadtest.Part{Name: "xl/worksheets/sheet1.xml", Data: deeper})

	for _, tc := range []struct {
		name   string
		data   []byte
		reason upload.Reason
	}{
		{"declares 1 MiB, holds 64 MiB", bomb, upload.ReasonUnreadable},
		{"honest 2 GiB", honest2G, upload.ReasonTooLarge},
		{"honest 1000 MiB", honest1000M, upload.ReasonTooLarge},
		{"column XFD", wide, upload.ReasonTooLarge},
		{"column XFD nested", nested, upload.ReasonTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bounded(t, 32<<20, 2*time.Second, func() {
				f, err := upload.Read("uploads/kbf/2024/a.xlsx", tc.data)
				r := rejectedFor(t, f, err, tc.reason)
				if tc.reason == upload.ReasonTooLarge && !strings.Contains(r.Problems[0].Message, "limit") {
					t.Errorf("the report does not name the limit:\n%s", r)
				}
			})
		})
	}
}

// rawSheet returns the workbook of parts with its first sheet replaced by
// already deflated data that declares size bytes (CRC-32 zero).
func rawSheet(t *testing.T, parts []uploadtest.Part, compressed []byte, size uint64) []byte {
	t.Helper()
	b, err := uploadtest.ZipRaw(parts, "xl/worksheets/sheet1.xml", compressed, size)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Finding 12: a 50 MB cell gave a 100 MB report and 50 MB on stderr. A
// cell beyond MaxCellBytes is refused without being quoted whole, in CSV
// and XLSX (inline and shared strings), and no report passes
// MaxReportBytes, however many long values it lists.
func TestLargeCellsGiveSmallReports(t *testing.T) {
	huge := strings.Repeat("<&\x01\"", 50<<20/4)
	csvHuge := []byte("Person-id;Nämnd;Kön;Belopp\nP1;" + huge + ";K;1\n")
	tab := uploadtest.Table{{"Person-id", "Nämnd", "Kön", "Belopp"}, {"P1", huge[:5<<20], "K", "1"}}
	xlsxHuge := xlsxOf(t, tab)
	// Many values just under the limits: every listed one is cut.
	var many strings.Builder
	many.WriteString("Person-id;Nämnd;Kön;Belopp\n")
	long := strings.Repeat("<\"", upload.MaxCellBytes/2-1)
	for i := range 500 {
		fmt.Fprintf(&many, "P%d;\"%s\";\"%s\";\"%s\"\n", i, strings.ReplaceAll(long, `"`, `""`), strings.ReplaceAll(long, `"`, `""`), strings.ReplaceAll(long, `"`, `""`))
	}
	for _, tc := range []struct {
		name, key string
		data      []byte
		reason    upload.Reason
	}{
		{"csv", "uploads/kbf/2024/a.csv", csvHuge, upload.ReasonTooLarge},
		{"xlsx", "uploads/kbf/2024/a.xlsx", xlsxHuge, upload.ReasonTooLarge},
		{"many", "uploads/kbf/2024/a.csv", []byte(many.String()), upload.ReasonUnknownCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := upload.Read(tc.key, tc.data)
			r := rejectedFor(t, f, err, tc.reason)
			js, _ := json.Marshal(r)
			if text := r.String(); len(text) > upload.MaxReportBytes || len(js) > upload.MaxReportBytes || len(r.Error()) > 4096 {
				t.Errorf("report of %d bytes (JSON %d, Error %d); the limit is %d", len(text), len(js), len(r.Error()), upload.MaxReportBytes)
			}
			for _, p := range r.Problems {
				if len([]rune(p.Value)) > upload.MaxValueRunes+1 {
					t.Errorf("a value of %d characters is quoted", len([]rune(p.Value)))
				}
			}
			if total := len(r.Problems) + r.More; tc.name == "many" && total != 1500 {
				t.Errorf("%d problems found; want 1500 (3 per row), listed or counted", total)
			}
		})
	}
}

// A CSV line beyond MaxColumns cells of MaxCellBytes is refused before it
// is parsed, and so is a value beyond column MaxColumns.
func TestWideCSVIsRefused(t *testing.T) {
	line := "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;1" + strings.Repeat(";", upload.MaxColumns) + "x\n"
	f, err := upload.Read("uploads/kbf/2024/a.csv", []byte(line))
	rejectedFor(t, f, err, upload.ReasonTooLarge)
	bounded(t, 64<<20, 2*time.Second, func() {
		long := "Person-id;Nämnd;Kön;Belopp\n" + strings.Repeat(";", 20<<20) + "\n"
		f, err := upload.Read("uploads/kbf/2024/a.csv", []byte(long))
		rejectedFor(t, f, err, upload.ReasonTooLarge)
	})
}

// Finding 10: person ids written like a personnummer with other dashes,
// full-width digits, underscores or dots passed the guard.
func TestDisguisedPersonnummerIsRefused(t *testing.T) {
	for _, id := range []string{
		"19121212-1212", "191212121212", "1212121212", "121212+1212",
		"19121212\u20131212", // en dash
		"19121212\u22121212", // minus sign
		"19121212\u20111212", // non-breaking hyphen
		"19121212\u20101212", // hyphen
		"19121212\u20141212", // em dash
		"19121212\u20151212", // horizontal bar
		"19121212\ufe581212", // small em dash
		"19121212\ufe631212", // small hyphen-minus
		"19121212\uff0d1212", // full-width hyphen-minus
		"１９１２１２１２－１２１２",      // full-width digits and dash
		"19121212_1212", "19.12.12.12-12.12", "19121212 1212", "19121212\u00a01212",
		"1912\u200b12121212", // zero-width space
		"\u0661\u0669\u0661\u0662\u0661\u0662\u0661\u0662\u0661\u0662\u0661\u0662", // Arabic-Indic digits
	} {
		data := "Person-id;Nämnd;Kön;Belopp\n" + id + ";Bromma;K;100\nP2;Bromma;M;100\n"
		f, err := upload.Read("uploads/kbf/2024/a.csv", []byte(data))
		r := rejectedFor(t, f, err, upload.ReasonPersonnummer)
		if strings.Contains(r.String(), id) || strings.Contains(r.String(), "1212") {
			t.Errorf("%q: the report repeats the personnummer:\n%s", id, r)
		}
	}
	// In any other column a personnummer is not repeated either.
	for _, data := range []string{
		"Person-id;Nämnd;Kön;Belopp\nP1;19121212\u20131212;K;100\n",
		"Person-id;Nämnd;Kön;Belopp;19121212-1212\nP1;Bromma;K;100;x\n",
		"Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;1912121212\n",
	} {
		_, err := upload.Read("uploads/kbf/2024/a.csv", []byte(data))
		r, ok := upload.AsReport(err)
		if js, _ := json.Marshal(r); !ok || strings.Contains(r.String(), "1212") || strings.Contains(string(js), "1212") {
			t.Errorf("the report repeats a personnummer:\n%v", r)
		}
	}
	for _, id := range []string{"P1001", "Pad5c20bcff9c", "１２３", "A-12-B", "19121212-121"} {
		data := "Person-id;Nämnd;Kön;Belopp\n" + id + ";Bromma;K;100\n"
		if _, err := upload.Read("uploads/kbf/2024/a.csv", []byte(data)); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
}

// Finding 12: implausible values were published (KBF amounts of 10^15 kr,
// the year 2099).
func TestImplausibleValuesAreRefused(t *testing.T) {
	future := time.Now().Year() + 1
	for _, tc := range []struct{ key, data string }{
		{"uploads/kbf/2024/a.csv", "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;1000000000000000\n"},
		{"uploads/kbf/2024/a.csv", "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;1 000 001\n"},
		{"uploads/kbf/2099/a.csv", "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"},
		{fmt.Sprintf("uploads/kbf/%d/a.csv", future), "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"},
		{"uploads/kbf/1999/a.csv", "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"},
		{"kbf_2099.csv", "Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"},
		{"export.csv", "År;Person-id;Nämnd;Kön;Belopp\n2099;P1;Bromma;K;100\n"},
	} {
		f, err := upload.Read(tc.key, []byte(tc.data))
		rejectedFor(t, f, err, upload.ReasonOutOfRange)
	}
}

// Finding 11 and 12: names the contract does not allow are refused,
// whatever the file holds.
func TestBadNamesAreRefused(t *testing.T) {
	data := []byte("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n")
	for _, key := range []string{
		`uploads/kbf/2024/a\b.csv`, "uploads/kbf/2024/a\nb.csv", "uploads/kbf/2024/a\rb.csv", "uploads/kbf/2024/a\tb.csv",
		"uploads/kbf/2024/a\xffb.csv", "uploads/kbf/2024/a\u202eb.csv", "uploads/kbf/2024/a.csv.report.txt",
		"uploads/kbf/2024/a.csv.REPORT.json", "uploads/kbf/2024/.hidden.csv", "uploads/kbf/../kbf/2024/a.csv",
		"uploads/kbf//2024/a.csv", "uploads/kbf/2024/ a.csv", "uploads/kbf/2024/" + strings.Repeat("a", 1100) + ".csv",
	} {
		f, err := upload.Read(key, data)
		r := rejectedFor(t, f, err, upload.ReasonBadName)
		if first := strings.SplitN(r.String(), "\n", 2)[0]; strings.ContainsAny(first, "\r\t\u202e") {
			t.Errorf("%q: the report's first line holds the raw name: %q", key, first)
		}
	}
	if _, err := upload.Read("uploads/kbf/2024/KBF 2024 (rättad).csv", data); err != nil {
		t.Errorf("an ordinary name: %v", err)
	}
}
