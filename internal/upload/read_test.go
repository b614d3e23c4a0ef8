package upload_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

func ptr(v float64) *float64 { return &v }

// oct1 is 2024-10-01 as the lake stores dates (days since 1970-01-01).
const oct1 = 19997

// insatser is a small valid insatser year with what a real file has: a
// person with two decisions, hours on some rows, a boendeform, a
// district with an old name (Järva), both laws, Kontaktperson under both.
var insatser = []v1.Insats{
	{PersonID: "P1001", Matdatum: oct1, Namnd: "sodermalm", Lagrum: "LSS", Insats: "personlig_assistans", Kon: "K", Alder: 34, Regi: "egen_regi", Timmar: ptr(120.5)},
	{PersonID: "P1002", Matdatum: oct1, Namnd: "norra_innerstaden", Lagrum: "LSS", Insats: "bostad_vuxna", Kon: "M", Alder: 52, Regi: "entreprenad", Boendeform: "gruppbostad"},
	{PersonID: "P1002", Matdatum: oct1, Namnd: "norra_innerstaden", Lagrum: "LSS", Insats: "daglig_verksamhet", Kon: "M", Alder: 52, Regi: "egen_regi"},
	{PersonID: "P1003", Matdatum: oct1, Namnd: "jarva", Lagrum: "SoL", Insats: "sol_kontaktperson", Kon: "K", Alder: 41, Regi: "privat_regi_lov", Timmar: ptr(1234)},
	{PersonID: "P1004", Matdatum: oct1, Namnd: "jarva", Lagrum: "LSS", Insats: "kontaktperson", Kon: "M", Alder: 9, Regi: "egen_regi"},
}

