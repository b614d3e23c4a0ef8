package uploadtest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stockholm/insyn/internal/aggregate"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/upload"
)

// Sample is one file of testdata/uploads.
type Sample struct {
	// Path is relative to testdata/uploads and follows the upload
	// convention <dataset>/<period>/<name>, so it is also the key Read is
	// given.
	Path string
	// About says what the file shows, for the README.
	About string
	Data  []byte
}

// sampleSpec is a good sample: which rows, written how.
type sampleSpec struct {
	dataset upload.Dataset
	period  upload.Period
	name    string
	about   string
	style   Style
}

var (
	// labelsKvinnaMan is how the case system spells kön.
	kvinnaMan = [2]string{"Kvinna", "Man"}
	// a title row or two above the header, as exports from reports have.
	titles = func(what string) []string {
		return []string{what, "Källa: verksamhetssystemet, uttag för Socialtjänstrapporten", ""}
	}
)

var goodSamples = []sampleSpec{
	{upload.Insatser, upload.Period{Year: 2022}, "insatser_2022.xlsx",
		"XLSX with three title rows, districts as named before July 2023, \"Stadsdelsnämnd\" as header, dates as Excel serials",
		Style{Format: upload.XLSX, Sheet: "Insatser", Title: titles("Verkställda beslut 1 oktober 2022"), OldDistricts: true, Kon: kvinnaMan,
			SerialDates: true, Headers: map[string]string{"namnd": "Stadsdelsnämnd"}}},
	{upload.Insatser, upload.Period{Year: 2023}, "insatser_2023.csv",
		"comma-separated UTF-8 with LF, an År column, labels in title case (\"Norra Innerstaden\"), kön K/M, dates with time, hours with a decimal comma (so quoted)",
		Style{Delimiter: ',', Encoding: UTF8, Year: true, TitleCase: true, Kon: [2]string{"K", "M"}, DateLayout: "2006-01-02 15:04",
			Decimals: 1, DecimalComma: true}},
	{upload.Insatser, upload.Period{Year: 2024}, "insatser_2024.csv",
		"semicolon-separated Windows-1252 with CRLF (Excel's \"CSV (semikolonavgränsad)\"), Swedish labels, hours with a decimal comma",
		Style{Delimiter: ';', Encoding: Windows1252, CRLF: true, Kon: kvinnaMan, Decimals: 1, DecimalComma: true}},
	{upload.Beslut, upload.Period{Year: 2024}, "beslut_2024.xlsx",
		"XLSX whose data is on its second sheet, named Beslut, under a title row; dates as Excel serials; Dom as Ja/Nej",
		Style{Format: upload.XLSX, SheetsFirst: []string{"Om uttaget"}, Sheet: "Beslut", Title: []string{"Beslut om ledsagning och kontaktperson 2024"},
			SerialDates: true}},
	{upload.EjVerkstallda, upload.Period{Year: 2023}, "ej_verkstallda_2023.csv",
		"the quarters Kv 2–4 2023 in one file with a Kvartal column (\"Kv 2\"): semicolon-separated UTF-8 with BOM and CRLF",
		Style{Delimiter: ';', Encoding: UTF8BOM, CRLF: true, Kvartal: true, KvartalFormat: "Kv %d", Kon: kvinnaMan}},
	{upload.EjVerkstallda, upload.Period{Year: 2024, Quarter: 1}, "ej_verkstallda_2024_kv1.txt",
		"one quarter, named by its folder: tab-separated UTF-16LE with BOM (Excel's \"Unicode-text\")",
		Style{Delimiter: '\t', Encoding: UTF16LE, CRLF: true}},
	{upload.EjVerkstallda, upload.Period{Year: 2024, Quarter: 2}, "ej_verkstallda_2024_kv2.xlsx",
		"one quarter as XLSX with a numeric Kvartal column and dates as text",
		Style{Format: upload.XLSX, Sheet: "Ej verkställda", Kvartal: true}},
	{upload.KBF, upload.Period{Year: 2022}, "kbf_2022.csv",
		"UTF-8 without BOM and a \"sep=;\" first line, old district names, amounts with a no-break space between thousands and a decimal comma",
		Style{Delimiter: ';', Encoding: UTF8, CRLF: true, SepLine: true, OldDistricts: true, Decimals: 2, DecimalComma: true, Thousands: "\u00a0"}},
	{upload.KBF, upload.Period{Year: 2023}, "kbf_2023.csv",
		"comma-separated Windows-1252 with CRLF; amounts \"3 453,00\" quoted because of their comma",
		Style{Delimiter: ',', Encoding: Windows1252, CRLF: true, Decimals: 2, DecimalComma: true, Thousands: " ", Kon: kvinnaMan}},
	{upload.KBF, upload.Period{Year: 2024}, "kbf_2024.csv",
		"semicolon-separated UTF-8 with BOM, machine codes instead of labels, amounts with a decimal comma",
		Style{Delimiter: ';', Encoding: UTF8BOM, CRLF: true, Codes: true, Decimals: 2, DecimalComma: true}},
	{upload.Lov, upload.Period{Year: 2022}, "lov_2022.xlsx",
		"LOV providers per insats category as XLSX on a sheet named LOV under a title row",
		Style{Format: upload.XLSX, Sheet: "LOV", Title: []string{"Verksamheter med LOV-avtal 2022"}}},
	{upload.Lov, upload.Period{Year: 2023}, "lov_2023.csv",
		"semicolon-separated Windows-1252 with CRLF, the header \"Antal utförare\"",
		Style{Delimiter: ';', Encoding: Windows1252, CRLF: true, Headers: map[string]string{"antal_verksamheter": "Antal utförare"}}},
	{upload.Lov, upload.Period{Year: 2024}, "lov_2024.csv",
		"comma-separated UTF-8 with an År column and machine codes instead of labels",
		Style{Delimiter: ',', Encoding: UTF8, Year: true, Codes: true}},
	{upload.Befolkning, upload.Period{Year: 2022}, "befolkning_2022.csv",
		"SCB's inhabitants per district with the districts before July 2023 (Rinkeby-Kista and Spånga-Tensta, Norrmalm and Östermalm as rows of their own, added up), \"Folkmängd\" with a space between thousands",
		Style{Delimiter: ';', Encoding: UTF8BOM, CRLF: true, OldDistricts: true, Thousands: " ", Headers: map[string]string{"namnd": "Stadsdelsnämnd", "antal_invanare": "Folkmängd"}}},
	{upload.Befolkning, upload.Period{Year: 2023}, "befolkning_2023.xlsx",
		"XLSX with an År column and numbers as numbers",
		Style{Format: upload.XLSX, Sheet: "Befolkning", Year: true}},
	{upload.Befolkning, upload.Period{Year: 2024}, "befolkning_2024.csv",
		"UTF-8 with a \"sep=;\" first line, labels in title case, a no-break space between thousands",
		Style{Delimiter: ';', Encoding: UTF8, SepLine: true, TitleCase: true, Thousands: "\u00a0"}},
	{upload.SFB, upload.Period{Year: 2022}, "sfb_2022.csv",
		"Försäkringskassan's persons with assistansersättning per kön: comma-separated UTF-8, kön Kvinna/Man",
		Style{Delimiter: ',', Encoding: UTF8, Kon: kvinnaMan}},
	{upload.SFB, upload.Period{Year: 2023}, "sfb_2023.csv",
		"semicolon-separated Windows-1252 with CRLF and an År column, kön K/M",
		Style{Delimiter: ';', Encoding: Windows1252, CRLF: true, Year: true, Kon: [2]string{"K", "M"}}},
	{upload.SFB, upload.Period{Year: 2024}, "sfb_2024.xlsx",
		"XLSX under two title rows, kön as labels (Kvinnor, Män)",
		Style{Format: upload.XLSX, Sheet: "SFB", Title: []string{"Personer med assistansersättning, december 2024", "Källa: Försäkringskassan"}}},
}

