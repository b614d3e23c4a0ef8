package upload_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

// FuzzReadCSV feeds Read arbitrary keys and bytes read as CSV. Read must
// not panic and must return either valid rows or a report, never both.
// The seed corpus (testdata/fuzz/FuzzReadCSV, written by TestFuzzCorpus)
// covers every dialect; `go test -fuzz FuzzReadCSV` explores from it.
func FuzzReadCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, key string, data []byte) { checkRead(t, key, data) })
}

// FuzzReadXLSX is FuzzReadCSV for workbooks: excelize parses untrusted
// zip and XML, and whatever it makes of them must end in rows or a report.
func FuzzReadXLSX(f *testing.F) {
	f.Fuzz(func(t *testing.T, key string, data []byte) { checkRead(t, key, data) })
}

// checkRead is the contract every input must meet.
func checkRead(t *testing.T, key string, data []byte) {
	f, err := upload.Read(key, data)
	if (f == nil) == (err == nil) {
		t.Fatalf("Read returned file %v and error %v: want exactly one", f != nil, err)
	}
	if err != nil {
		r, ok := upload.AsReport(err)
		if !ok {
			t.Fatalf("error %v is not a report", err)
		}
		total := 0
		for _, n := range r.Counts {
			total += n
		}
		if len(r.Problems) == 0 || len(r.Problems) > upload.MaxProblems || total != len(r.Problems)+r.More {
			t.Fatalf("report lists %d problems, %d more, counts %v", len(r.Problems), r.More, r.Counts)
		}
		for _, p := range r.Problems {
			if !slices.Contains(upload.Reasons, p.Reason) || p.Message == "" || p.Row < 0 {
				t.Fatalf("malformed problem %+v", p)
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		_ = r.String()
		return
	}
	if f.Len() == 0 {
		t.Fatal("a file with no rows was accepted")
	}
	if err := validRows(f); err != nil {
		t.Fatal(err)
	}
}

// validRows checks what the reader promises of the rows it returns.
func validRows(f *upload.File) error {
	in := func(l dataset.CodeList, code string) error {
		if !l.Has(code) {
			return fmt.Errorf("%q is not a %s code", code, l.Name)
		}
		return nil
	}
	first := func(errs ...error) error {
		for _, e := range errs {
			if e != nil {
				return e
			}
		}
		return nil
	}
	for _, r := range f.Insatser {
		err := first(in(dataset.Namnd, r.Namnd), in(dataset.Lagrum, r.Lagrum), in(dataset.Insats, r.Insats), in(dataset.Kon, r.Kon), in(dataset.Regi, r.Regi))
		if c, _ := dataset.Insats.Lookup(r.Insats); err == nil && c.Group != r.Lagrum {
			err = fmt.Errorf("insats %s under %s", r.Insats, r.Lagrum)
		}
		if err == nil && r.Boendeform != "" {
			err = in(dataset.Boendeform, r.Boendeform)
		}
		if err == nil && (r.PersonID == "" || r.Alder < 0 || r.Alder > 120 || (r.Timmar != nil && *r.Timmar < 0)) {
			err = fmt.Errorf("row %+v", r)
		}
		if err == nil && epochYear(r.Matdatum) != f.Period.Year {
			err = fmt.Errorf("matdatum %d outside %d", r.Matdatum, f.Period.Year)
		}
		if err != nil {
			return err
		}
	}
	for _, r := range f.Beslut {
		if err := first(in(dataset.Namnd, r.Namnd), in(dataset.Lagrum, r.Lagrum), in(dataset.BeslutInsats, r.Insats), in(dataset.Kon, r.Kon),
			in(dataset.Funktionsnedsattning, r.Funktionsnedsattning), in(dataset.Utfall, r.Utfall)); err != nil {
			return err
		}
		if r.PersonID == "" || (r.DomMotStaden && !r.Dom) || epochYear(r.Beslutsdatum) != f.Period.Year {
			return fmt.Errorf("row %+v", r)
		}
	}
	for _, r := range f.EjVerkstallda {
		list := dataset.Bistand
		if r.Lagrum == "LSS" {
			list = dataset.Insats
		}
		if err := first(in(dataset.Namnd, r.Namnd), in(dataset.Lagrum, r.Lagrum), in(list, r.Insats), in(dataset.Orsak, r.Orsak), in(dataset.Kon, r.Kon), in(dataset.Status, r.Status)); err != nil {
			return err
		}
		if r.PersonID == "" || r.Kvartal < 1 || r.Kvartal > 4 || (f.Period.Quarter != 0 && int(r.Kvartal) != f.Period.Quarter) {
			return fmt.Errorf("row %+v", r)
		}
	}
	for _, r := range f.KBF {
		if err := first(in(dataset.Namnd, r.Namnd), in(dataset.Kon, r.Kon)); err != nil {
			return err
		}
		if r.PersonID == "" || r.BeloppKr < 0 || r.Namnd == "socialnamnden" {
			return fmt.Errorf("row %+v", r)
		}
	}
	return nil
}

func epochYear(d int32) int { return time.Unix(int64(d)*86400, 0).UTC().Year() }

// fuzzSeed is one file of a committed seed corpus.
type fuzzSeed struct {
	name, key string
	data      []byte
}

// fuzzSeeds are small files in every dialect and format, valid and not,
// made with uploadtest like the sample uploads.
func fuzzSeeds(t *testing.T) map[string][]fuzzSeed {
	t.Helper()
	ins := &upload.File{Dataset: upload.Insatser, Period: upload.Period{Year: 2024}, Insatser: insatser}
	kbf := &upload.File{Dataset: upload.KBF, Period: upload.Period{Year: 2024}, KBF: []v1.KBF{
		{PersonID: "P1", Namnd: "bromma", Kon: "K", BeloppKr: 12400}, {PersonID: "P2", Namnd: "jarva", Kon: "M", BeloppKr: 850}}}
	ev := &upload.File{Dataset: upload.EjVerkstallda, Period: upload.Period{Year: 2024}, EjVerkstallda: []v1.EjVerkstallt{
		{PersonID: "P1", Kvartal: 2, Namnd: "bromma", Lagrum: "LSS", Insats: "bostad_vuxna", Orsak: "tackat_nej", Kon: "K", Beslutsdatum: 19600, Status: "ej_verkstallt"},
		{PersonID: "P2", Kvartal: 2, Namnd: "socialnamnden", Lagrum: "SoL", Insats: "kontaktperson", Orsak: "annat_skal", Kon: "M", Beslutsdatum: 19500, Status: "avslutat"}}}
	beslut := &upload.File{Dataset: upload.Beslut, Period: upload.Period{Year: 2024}, Beslut: []v1.Beslut{
		{PersonID: "P1", Beslutsdatum: 19783, Namnd: "bromma", Lagrum: "LSS", Insats: "ledsagning", Kon: "K", Funktionsnedsattning: "autism", Utfall: "avslag", Dom: true, DomMotStaden: true}}}
	enc := func(f *upload.File, s uploadtest.Style) []byte {
		b, err := uploadtest.Encode(f, s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[string][]fuzzSeed{
		"FuzzReadCSV": {
			{"insatser-semicolon-1252-crlf", "uploads/insatser/2024/a.csv", enc(ins, uploadtest.Style{Delimiter: ';', Encoding: uploadtest.Windows1252, CRLF: true, Decimals: 1, DecimalComma: true})},
			{"insatser-comma-utf8-quoted", "uploads/insatser/2024/a.csv", enc(ins, uploadtest.Style{Delimiter: ',', Decimals: 2, DecimalComma: true, DateLayout: "2006-01-02 15:04"})},
			{"insatser-sepline-titles-old-names", "insatser_2024.csv", enc(ins, uploadtest.Style{Delimiter: ',', SepLine: true, Title: []string{"Insatser", ""}, OldDistricts: true, Year: true})},
			{"kbf-bom-nbsp", "uploads/kbf/2024/a.csv", enc(kbf, uploadtest.Style{Delimiter: ';', Encoding: uploadtest.UTF8BOM, Decimals: 2, DecimalComma: true, Thousands: "\u00a0"})},
			{"kbf-utf16-tab", "uploads/kbf/2024/a.txt", enc(kbf, uploadtest.Style{Delimiter: '\t', Encoding: uploadtest.UTF16LE, CRLF: true})},
			{"kbf-cr-lines", "uploads/kbf/2024/a.csv", []byte("Person-id;Nämnd;Kön;Belopp\rP1;Bromma;K;12 400\rP2;Spånga-Tensta;M;850\r")},
			{"ej-kvartal-column", "uploads/ej_verkstallda/2024/a.csv", enc(ev, uploadtest.Style{Delimiter: ';', Kvartal: true, KvartalFormat: "Kv %d"})},
			{"beslut-codes", "export.csv", enc(beslut, uploadtest.Style{Delimiter: ';', Codes: true, Year: true})},
			{"befolkning-former-districts", "uploads/befolkning/2022/a.csv", []byte("Stadsdelsnämnd;Folkmängd\n" + befolkningRows)},
			{"sfb-two-columns", "sfb_2024.csv", []byte("År,Kön,Antal personer\n2024,Kvinnor,853\n2024,Män,1010\n")},
			{"lov-codes", "uploads/lov/2024/a.csv", []byte("Insats;Antal verksamheter\nledsagar_avlosarservice;75\nkorttidshem;32\nkorttidstillsyn;9\nbostad_barn;4\nbostad_vuxna;6\ndaglig_verksamhet;170\n")},
			{"bad-quote", "uploads/kbf/2024/a.csv", []byte("Person-id;Nämnd;Kön;Belopp\nP1;Bro\"mma;K;1\n")},
			{"bad-person-twice", "uploads/insatser/2024/a.csv", []byte(insatserHeader + row1 + row2 + row3 + row3)},
		},
		"FuzzReadXLSX": {
			{"insatser-serial-dates", "uploads/insatser/2024/a.xlsx", enc(ins, uploadtest.Style{Format: upload.XLSX, SerialDates: true, Title: []string{"Insatser 2024"}})},
			{"beslut-named-sheet", "uploads/beslut/2024/a.xlsx", enc(beslut, uploadtest.Style{Format: upload.XLSX, SheetsFirst: []string{"Info"}, Sheet: "Beslut", SerialDates: true})},
			{"ej-text-dates", "uploads/ej_verkstallda/2024-Q2/a.xlsx", enc(ev, uploadtest.Style{Format: upload.XLSX, Kvartal: true})},
		},
	}
}

// TestFuzzCorpus keeps the committed seed corpora (testdata/fuzz/<Fuzz…>/)
// the seeds above (those named bad-… rejected, the others read); -update
// writes them. Files added by the fuzzer (crash
// reproducers) are left alone: they belong there too.
func TestFuzzCorpus(t *testing.T) {
	for name, seeds := range fuzzSeeds(t) {
		for _, s := range seeds {
			// The fuzzer should start from files that pass as well as from
			// rejected ones.
			if _, err := upload.Read(s.key, s.data); (err == nil) == strings.HasPrefix(s.name, "bad-") {
				t.Errorf("seed %s/%s: %v", name, s.name, reportText(err))
			}
			path := filepath.Join("testdata", "fuzz", name, s.name)
			want := fmt.Sprintf("go test fuzz v1\nstring(%q)\n[]byte(%q)\n", s.key, s.data)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != want {
				t.Errorf("%s is not the seed the test makes (run `go test ./internal/upload -run TestFuzzCorpus -update`)", path)
			}
		}
	}
}