// TestDialects writes the same rows in every dialect staff send and
// requires the same rows back, with the dialect detected as written.
func TestDialects(t *testing.T) {
	file := &upload.File{Dataset: upload.Insatser, Period: upload.Period{Year: 2024}, Insatser: insatser}
	for _, tc := range []struct {
		name  string
		style uploadtest.Style
		want  upload.Dialect
	}{
		{"semicolon Windows-1252 CRLF", uploadtest.Style{Delimiter: ';', Encoding: uploadtest.Windows1252, CRLF: true, Decimals: 1, DecimalComma: true, Thousands: " "},
			upload.Dialect{Format: upload.CSV, Encoding: "Windows-1252", Delimiter: ";", LineEnding: "CRLF", HeaderRow: 1}},
		{"comma UTF-8 LF, quoted decimal commas", uploadtest.Style{Delimiter: ',', Encoding: uploadtest.UTF8, Decimals: 2, DecimalComma: true},
			upload.Dialect{Format: upload.CSV, Encoding: "UTF-8", Delimiter: ",", LineEnding: "LF", HeaderRow: 1}},
		{"semicolon UTF-8 BOM, no-break thousands, codes", uploadtest.Style{Delimiter: ';', Encoding: uploadtest.UTF8BOM, CRLF: true, Codes: true, Decimals: 2, DecimalComma: true, Thousands: "\u00a0"},
			upload.Dialect{Format: upload.CSV, Encoding: "UTF-8 with BOM", Delimiter: ";", LineEnding: "CRLF", HeaderRow: 1}},
		{"tab UTF-16LE (Unicode text)", uploadtest.Style{Delimiter: '\t', Encoding: uploadtest.UTF16LE, CRLF: true},
			upload.Dialect{Format: upload.CSV, Encoding: "UTF-16LE", Delimiter: "\t", LineEnding: "CRLF", HeaderRow: 1}},
		{"sep= line, title rows, old districts, title case", uploadtest.Style{Delimiter: ',', SepLine: true, Title: []string{"Insatser 2024", ""}, OldDistricts: true, TitleCase: true, Kon: [2]string{"kvinna", "man"}},
			upload.Dialect{Format: upload.CSV, Encoding: "UTF-8", Delimiter: ",", LineEnding: "LF", HeaderRow: 3}},
		{"dates with time, År column, alias headers", uploadtest.Style{Delimiter: ';', DateLayout: "2006-01-02 15:04", Year: true,
			Headers: map[string]string{"namnd": "Stadsdelsnämnd", "kon": "KÖN", "timmar_per_manad": "timmar_per_manad", "alder": "Ålder (år)"}},
			upload.Dialect{Format: upload.CSV, Encoding: "UTF-8", Delimiter: ";", LineEnding: "LF", HeaderRow: 1}},
		{"XLSX first sheet, date serials", uploadtest.Style{Format: upload.XLSX, SerialDates: true},
			upload.Dialect{Format: upload.XLSX, Sheet: "Blad1", HeaderRow: 1}},
		{"XLSX sheet named for the dataset, title rows, text dates", uploadtest.Style{Format: upload.XLSX, SheetsFirst: []string{"Info", "Anteckningar"}, Sheet: "Insatser",
			Title: []string{"Verkställda beslut", "", "Källa: verksamhetssystemet"}},
			upload.Dialect{Format: upload.XLSX, Sheet: "Insatser", HeaderRow: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := uploadtest.Encode(file, tc.style)
			if err != nil {
				t.Fatal(err)
			}
			key := "uploads/insatser/2024/f." + string(tc.style.Format)
			if tc.style.Format == "" {
				key += "csv"
			}
			f, err := upload.Read(key, data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if !reflect.DeepEqual(f.Insatser, insatser) {
				t.Errorf("rows differ:\n got %+v\nwant %+v", f.Insatser, insatser)
			}
			if f.Dialect != tc.want {
				t.Errorf("dialect %+v, want %+v", f.Dialect, tc.want)
			}
			if f.Dataset != upload.Insatser || f.Period != (upload.Period{Year: 2024}) || f.Len() != len(insatser) {
				t.Errorf("file is %s %v with %d rows", f.Dataset, f.Period, f.Len())
			}
		})
	}
}

// TestRawDialects covers what no writer here produces: CR line ends, blank
// lines, trailing delimiters, lower-case and lake-name headers.
func TestRawDialects(t *testing.T) {
	want := []v1.KBF{{PersonID: "P1", Namnd: "bromma", Kon: "K", BeloppKr: 12400}, {PersonID: "P2", Namnd: "jarva", Kon: "M", BeloppKr: 850}}
	for name, text := range map[string]string{
		"CR line ends":       "person_id;namnd;kon;belopp_kr\rP1;Bromma;K;12 400\rP2;Spånga-Tensta;M;850\r",
		"blank lines":        "\n\nPerson-id;Nämnd;Kön;Belopp\n\nP1;Bromma;K;12400\n\n\nP2;Järva;M;850,00\n\n",
		"trailing delimiter": "Person-id;Nämnd;Kön;Belopp;;\nP1;Bromma;K;12400;;\nP2;Järva;M;850;;\n",
		"lower case, spaces": "  person-ID ; NÄMND;kön ;belopp (kr)\n P1 ; bromma ;k; 12 400 \nP2;JÄRVA;m;850\n",
		"quoted everything":  "\"Person-id\",\"Nämnd\",\"Kön\",\"Belopp\"\r\n\"P1\",\"Bromma\",\"Kvinna\",\"12 400,00\"\r\n\"P2\",\"Rinkeby-Kista\",\"Man\",\"850\"\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, err := upload.Read("uploads/kbf/2024/f.csv", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.KBF, want) {
				t.Errorf("rows %+v, want %+v", f.KBF, want)
			}
		})
	}
}

// problem is what a validation test asserts of a report line.
type problem struct {
	row    int
	column string
	value  string
	reason upload.Reason
}

func problemsOf(r *upload.Report) []problem {
	out := make([]problem, len(r.Problems))
	for i, p := range r.Problems {
		out[i] = problem{p.Row, p.Column, p.Value, p.Reason}
	}
	return out
}

const insatserHeader = "Person-id;Mätdatum;Nämnd;Lagrum;Insats;Kön;Ålder;Regi;Boendeform;Timmar per månad\n"

// row1 … row3 are valid insatser rows of 2024.
const (
	row1 = "P1;2024-10-01;Bromma;LSS;Personlig assistans;K;34;Egen regi;;120,5\n"
	row2 = "P2;2024-10-01;Farsta;LSS;Bostad för vuxna;M;52;Entreprenad;Gruppbostad;\n"
	row3 = "P2;2024-10-01;Farsta;SoL;Hemtjänst;M;52;Egen regi;;\n"
)