// Samples writes the good sample uploads: every dataset and year of m and
// e, each file in the dialect of one real export. Reading them back gives
// m and e exactly (the test in internal/upload checks it).
func Samples(m *aggregate.Microdata, e *aggregate.External) ([]Sample, error) {
	var out []Sample
	for _, s := range goodSamples {
		f := &upload.File{Dataset: s.dataset, Period: s.period}
		y := s.period.Year
		switch s.dataset {
		case upload.Insatser:
			f.Insatser = m.Insatser[y]
		case upload.Beslut:
			f.Beslut = m.Beslut[y]
		case upload.EjVerkstallda:
			f.EjVerkstallda = m.EjVerkstallda[y]
			if s.period.Quarter != 0 {
				f.EjVerkstallda = slices.DeleteFunc(slices.Clone(f.EjVerkstallda), func(r v1.EjVerkstallt) bool {
					return int(r.Kvartal) != s.period.Quarter
				})
			}
		case upload.KBF:
			f.KBF = m.KBF[y]
		case upload.Lov:
			f.Lov = e.Lov[y]
		case upload.Befolkning:
			f.Befolkning = e.Befolkning[y]
		case upload.SFB:
			f.SFB = e.SFB[y]
		}
		if f.Len() == 0 {
			return nil, fmt.Errorf("sample %s/%s: no rows in the synthetic data", s.dataset, s.period)
		}
		data, err := Encode(f, s.style)
		if err != nil {
			return nil, fmt.Errorf("sample %s/%s/%s: %w", s.dataset, s.period, s.name, err)
		}
		out = append(out, Sample{Path: fmt.Sprintf("%s/%s/%s", s.dataset, s.period, s.name), About: s.about, Data: data})
	}
	return out, nil
}

