package uploadtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/stockholm/insyn/internal/upload"
)

// badCase is a rejected sample: a small table (or raw bytes) and what is
// wrong with it.
type badCase struct {
	path  string
	about string
	table Table
	style Style
	raw   func() ([]byte, error)
}

// plain is the dialect of most rejected samples: semicolons and UTF-8,
// so that the files read well in a diff.
var plain = Style{Delimiter: ';', Encoding: UTF8}

// insatserHeader and insatserRows are a small valid insatser file for 2024;
// each rejected sample changes it in one way.
var insatserHeader = []any{"Person-id", "Mätdatum", "Nämnd", "Lagrum", "Insats", "Kön", "Ålder", "Regi", "Boendeform", "Timmar per månad"}

func insatserRows() Table {
	return Table{
		slices.Clone(insatserHeader),
		{"P1001", "2024-10-01", "Södermalm", "LSS", "Personlig assistans", "Kvinna", "34", "Egen regi", "", "120,5"},
		{"P1002", "2024-10-01", "Norra Innerstaden", "LSS", "Bostad med särskild service för vuxna", "Man", "52", "Entreprenad", "Gruppbostad", ""},
		{"P1002", "2024-10-01", "Norra Innerstaden", "LSS", "Daglig verksamhet", "Man", "52", "Egen regi", "", ""},
		{"P1003", "2024-10-01", "Järva", "SoL", "Boendestöd", "Kvinna", "41", "Privat regi (LOV)", "", "12"},
	}
}

// with returns the valid insatser table with edits applied; an edit sets
// cell (row, column) of the table, rows counted as in the file (1 is the
// header).
func with(edits ...edit) Table {
	t := insatserRows()
	for _, e := range edits {
		t[e.row-1][e.col] = e.value
	}
	return t
}

type edit struct {
	row, col int
	value    any
}

// Columns of insatserHeader.
const (
	iPerson = iota
	iMatdatum
	iNamnd
	iLagrum
	iInsats
	iKon
	iAlder
	iRegi
	iBoende
	iTimmar
)

func dropColumn(t Table, col int) Table {
	for i, row := range t {
		t[i] = slices.Delete(slices.Clone(row), col, col+1)
	}
	return t
}

func addColumn(t Table, header string, values ...any) Table {
	for i := range t {
		v := any("")
		if i == 0 {
			v = header
		} else if i-1 < len(values) {
			v = values[i-1]
		}
		t[i] = append(t[i], v)
	}
	return t
}

var kbfTable = Table{
	{"Person-id", "Nämnd", "Kön", "Belopp"},
	{"P2001", "Bromma", "Kvinna", "12 400,00"},
	{"P2002", "Farsta", "Man", "8 150,00"},
	{"P2003", "Skärholmen", "Man", "15 020,00"},
}

func kbfWith(edits ...edit) Table {
	t := slices.Clone(kbfTable)
	for i := range t {
		t[i] = slices.Clone(t[i])
	}
	for _, e := range edits {
		t[e.row-1][e.col] = e.value
	}
	return t
}

