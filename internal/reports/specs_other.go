package reports

import (
	"unicode"
	"unicode/utf8"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
)

// Cubes the tables of this file read (named as in internal/aggregate).
const (
	cubeBeslut        = "beslut"
	cubeEjVerkstallda = "ej_verkstallda"
	cubeKBF           = "kbf"
	cubeLov           = "lov"
)

// Measures of tables 9:16–9:21 and ev:1–ev:6.
var (
	beslutAntal    = Count{cubeBeslut, "antal_beslut"}
	beslutDomar    = Count{cubeBeslut, "antal_domar"}
	beslutDomarMot = Count{cubeBeslut, "antal_domar_mot_staden"}
	// beslutAndel is a utfall's percent of all decisions of the column.
	beslutAndel   = Share{Of: beslutAntal, DenWithout: []string{"utfall"}}
	kbfPersoner   = Count{cubeKBF, "antal_personer"}
	kbfBelopp     = Amount{Cube: cubeKBF, Field: "belopp_kr", Persons: "antal_personer"}
	lovAntal      = Count{cubeLov, "antal_verksamheter"}
	evAntalBeslut = Count{cubeEjVerkstallda, "antal_beslut"}
)

// otherSpecs specifies tables 9:16–9:21 and ev:1–ev:6 (datasets beslut, kbf,
// lov, ej_verkstallda).
func otherSpecs() []*Spec {
	return []*Spec{
		spec9_16(), spec9_17(), spec9_18(), spec9_19(), spec9_20(), spec9_21(),
		specEv("ev:1", "LSS", evInsatsRows(
			"Avlösarservice", "avlosarservice",
			"Boende för barn", "bostad_barn",
			"Bostad för vuxna", "bostad_vuxna",
			"Daglig verksamhet", "daglig_verksamhet",
			"Kontaktperson", "kontaktperson",
			"Korttidstillsyn", "korttidstillsyn",
			"Korttidsvistelse", "korttidsvistelse",
			"Ledsagarservice", "ledsagarservice",
			"Personlig assistans", "personlig_assistans")),
		specEv("ev:2", "SoL", codeRows("insats", dataset.Bistand, "Summa")),
		specEv("ev:3", "LSS", codeRows("orsak", dataset.Orsak, "Summa")),
		specEv("ev:4", "SoL", codeRows("orsak", dataset.Orsak, "Summa")),
		specEv("ev:5", "LSS", evKonRows()),
		specEv("ev:6", "SoL", evKonRows()),
	}
}

// spec9_16 is Tabell 9:16 "Beslut och domar i enskilda ärenden, per insats,
// 2024": decisions by utfall, the shares of delavslag and avslag, and court
// rulings, for ledsagning/ledsagarservice, kontaktperson and both.
func spec9_16() *Spec {
	return &Spec{
		ID:    "9:16",
		Where: f("ar", "2024"),
		Rows: append(utfallRows(),
			Line{Label: "Andel delavslag (%)", Where: f("utfall", "delavslag"), Measure: beslutAndel},
			Line{Label: "Andel (%) avslag", Where: f("utfall", "avslag"), Measure: beslutAndel},
			Line{Label: "Domar som meddelats", Measure: beslutDomar},
			Line{Label: "Domar mot stadens beslut", Measure: beslutDomarMot},
		),
		Cols: []Line{
			{Label: "ledsagning", Where: f("insats", "ledsagning")},
			{Label: "kontaktperson", Where: f("insats", "kontaktperson")},
			{Label: "totalt"},
		},
	}
}

// spec9_17 is Tabell 9:17 "Beslut och domar i enskilda ärenden avseende
// ledsagarservice/ledsagning, per funktionsnedsättning, 2024".
func spec9_17() *Spec { return beslutPerFunktionsnedsattning("9:17", "ledsagning") }

// spec9_18 is Tabell 9:18 "Beslut och domar i enskilda ärenden avseende
// kontaktperson, per funktionsnedsättning, 2024".
func spec9_18() *Spec { return beslutPerFunktionsnedsattning("9:18", "kontaktperson") }

// beslutPerFunktionsnedsattning is 9:17 and 9:18: decisions on insats by
// utfall (rows) and funktionsnedsättning (columns).
func beslutPerFunktionsnedsattning(id, insats string) *Spec {
	keys := []string{"intellektuell", "autism", "fysiska", "neurologiska", "demens", "synskada", "dovblindhet", "annan"}
	var cols []Line
	for i, code := range dataset.Funktionsnedsattning.CodeValues() {
		cols = append(cols, Line{Label: keys[i], Where: f("funktionsnedsattning", code)})
	}
	return &Spec{
		ID:    id,
		Where: cube.Filter{"ar": {"2024"}, "insats": {insats}},
		Rows:  utfallRows(),
		Cols:  cols,
	}
}