// TestValidation has one case per reason a file is rejected and asserts
// the exact row, column, value and reason of every problem reported.
func TestValidation(t *testing.T) {
	xlsx := func(t *testing.T, tab uploadtest.Table) []byte {
		b, err := tab.XLSX(uploadtest.Style{SerialDates: true})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		key  string
		data func(t *testing.T) []byte
		want []problem
	}{
		{"unreadable: stray quote", "uploads/insatser/2024/f.csv",
			text(insatserHeader + row1 + "P2;2024-10-01;Farsta;LSS;Bostad \"x\";M;52;Entreprenad;Gruppbostad;\n" + row3),
			[]problem{{3, "", "", upload.ReasonUnreadable}}},
		{"unreadable: not UTF-8 after a BOM", "uploads/insatser/2024/f.csv",
			bytesOf("\xEF\xBB\xBF" + insatserHeader + "P1;2024-10-01;S\xF6dermalm;LSS;Personlig assistans;K;34;Egen regi;;\n"),
			[]problem{{2, "", "0xF6", upload.ReasonUnreadable}}},
		{"unreadable: not a workbook", "uploads/insatser/2024/f.xlsx", text("PK\x03\x04 not really"),
			[]problem{{0, "", "", upload.ReasonUnreadable}}},
		{"unreadable: empty file", "uploads/insatser/2024/f.csv", text(""),
			[]problem{{0, "", "", upload.ReasonUnreadable}}},
		{"no header", "uploads/insatser/2024/f.csv", text(row1 + row2),
			[]problem{{0, "", "", upload.ReasonNoHeader}}},
		{"wrong dataset: KBF in insatser", "uploads/insatser/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"),
			[]problem{{1, "", "kbf", upload.ReasonWrongDataset}}},
		{"wrong dataset: ambiguous without a folder", "export_2024.csv", text("Person-id;Nämnd;Lagrum;Kön\nP1;Bromma;LSS;K\n"),
			[]problem{{1, "", "", upload.ReasonWrongDataset}}},
		{"no period", "uploads/export.csv", text(insatserHeader + row1),
			[]problem{{0, "", "", upload.ReasonNoPeriod}}},
		{"wrong period: quarter of a yearly dataset", "uploads/kbf/2024-Q1/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"),
			[]problem{{0, "", "2024-Q1", upload.ReasonWrongPeriod}}},
		{"wrong period: folder is no period", "uploads/kbf/senaste/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\n"),
			[]problem{{0, "", "senaste", upload.ReasonWrongPeriod}}},
		{"wrong period: År of another year", "uploads/kbf/2024/f.csv", text("År;Person-id;Nämnd;Kön;Belopp\n2024;P1;Bromma;K;100\n2023;P2;Bromma;K;100\n"),
			[]problem{{3, "År", "2023", upload.ReasonWrongPeriod}}},
		{"wrong period: Kvartal of another quarter", "uploads/ej_verkstallda/2024-Q2/f.csv",
			text("Kvartal;Person-id;Nämnd;Lagrum;Insats;Orsak;Kön;Beslutsdatum;Status\nKv 1;P1;Bromma;LSS;Daglig verksamhet;Annat skäl;K;2023-11-02;Ej verkställt\n"),
			[]problem{{2, "Kvartal", "Kv 1", upload.ReasonWrongPeriod}}},
		{"missing column", "uploads/insatser/2024/f.csv",
			text("Person-id;Mätdatum;Nämnd;Lagrum;Insats;Ålder;Regi;Boendeform;Timmar per månad\nP1;2024-10-01;Bromma;LSS;Personlig assistans;34;Egen regi;;\n"),
			[]problem{{1, "Kön", "", upload.ReasonMissingColumn}}},
		{"missing Kvartal in a year file", "uploads/ej_verkstallda/2024/f.csv",
			text("Person-id;Nämnd;Lagrum;Insats;Orsak;Kön;Beslutsdatum;Status\nP1;Bromma;LSS;Daglig verksamhet;Annat skäl;K;2023-11-02;Ej verkställt\n"),
			[]problem{{1, "Kvartal", "", upload.ReasonMissingColumn}}},
		{"unknown columns", "uploads/insatser/2024/f.csv",
			text(strings.TrimSuffix(insatserHeader, "\n") + ";Kommentar;Personnummer;Orsak\n" + strings.TrimSuffix(row1, "\n") + ";ring;;\n"),
			[]problem{{1, "Kommentar", "Kommentar", upload.ReasonUnknownColumn}, {1, "Personnummer", "", upload.ReasonUnknownColumn}, {1, "Orsak", "Orsak", upload.ReasonUnknownColumn}}},
		{"duplicate column", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp;SDN\nP1;Bromma;K;100;Bromma\n"),
			[]problem{{1, "SDN", "SDN", upload.ReasonDuplicateCol}}},
		{"field count", "uploads/kbf/2024/f.csv", text("Person-id,Nämnd,Kön,Belopp\nP1,Bromma,K,100,50\nP2,Bromma\nP3,Farsta,M,7\n"),
			[]problem{{2, "", "50", upload.ReasonFieldCount}, {3, "", "", upload.ReasonFieldCount}}},
		{"value under no header (XLSX)", "uploads/kbf/2024/f.xlsx",
			func(t *testing.T) []byte {
				return xlsx(t, uploadtest.Table{{"Person-id", "Nämnd", "Kön", "Belopp"}, {"P1", "Bromma", "K", int64(100), nil, "obs!"}})
			},
			[]problem{{2, "", "obs!", upload.ReasonFieldCount}}},
		{"empty value", "uploads/insatser/2024/f.csv", text(insatserHeader + ";2024-10-01;Bromma;LSS;Personlig assistans;;34;Egen regi;;\n"),
			[]problem{{2, "Person-id", "", upload.ReasonEmptyValue}, {2, "Kön", "", upload.ReasonEmptyValue}}},
		{"unknown codes", "uploads/insatser/2024/f.csv", text(insatserHeader + "P1;2024-10-01;Gamla stan;LSL;Personlig assistans;X;34;Kooperativ;Villa;\n" + row2),
			[]problem{{2, "Nämnd", "Gamla stan", upload.ReasonUnknownCode}, {2, "Lagrum", "LSL", upload.ReasonUnknownCode},
				{2, "Kön", "X", upload.ReasonUnknownCode}, {2, "Regi", "Kooperativ", upload.ReasonUnknownCode}, {2, "Boendeform", "Villa", upload.ReasonUnknownCode}}},
		{"unknown code: Socialnämnden in KBF", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Socialnämnden;K;100\n"),
			[]problem{{2, "Nämnd", "Socialnämnden", upload.ReasonUnknownCode}}},
		{"wrong types", "uploads/insatser/2024/f.csv", text(insatserHeader + "P1;1 okt 2024;Bromma;LSS;Personlig assistans;K;34,5;Egen regi;;12 tim\n"),
			[]problem{{2, "Mätdatum", "1 okt 2024", upload.ReasonWrongType}, {2, "Ålder", "34,5", upload.ReasonWrongType}, {2, "Timmar per månad", "12 tim", upload.ReasonWrongType}}},
		{"wrong type: a serial date in CSV", "uploads/insatser/2024/f.csv", text(insatserHeader + "P1;45566;Bromma;LSS;Personlig assistans;K;34;Egen regi;;\n"),
			[]problem{{2, "Mätdatum", "45566", upload.ReasonWrongType}}},
		{"wrong type: amount with öre", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100,50\n"),
			[]problem{{2, "Belopp", "100,50", upload.ReasonWrongType}}},
		{"negative hours", "uploads/insatser/2024/f.csv", text(insatserHeader + "P1;2024-10-01;Bromma;LSS;Personlig assistans;K;34;Egen regi;;-12,5\n"),
			[]problem{{2, "Timmar per månad", "-12,5", upload.ReasonNegative}}},
		{"negative amount", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;−1 200\n"),
			[]problem{{2, "Belopp", "−1 200", upload.ReasonNegative}}},
		{"out of range", "uploads/insatser/2024/f.csv", text(insatserHeader + "P1;2024-10-01;Bromma;LSS;Personlig assistans;K;134;Egen regi;;1 500\n"),
			[]problem{{2, "Ålder", "134", upload.ReasonOutOfRange}, {2, "Timmar per månad", "1 500", upload.ReasonOutOfRange}}},
		{"outside the year", "uploads/insatser/2024/f.csv", text(insatserHeader + row1 + "P2;2025-10-01;Farsta;LSS;Bostad för vuxna;M;52;Entreprenad;Gruppbostad;\n"),
			[]problem{{3, "Mätdatum", "2025-10-01", upload.ReasonOutsidePeriod}}},
		{"outside the year (XLSX serial)", "uploads/beslut/2024/f.xlsx",
			func(t *testing.T) []byte {
				return xlsx(t, uploadtest.Table{
					{"Person-id", "Beslutsdatum", "Nämnd", "Lagrum", "Insats", "Kön", "Funktionsnedsättning", "Utfall", "Dom", "Dom mot staden"},
					{"P1", int64(45290), "Bromma", "LSS", "Ledsagarservice", "K", "Autism", "Bifall", "Nej", "Nej"}, // 2023-12-31
				})
			},
			[]problem{{2, "Beslutsdatum", "45290", upload.ReasonOutsidePeriod}}},
		{"ej verkställt decided too late or too early", "uploads/ej_verkstallda/2024-Q2/f.csv",
			text("Person-id;Nämnd;Lagrum;Insats;Orsak;Kön;Beslutsdatum;Status\n" +
				"P1;Bromma;LSS;Daglig verksamhet;Annat skäl;K;2024-03-30;Ej verkställt\n" + // the last day allowed
				"P2;Bromma;LSS;Daglig verksamhet;Annat skäl;K;2024-03-31;Ej verkställt\n" +
				"P3;Bromma;SoL;Boendestöd;Annat skäl;K;2019-03-31;Ej verkställt\n"),
			[]problem{{3, "Beslutsdatum", "2024-03-31", upload.ReasonOutsidePeriod}, {4, "Beslutsdatum", "2019-03-31", upload.ReasonOutsidePeriod}}},
		{"inconsistent insatser row", "uploads/insatser/2024/f.csv",
			text(insatserHeader + "P1;2024-10-01;Bromma;LSS;Hemtjänst;K;34;Egen regi;;\nP2;2024-10-01;Farsta;SoL;Hemtjänst;M;52;Egen regi;Servicebostad;\n"),
			[]problem{{2, "Insats", "Hemtjänst", upload.ReasonInconsistent}, {3, "Boendeform", "Servicebostad", upload.ReasonInconsistent}}},
		{"inconsistent: SoL bistånd under LSS", "uploads/ej_verkstallda/2024-Q2/f.csv",
			text("Person-id;Nämnd;Lagrum;Insats;Orsak;Kön;Beslutsdatum;Status\nP1;Bromma;LSS;Permanent bostad;Annat skäl;K;2023-11-02;Ej verkställt\n"),
			[]problem{{2, "Insats", "Permanent bostad", upload.ReasonInconsistent}}},
		{"inconsistent: ruling against the city without ruling", "uploads/beslut/2024/f.csv",
			text("Person-id;Beslutsdatum;Nämnd;Lagrum;Insats;Kön;Funktionsnedsättning;Utfall;Dom;Dom mot staden\nP1;2024-03-01;Bromma;LSS;Ledsagarservice;K;Autism;Avslag;;Ja\n"),
			[]problem{{2, "Dom mot staden", "Ja", upload.ReasonInconsistent}}},
		{"duplicate row, also when spelt differently", "uploads/insatser/2024/f.csv",
			text(insatserHeader + row1 + row2 + "P1;2024-10-01 00:00;BROMMA;LSS;personlig_assistans;Kvinna;34,0;Egen regi;;120.50\n"),
			[]problem{{4, "", "", upload.ReasonDuplicateRow}}},
		{"person contradicts their first row", "uploads/insatser/2024/f.csv",
			text(insatserHeader + row1 + row2 + "P2;2024-10-01;Bromma;SoL;Hemtjänst;K;53;Egen regi;;\n"),
			[]problem{{4, "Nämnd", "Bromma", upload.ReasonContradiction}, {4, "Kön", "K", upload.ReasonContradiction}, {4, "Ålder", "53", upload.ReasonContradiction}}},
		{"second decision on one insats", "uploads/insatser/2024/f.csv",
			text(insatserHeader + row1 + row2 + row3 + "P2;2024-10-01;Farsta;SoL;Hemtjänst;M;52;Entreprenad;;\n"),
			[]problem{{5, "Insats", "Hemtjänst", upload.ReasonPersonTwice}}},
		{"second KBF row for a person", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;100\nP2;Bromma;K;100\nP1;Bromma;K;200\n"),
			[]problem{{4, "Person-id", "P1", upload.ReasonPersonTwice}}},
		{"personnummer as person id", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\n19121212-1212;Bromma;K;100\n"),
			[]problem{{2, "Person-id", "", upload.ReasonPersonnummer}}},
		{"no rows", "uploads/kbf/2024/f.csv", text("Person-id;Nämnd;Kön;Belopp\n;;;\n"),
			[]problem{{0, "", "", upload.ReasonNoRows}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := upload.Read(tc.key, tc.data(t))
			if f != nil {
				t.Fatalf("read %d rows of a bad file", f.Len())
			}
			r, ok := upload.AsReport(err)
			if !ok {
				t.Fatalf("error %v is not a report", err)
			}
			if got := problemsOf(r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems\n got %+v\nwant %+v\n%s", got, tc.want, r)
			}
			for _, p := range r.Problems {
				if p.Message == "" {
					t.Errorf("problem %+v has no message", p)
				}
			}
		})
	}
}