var badCases = []badCase{
	{path: "insatser/2024/unknown-code.csv", about: "a kön and a nämnd that are no code, label or alias",
		table: with(edit{2, iKon, "X"}, edit{5, iNamnd, "Gamla stan"}), style: plain},
	{path: "insatser/2024/missing-column.csv", about: "no Kön column",
		table: dropColumn(insatserRows(), iKon), style: plain},
	{path: "insatser/2024/unknown-column.csv", about: "a free-text column, a personnummer column and a KBF column",
		table: addColumn(addColumn(addColumn(insatserRows(), "Kommentar", "ring tillbaka"), "Personnummer"), "Belopp"), style: plain},
	{path: "insatser/2024/duplicate-column.csv", about: "Nämnd and Stadsdelsnämnd, both the nämnd",
		table: addColumn(insatserRows(), "Stadsdelsnämnd", "Södermalm", "Norra innerstaden", "Norra innerstaden", "Järva"), style: plain},
	{path: "insatser/2024/wrong-type.csv", about: "an age in words, an age with decimals, a date in words, hours with a unit",
		table: with(edit{2, iAlder, "trettiofyra"}, edit{3, iMatdatum, "1 okt 2024"}, edit{4, iAlder, "52,5"}, edit{5, iTimmar, "12 tim"}), style: plain},
	{path: "insatser/2024/negative-hours.csv", about: "negative hours per month",
		table: with(edit{2, iTimmar, "-120,5"}), style: plain},
	{path: "insatser/2024/out-of-range.csv", about: "an age of 152 and 2 000 hours a month",
		table: with(edit{2, iTimmar, "2 000"}, edit{3, iAlder, "152"}, edit{4, iAlder, "152"}), style: plain},
	{path: "insatser/2024/outside-period.csv", about: "a measurement date of 2023 in the 2024 folder",
		table: with(edit{4, iMatdatum, "2023-10-01"}), style: plain},
	{path: "insatser/2024/duplicate-row.csv", about: "the same decision twice",
		table: append(insatserRows(), insatserRows()[4]), style: plain},
	{path: "insatser/2024/contradiction.csv", about: "one person with two nämnder, kön and ages in one year",
		table: with(edit{4, iNamnd, "Södermalm"}, edit{4, iKon, "Kvinna"}, edit{4, iAlder, "53"}), style: plain},
	{path: "insatser/2024/second-decision.csv", about: "a second decision on the same lagrum and insats for one person",
		table: append(insatserRows(), []any{"P1003", "2024-10-01", "Järva", "SoL", "Boendestöd", "Kvinna", "41", "Egen regi", "", "8"}), style: plain},
	{path: "insatser/2024/inconsistent.csv", about: "a SoL insats under LSS; a boendeform on daglig verksamhet",
		table: with(edit{4, iBoende, "Gruppbostad"}, edit{5, iLagrum, "LSS"}), style: plain},
	{path: "insatser/2024/wrong-dataset.csv", about: "a KBF file in the insatser folder",
		table: kbfTable, style: plain},
	{path: "insatser/2024/field-count.csv", about: "comma-separated, with an unquoted decimal comma (one cell too many) and a row cut short",
		raw: func() ([]byte, error) {
			return []byte("Person-id,Mätdatum,Nämnd,Lagrum,Insats,Kön,Ålder,Regi,Boendeform,Timmar per månad\n" +
				"P1001,2024-10-01,Södermalm,LSS,Personlig assistans,Kvinna,34,Egen regi,,120,5\n" +
				"P1002,2024-10-01,Norra Innerstaden,LSS,Bostad med särskild service för vuxna,Man,52\n" +
				"P1003,2024-10-01,Järva,SoL,Boendestöd,Kvinna,41,Privat regi (LOV),,12\n"), nil
		}},
	{path: "insatser/2024/empty-value.csv", about: "a blank person id and a blank kön",
		table: with(edit{2, iPerson, ""}, edit{5, iKon, ""}), style: plain},
	{path: "insatser/2024/personnummer.csv", about: "a personnummer (Skatteverket's test number) as person id",
		table: with(edit{2, iPerson, "19121212-1212"}), style: plain},
	{path: "insatser/2024/no-header.csv", about: "rows without a header",
		table: insatserRows()[1:], style: plain},
	{path: "insatser/2024/no-rows.csv", about: "a header and nothing else",
		table: insatserRows()[:1], style: plain},
	{path: "insatser/2024/broken-quote.csv", about: "a quote inside an unquoted cell",
		raw: func() ([]byte, error) {
			return []byte("Person-id;Mätdatum;Nämnd;Lagrum;Insats;Kön;Ålder;Regi;Boendeform;Timmar per månad\n" +
				"P1001;2024-10-01;Södermalm;LSS;Personlig assistans;Kvinna;34;Egen regi;;120,5\n" +
				"P1002;2024-10-01;Norra Innerstaden;LSS;Bostad \"vuxna\";Man;52;Entreprenad;Gruppbostad;\n"), nil
		}},
	{path: "insatser/2024/bom-not-utf8.csv", about: "a UTF-8 byte order mark on a Windows-1252 file",
		raw: func() ([]byte, error) {
			b, err := insatserRows().CSV(Style{Delimiter: ';', Encoding: Windows1252, CRLF: true})
			return append([]byte{0xEF, 0xBB, 0xBF}, b...), err
		}},
	{path: "insatser/2024/legacy.xls", about: "an Excel 97–2003 workbook",
		raw: func() ([]byte, error) {
			return append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...), nil
		}},
	{path: "insatser/2024/truncated.xlsx", about: "an XLSX file cut off in transfer",
		raw: func() ([]byte, error) {
			b, err := insatserRows().XLSX(Style{})
			return b[:len(b)/2], err
		}},
	{path: "insatser/2024/half-declared.xlsx", about: "an XLSX whose worksheet declares half its size in the zip headers (with the CRC-32 of that half)",
		raw: func() ([]byte, error) {
			t := Table{slices.Clone(insatserHeader)}
			for i := range 40 {
				t = append(t, []any{fmt.Sprintf("P%04d", i+1), "2024-10-01", "Bromma", "LSS", "Daglig verksamhet", "Kvinna", "30", "Egen regi", "", ""})
			}
			b, err := t.XLSX(Style{})
			if err != nil {
				return nil, err
			}
			return CutSheet(b)
		}},
	{path: "insatser/2024/disguised-personnummer.csv", about: "personnummer written with an en dash, a minus sign, a non-breaking hyphen and full-width digits",
		table: with(edit{2, iPerson, "19121212\u20131212"}, edit{3, iPerson, "19121212\u22121212"}, edit{4, iPerson, "19121212\u20111212"},
			edit{5, iPerson, "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12"}), style: plain},
	{path: "insatser/2024/too-wide.xlsx", about: "an XLSX with a value in column 257 (IW)",
		style: Style{Format: upload.XLSX}, table: func() Table {
			t := insatserRows()
			row := make([]any, 257)
			for i := range row {
				row[i] = ""
			}
			copy(row, t[2])
			row[256] = "x"
			t[2] = row
			return t
		}()},
	{path: "insatser/2024/many-problems.csv", about: fmt.Sprintf("150 rows with an unknown kön: the report lists %d and counts the rest", upload.MaxProblems),
		style: plain, table: func() Table {
			t := Table{slices.Clone(insatserHeader)}
			for i := range 150 {
				t = append(t, []any{fmt.Sprintf("P%04d", i+1), "2024-10-01", "Bromma", "LSS", "Daglig verksamhet", "X", "30", "Egen regi", "", ""})
			}
			return t
		}()},
	{path: "insatser/2024-Q2/per-quarter.csv", about: "insatser in a quarter folder (insatser are yearly)",
		table: insatserRows(), style: plain},
	{path: "no-period.csv", about: "insatser with no period in the key, the name or an År column",
		table: insatserRows(), style: plain},
	{path: "kbf/2024/negative-amount.csv", about: "a negative amount",
		table: kbfWith(edit{3, 3, "-8 150,00"}), style: plain},
	{path: "kbf/2024/socialnamnden.csv", about: "Socialnämnden, which pays no KBF",
		table: kbfWith(edit{2, 1, "Socialnämnden"}), style: plain},
	{path: "kbf/2024/second-row.csv", about: "two rows for one recipient",
		table: kbfWith(edit{4, 0, "P2001"}), style: plain},
	{path: "kbf/2024/implausible.csv", about: "an amount of 10^15 kr and one of 1 000 001 kr",
		table: kbfWith(edit{2, 3, "1 000 000 000 000 000"}, edit{4, 3, "1000001"}), style: plain},
	{path: "kbf/2099/kbf_2099.csv", about: "a year folder in the future",
		table: kbfWith(), style: plain},
	{path: "kbf/2024/kbf_2024.csv.report.txt", about: "a valid KBF file named like a report",
		table: kbfWith(), style: plain},
	{path: "kbf/2024/year-column.csv", about: "an År column that says 2023 in the 2024 folder",
		table: addColumn(kbfWith(), "År", "2024", "2023", "2024"), style: plain},
	{path: "beslut/2024/xlsx-problems.xlsx", about: "XLSX under two title rows: a date serial in 2023, an unknown utfall, Dom mot staden without Dom, a Dom that is not ja/nej",
		style: Style{Format: upload.XLSX, Sheet: "Beslut", SerialDates: true},
		table: Table{
			{"Beslut om ledsagning och kontaktperson 2024"},
			{""},
			{"Person-id", "Beslutsdatum", "Nämnd", "Lagrum", "Insats", "Kön", "Funktionsnedsättning", "Utfall", "Dom", "Dom mot staden"},
			{"P3001", mustDate("2024-03-14"), "Farsta", "LSS", "Ledsagarservice", "Kvinna", "Autism", "Bifall", "Nej", "Nej"},
			{"P3002", mustDate("2023-12-29"), "Bromma", "SoL", "Ledsagning", "Man", "Demens", "Avslag", "Nej", "Nej"},
			{"P3003", mustDate("2024-06-03"), "Järva", "LSS", "Kontaktperson", "Man", "Intellektuell funktionsnedsättning", "Beviljad", "Nej", "Nej"},
			{"P3004", mustDate("2024-09-30"), "Järva", "LSS", "Kontaktperson", "Kvinna", "Autism", "Avslag", "Nej", "Ja"},
			{"P3005", mustDate("2024-11-12"), "Skarpnäck", "SoL", "Kontaktperson", "Kvinna", "Annan", "Delavslag", "Kanske", "Nej"},
		}},
	{path: "ej_verkstallda/2024-Q2/too-recent.csv", about: "a decision less than three months before the quarter's end; a Kvartal that is not the folder's",
		style: plain, table: Table{
			{"Kvartal", "Person-id", "Nämnd", "Lagrum", "Insats", "Orsak", "Kön", "Beslutsdatum", "Status"},
			{"Kv 2", "P4001", "Bromma", "LSS", "Bostad med särskild service för vuxna", "Den enskilde har tackat nej", "Kvinna", "2023-11-02", "Ej verkställt"},
			{"Kv 2", "P4002", "Södermalm", "SoL", "Kontaktperson", "Resursbrist, lämplig personal", "Man", "2024-05-15", "Ej verkställt"},
			{"Kv 3", "P4003", "Farsta", "SoL", "Permanent bostad", "Resursbrist, t.ex. ledig bostad", "Man", "2023-08-21", "Verkställt under perioden"},
		}},
	{path: "lov/2024/duplicate-category.csv", about: "Daglig verksamhet twice, and a count with decimals",
		style: plain, table: Table{
			{"Insats", "Antal verksamheter"},
			{"Ledsagar-/avlösarservice (SoL & LSS)", "75"}, {"Korttidshem", "32"}, {"Korttidstillsyn", "9,5"},
			{"Bostad med särskild service för barn och unga", "4"}, {"Bostad med särskild service vuxna", "6"},
			{"Daglig verksamhet", "170"}, {"Daglig verksamhet", "12"},
		}},
	{path: "lov/2024/negative-count.csv", about: "a negative number of providers and an unknown insats category",
		style: plain, table: Table{
			{"Insats", "Antal verksamheter"},
			{"Ledsagar-/avlösarservice (SoL & LSS)", "-75"}, {"Korttidshem", "32"}, {"Korttidstillsyn", "9"},
			{"Bostad med särskild service för barn och unga", "4"}, {"Bostad med särskild service vuxna", "6"},
			{"Daglig verksamhet", "170"}, {"Personlig assistans", "40"},
		}},
	{path: "befolkning/2024/missing-district.csv", about: "inhabitants of ten districts: Skärholmen has no row",
		style: plain, table: Table{
			{"Nämnd", "Antal invånare"},
			{"Järva", "84 012"}, {"Hässelby-Vällingby", "76 304"}, {"Bromma", "80 219"}, {"Kungsholmen", "73 000"},
			{"Norra innerstaden", "140 112"}, {"Södermalm", "131 087"}, {"Enskede-Årsta-Vantör", "109 514"},
			{"Skarpnäck", "49 220"}, {"Farsta", "61 008"}, {"Hägersten-Älvsjö", "112 403"},
		}},
	{path: "befolkning/2024/implausible.csv", about: "Socialnämnden (no district), a district with no inhabitants and one with more than Sweden, Järva and Rinkeby-Kista both",
		style: plain, table: Table{
			{"Nämnd", "Antal invånare"},
			{"Järva", "84 012"}, {"Rinkeby-Kista", "47 000"}, {"Hässelby-Vällingby", "76 304"}, {"Bromma", "0"}, {"Kungsholmen", "73 000 000"},
			{"Norra innerstaden", "140 112"}, {"Södermalm", "131 087"}, {"Enskede-Årsta-Vantör", "109 514"},
			{"Skarpnäck", "49 220"}, {"Farsta", "61 008"}, {"Hägersten-Älvsjö", "112 403"}, {"Skärholmen", "38 119"},
			{"Socialnämnden", "12"},
		}},
	{path: "sfb/2024/befolkning.csv", about: "inhabitants per district in the sfb folder",
		style: plain, table: Table{
			{"Nämnd", "Antal invånare"},
			{"Järva", "84 012"},
		}},
	{path: "sfb/2024/one-kon.csv", about: "persons with assistansersättning for women only",
		style: plain, table: Table{
			{"Kön", "Antal personer"},
			{"Kvinnor", "853"},
		}},
	{path: "ej_verkstallda/2024/no-kvartal.csv", about: "a whole year without a Kvartal column",
		style: plain, table: Table{
			{"Person-id", "Nämnd", "Lagrum", "Insats", "Orsak", "Kön", "Beslutsdatum", "Status"},
			{"P4001", "Bromma", "LSS", "Bostad för vuxna", "Den enskilde har tackat nej", "Kvinna", "2023-11-02", "Ej verkställt"},
		}},
}

func mustDate(s string) any {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Bad writes the rejected sample uploads under bad/.
func Bad() ([]Sample, error) {
	out := make([]Sample, 0, len(badCases))
	for _, c := range badCases {
		var data []byte
		var err error
		if c.raw != nil {
			data, err = c.raw()
		} else {
			data, err = c.table.Encode(c.style)
		}
		if err != nil {
			return nil, fmt.Errorf("bad sample %s: %w", c.path, err)
		}
		out = append(out, Sample{Path: "bad/" + c.path, About: c.about, Data: data})
	}
	return out, nil
}