// utfallRows are "Antal beslut" and a "– varav" row per utfall.
func utfallRows() []Line {
	rows := []Line{{Label: "Antal beslut", Measure: beslutAntal}}
	for _, c := range dataset.Utfall.Codes {
		rows = append(rows, Line{Label: "– varav " + lowerFirst(c.Label), Where: f("utfall", c.Code), Measure: beslutAntal})
	}
	return rows
}

// spec9_19 is Tabell 9:19 "Antal personer med kommunalt bostadsbidrag för
// personer med funktionsnedsättningar (KBF) per nämnd, totalt samt uppdelat
// på kön, 2024". Only the districts pay KBF.
func spec9_19() *Spec {
	return &Spec{
		ID:    "9:19",
		Where: f("ar", "2024"),
		Rows:  districtRows("Norra innerstaden"),
		Cols: []Line{
			{Label: "kvinnor", Where: f("kon", "K"), Measure: kbfPersoner},
			{Label: "man", Where: f("kon", "M"), Measure: kbfPersoner},
			{Label: "totalt", Measure: kbfPersoner},
		},
	}
}

// spec9_20 is Tabell 9:20 "Antal kronor i kostnad för kommunalt
// bostadsbidrag för personer med funktionsnedsättning (KBF) per
// stadsdelsnämnd, 2022–2024".
func spec9_20() *Spec {
	return &Spec{
		ID:   "9:20",
		Rows: districtRows("Norra Innerstaden"),
		Cols: yearLines(kbfBelopp, "2022", "2023", "2024"),
	}
}

// spec9_21 is Tabell 9:21 "Antal verksamheter med LOV-avtal per insats,
// 2022–2024".
func spec9_21() *Spec {
	return &Spec{
		ID:   "9:21",
		Rows: codeRows("insats", dataset.LovInsats, "Totalt i staden"),
		Cols: yearLines(lovAntal, "2022", "2023", "2024"),
	}
}

// specEv is one of the tables of the report on ej verkställda beslut:
// decisions of one law reported per quarter, Kv 2 2023 – Kv 2 2024, with
// the given rows. Every reported decision counts, whatever its status.
func specEv(id, lagrum string, rows []Line) *Spec {
	var cols []Line
	for _, q := range []struct{ key, ar, kvartal string }{
		{"kv2_2023", "2023", "2"}, {"kv3_2023", "2023", "3"}, {"kv4_2023", "2023", "4"},
		{"kv1_2024", "2024", "1"}, {"kv2_2024", "2024", "2"},
	} {
		cols = append(cols, Line{Label: q.key, Where: cube.Filter{"ar": {q.ar}, "kvartal": {q.kvartal}}})
	}
	for i := range rows {
		rows[i].Measure = evAntalBeslut
	}
	return &Spec{ID: id, Where: f("lagrum", lagrum), Rows: rows, Cols: cols}
}

// evInsatsRows are rows from label, insats code pairs (Tabell 1 prints its
// own short labels, e.g. "Boende för barn"), and "Summa".
func evInsatsRows(labelCode ...string) []Line {
	var rows []Line
	for i := 0; i+1 < len(labelCode); i += 2 {
		rows = append(rows, Line{Label: labelCode[i], Where: f("insats", labelCode[i+1])})
	}
	return append(rows, Line{Label: "Summa"})
}

// evKonRows are the rows of Tabell 5 and 6: Man, Kvinna, Summa.
func evKonRows() []Line {
	return []Line{
		{Label: "Man", Where: f("kon", "M")},
		{Label: "Kvinna", Where: f("kon", "K")},
		{Label: "Summa"},
	}
}

// codeRows is a row per code of list on dimension dim, labelled as the list
// prints it, and a total row labelled total without a filter on dim.
func codeRows(dim string, list dataset.CodeList, total string) []Line {
	var rows []Line
	for _, c := range list.Codes {
		rows = append(rows, Line{Label: c.Label, Where: f(dim, c.Code)})
	}
	return append(rows, Line{Label: total})
}

// districtRows is a row per district, labelled as dataset.Namnd prints it
// but with Norra innerstaden spelled norra (the tables differ), and the
// city total.
func districtRows(norra string) []Line {
	var rows []Line
	for _, code := range dataset.Districts() {
		label := dataset.Namnd.Label(code)
		if code == "norra_innerstaden" {
			label = norra
		}
		rows = append(rows, Line{Label: label, Where: f("namnd", code)})
	}
	return append(rows, Line{Label: "Totalt i staden"})
}

// yearLines is a column per year, keyed by the year, with measure m.
func yearLines(m Measure, years ...string) []Line {
	cols := make([]Line, len(years))
	for i, y := range years {
		cols[i] = Line{Label: y, Where: f("ar", y), Measure: m}
	}
	return cols
}

// lowerFirst lower-cases the first letter: "Bifall" → "bifall".
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