// Readme is testdata/uploads/README.md: what each sample shows.
func Readme(good, bad []Sample) string {
	var b strings.Builder
	b.WriteString(`# Sample uploads

Files as staff export them, in the layout of the upload area
(` + "`uploads/<dataset>/<period>/<name>`" + `, see schema/uploads.md). Made by
` + "`go run ./testdata/uploads/gen`" + ` from the synthetic microdata of
internal/synth, the same rows the sample lake (testdata/lake) holds: reading
the good files gives those rows exactly, so the lake can be rebuilt from
them. A test fails when the files here differ from what the generator makes.

| file | what it shows |
|---|---|
`)
	for _, s := range good {
		fmt.Fprintf(&b, "| `%s` | %s |\n", s.Path, s.About)
	}
	b.WriteString(`
## Rejected uploads

One file per reason an upload is rejected; next to each, the report it
gets (` + "`*.expected.txt`" + `, rewritten by
` + "`go test ./internal/upload -run TestBadUploads -update`" + `).

| file | what is wrong |
|---|---|
`)
	for _, s := range bad {
		fmt.Fprintf(&b, "| `%s` | %s |\n", s.Path, s.About)
	}
	return b.String()
}

// All is every file of testdata/uploads the generator writes: the good
// samples, the rejected ones under bad/ and README.md.
func All(m *aggregate.Microdata, e *aggregate.External) ([]Sample, error) {
	good, err := Samples(m, e)
	if err != nil {
		return nil, err
	}
	bad, err := Bad()
	if err != nil {
		return nil, err
	}
	all := append(good, bad...)
	return append(all, Sample{Path: "README.md", Data: []byte(Readme(good, bad))}), nil
}

// Diff compares the files with dir: the paths that differ or are missing,
// and the files in dir that are not among them (marked "(stale)"). The
// generator command (dir/gen) and the expected reports are not stale.
func Diff(dir string, files []Sample) ([]string, error) {
	return sync(dir, files, false)
}

// Write makes dir hold exactly the files (besides the generator and the
// expected reports) and returns what it changed, as Diff.
func Write(dir string, files []Sample) ([]string, error) {
	return sync(dir, files, true)
}

func sync(dir string, files []Sample, write bool) ([]string, error) {
	want := map[string]bool{}
	var drift []string
	for _, f := range files {
		want[f.Path] = true
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		drift = append(drift, f.Path)
		if !write {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return nil, err
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "gen" {
				return filepath.SkipDir
			}
			return nil
		}
		if want[rel] || strings.HasSuffix(rel, ".expected.txt") {
			return nil
		}
		drift = append(drift, rel+" (stale)")
		if !write {
			return nil
		}
		return os.Remove(path)
	})
	return drift, err
}