func text(s string) func(*testing.T) []byte    { return func(*testing.T) []byte { return []byte(s) } }
func bytesOf(s string) func(*testing.T) []byte { return text(s) }

// TestRowNumbers checks that a report's rows are those a spreadsheet
// shows, whatever lines the CSV has.
func TestRowNumbers(t *testing.T) {
	data := "Insatser 2024\n" + // row 1: a title
		"\n" + // row 2: blank
		insatserHeader + // row 3
		"P1;2024-10-01;Bromma;LSS;Personlig assistans;K;34;Egen regi;;\n" + // row 4
		"P2;2024-10-01;\"Farsta\n(tidigare Skarpnäck)\";LSS;Daglig verksamhet;M;30;Egen regi;;\n" + // row 5, over two lines
		"\n" + // row 6: blank
		"P3;2024-10-01;Bromma;LSS;Daglig verksamhet;X;30;Egen regi;;\n" // row 7
	_, err := upload.Read("uploads/insatser/2024/f.csv", []byte(data))
	r, ok := upload.AsReport(err)
	if !ok {
		t.Fatalf("want a report, got %v", err)
	}
	want := []problem{{5, "Nämnd", "Farsta\n(tidigare Skarpnäck)", upload.ReasonUnknownCode}, {7, "Kön", "X", upload.ReasonUnknownCode}}
	if got := problemsOf(r); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %+v, want %+v", got, want)
	}
	if r.Dialect.HeaderRow != 3 {
		t.Errorf("header row %d, want 3", r.Dialect.HeaderRow)
	}

	// XLSX: rows counted from the sheet, empty ones included.
	tab := uploadtest.Table{{"KBF 2024"}, {nil}, {nil}, {"Person-id", "Nämnd", "Kön", "Belopp"}, {"P1", "Bromma", "K", int64(10)}, {nil}, {"P2", "Bromma", "Q", int64(10)}}
	b, err := tab.XLSX(uploadtest.Style{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = upload.Read("uploads/kbf/2024/f.xlsx", b)
	r, ok = upload.AsReport(err)
	if !ok {
		t.Fatalf("want a report, got %v", err)
	}
	if got := problemsOf(r); !reflect.DeepEqual(got, []problem{{7, "Kön", "Q", upload.ReasonUnknownCode}}) || r.Dialect.HeaderRow != 4 {
		t.Errorf("problems %+v with header row %d, want row 7, header 4", got, r.Dialect.HeaderRow)
	}
}

// TestAllOrNothing: one bad row among good ones and the file gives no rows.
func TestAllOrNothing(t *testing.T) {
	good := insatserHeader + row1 + row2 + row3
	if f, err := upload.Read("uploads/insatser/2024/f.csv", []byte(good)); err != nil || f.Len() != 3 {
		t.Fatalf("good file: %v", err)
	}
	f, err := upload.Read("uploads/insatser/2024/f.csv", []byte(good+"P9;2024-10-01;Bromma;LSS;Personlig assistans;X;34;Egen regi;;\n"))
	if f != nil || err == nil {
		t.Fatalf("a file with one bad row gave %v rows and error %v", f, err)
	}
}

// TestDatasetAndPeriodWithoutFolder reads files whose key says nothing:
// the header tells the dataset, the name or the År column the period.
func TestDatasetAndPeriodWithoutFolder(t *testing.T) {
	for _, tc := range []struct {
		key, data string
		dataset   upload.Dataset
		period    upload.Period
	}{
		{"Downloads/insatser_2024.csv", insatserHeader + row1, upload.Insatser, upload.Period{Year: 2024}},
		{"export.csv", "År;Person-id;Nämnd;Kön;Belopp\n2023;P1;Bromma;K;100\n", upload.KBF, upload.Period{Year: 2023}},
		{"ej verkställda 2024 kv2.csv", "Person-id;Nämnd;Lagrum;Insats;Orsak;Kön;Beslutsdatum;Status\nP1;Bromma;LSS;Daglig verksamhet;Annat skäl;K;2023-11-02;Ej verkställt\n",
			upload.EjVerkstallda, upload.Period{Year: 2024, Quarter: 2}},
	} {
		f, err := upload.Read(tc.key, []byte(tc.data))
		if err != nil {
			t.Errorf("%s: %v", tc.key, err)
			continue
		}
		if f.Dataset != tc.dataset || f.Period != tc.period {
			t.Errorf("%s: read as %s %v, want %s %v", tc.key, f.Dataset, f.Period, tc.dataset, tc.period)
		}
	}
}

// TestEjVerkstalldaQuarters: a year file takes each row's quarter from
// Kvartal, a quarter file from its folder.
func TestEjVerkstalldaQuarters(t *testing.T) {
	const header = "Kvartal;Person-id;Nämnd;Lagrum;Insats;Orsak;Kön;Beslutsdatum;Status\n"
	f, err := upload.Read("uploads/ej_verkstallda/2023/f.csv", []byte(header+
		"Kv 2;P1;Bromma;LSS;Bostad för vuxna;Den enskilde har tackat nej;Kvinna;2022-11-02;Ej verkställt\n"+
		"2023-Q4;P2;Socialnämnden;SoL;Kontaktperson;Resursbrist, lämplig personal;Man;2023-06-30;Verkställt under perioden\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []v1.EjVerkstallt{
		{PersonID: "P1", Kvartal: 2, Namnd: "bromma", Lagrum: "LSS", Insats: "bostad_vuxna", Orsak: "tackat_nej", Kon: "K", Beslutsdatum: 19298, Status: "ej_verkstallt"},
		{PersonID: "P2", Kvartal: 4, Namnd: "socialnamnden", Lagrum: "SoL", Insats: "kontaktperson", Orsak: "resursbrist_personal", Kon: "M", Beslutsdatum: 19538, Status: "verkstallt"},
	}
	if !reflect.DeepEqual(f.EjVerkstallda, want) {
		t.Errorf("rows\n got %+v\nwant %+v", f.EjVerkstallda, want)
	}
	f, err = upload.Read("uploads/ej_verkstallda/2024-Q1/f.csv", []byte(strings.TrimPrefix(header, "Kvartal;")+
		"P1;Bromma;LSS;Daglig verksamhet;Annat skäl;K;2023-09-30;Ej verkställt\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.EjVerkstallda[0].Kvartal != 1 {
		t.Errorf("quarter %d from the folder 2024-Q1", f.EjVerkstallda[0].Kvartal)
	}
}

func TestBeslutValues(t *testing.T) {
	f, err := upload.Read("uploads/beslut/2024/f.csv", []byte(
		"Person-id;Beslutsdatum;Nämnd;Lagrum;Insats;Kön;Funktionsnedsättning;Utfall;Dom;Dom mot staden\n"+
			"P1;2024-03-01;Bromma;LSS;Ledsagarservice;Flicka;Neurologisk sjukdom;Delavslag;Ja;X\n"+
			"P2;2024-03-02;Bromma;SoL;Ledsagning;Pojke;Annan;Bifall;;\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []v1.Beslut{
		{PersonID: "P1", Beslutsdatum: 19783, Namnd: "bromma", Lagrum: "LSS", Insats: "ledsagning", Kon: "K", Funktionsnedsattning: "neurologisk", Utfall: "delavslag", Dom: true, DomMotStaden: true},
		{PersonID: "P2", Beslutsdatum: 19784, Namnd: "bromma", Lagrum: "SoL", Insats: "ledsagning", Kon: "M", Funktionsnedsattning: "annan", Utfall: "bifall"},
	}
	if !reflect.DeepEqual(f.Beslut, want) {
		t.Errorf("rows\n got %+v\nwant %+v", f.Beslut, want)
	}
}

// TestReportForms checks the JSON and text forms and the cap on listed
// problems.
func TestReportForms(t *testing.T) {
	var b strings.Builder
	b.WriteString(insatserHeader)
	n := upload.MaxProblems + 23
	for i := range n {
		fmt.Fprintf(&b, "P%d;2024-10-01;Bromma;LSS;Daglig verksamhet;X;30;Egen regi;;\n", i)
	}
	_, err := upload.Read("uploads/insatser/2024/many.csv", []byte(b.String()))
	r, ok := upload.AsReport(err)
	if !ok {
		t.Fatalf("want a report, got %v", err)
	}
	if len(r.Problems) != upload.MaxProblems || r.More != 23 || r.Counts[upload.ReasonUnknownCode] != n || r.Rows != n {
		t.Errorf("listed %d, more %d, counts %v, rows %d", len(r.Problems), r.More, r.Counts, r.Rows)
	}
	last := r.Problems[len(r.Problems)-1]
	if last.Row != upload.MaxProblems+1 {
		t.Errorf("last listed problem is in row %d, want %d (file order)", last.Row, upload.MaxProblems+1)
	}
	txt := r.String()
	for _, want := range []string{
		"uploads/insatser/2024/many.csv: rejected, nothing from this file is published: 123 problems (123 unknown_code) in 123 data rows of insatser 2024\n",
		"read as CSV, UTF-8, \";\"-separated, LF, header in row 1\n",
		"  row 2, column \"Kön\": \"X\" is not a kön; valid: Kvinnor, Män [unknown_code]\n",
		"  … and 23 more problems not listed\n",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text form lacks %q:\n%s", want, txt)
		}
	}
	if got := strings.Count(txt, "\n"); got != 2+upload.MaxProblems+1 {
		t.Errorf("text form has %d lines, want %d", got, 2+upload.MaxProblems+1)
	}
	if !strings.HasPrefix(err.Error(), "uploads/insatser/2024/many.csv: rejected, 123 problems; first: row 2, column \"Kön\"") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Error() = %q", err.Error())
	}

	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		File     string `json:"file"`
		Dataset  string `json:"dataset"`
		Period   string `json:"period"`
		Rows     int    `json:"rows"`
		More     int    `json:"more"`
		Dialect  map[string]any
		Counts   map[string]int
		Problems []map[string]any `json:"problems"`
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	p := back.Problems[0]
	if back.File != "uploads/insatser/2024/many.csv" || back.Dataset != "insatser" || back.Period != "2024" || back.Rows != n || back.More != 23 ||
		back.Counts["unknown_code"] != n || back.Dialect["delimiter"] != ";" ||
		p["row"] != 2.0 || p["column"] != "Kön" || p["value"] != "X" || p["reason"] != "unknown_code" || p["message"] == "" {
		t.Errorf("JSON form: %s", js)
	}
}

// TestGeography: an upload for a lake of the national geography is read
// against its municipality codes (labels or codes), and the same file for
// a Stockholm lake is rejected naming the column and the valid nämnder.
func TestGeography(t *testing.T) {
	rows := slices.Clone(insatser)
	for i := range rows {
		// one municipality per person
		n, _ := strconv.Atoi(strings.TrimPrefix(rows[i].PersonID, "P"))
		rows[i].Namnd = dataset.Kommuner.Areas[(n*61)%290]
	}
	kbf := []v1.KBF{{PersonID: "P1", Namnd: "k290", Kon: "K", BeloppKr: 1200}, {PersonID: "P2", Namnd: "k001", Kon: "M", BeloppKr: 800}}
	for _, file := range []*upload.File{
		{Dataset: upload.Insatser, Period: upload.Period{Year: 2024}, Insatser: rows},
		{Dataset: upload.KBF, Period: upload.Period{Year: 2024}, KBF: kbf},
	} {
		data, err := uploadtest.Encode(file, uploadtest.Style{Delimiter: ';', Codes: true})
		if err != nil {
			t.Fatal(err)
		}
		key := "uploads/" + string(file.Dataset) + "/2024/f.csv"
		got, err := upload.ReadIn(key, data, dataset.Kommuner)
		if err != nil {
			t.Fatalf("%s: %v\n%s", file.Dataset, err, data)
		}
		if !reflect.DeepEqual(got.Insatser, file.Insatser) || !reflect.DeepEqual(got.KBF, file.KBF) {
			t.Errorf("%s: rows differ:\n got %+v %+v\nwant %+v %+v", file.Dataset, got.Insatser, got.KBF, file.Insatser, file.KBF)
		}
		labelled := strings.ReplaceAll(string(data), "k290", "Kommun 290")
		if _, err := upload.ReadIn(key, []byte(labelled), dataset.Kommuner); err != nil {
			t.Errorf("%s: a municipality by its label: %v", file.Dataset, err)
		}
		_, err = upload.Read(key, data)
		rep, ok := upload.AsReport(err)
		if !ok || len(rep.Problems) == 0 || rep.Problems[0].Column != "Nämnd" || !strings.Contains(rep.Problems[0].Message, "Järva") {
			t.Errorf("%s: read for a Stockholm lake: %v", file.Dataset, err)
		}
	}
}
