package reports

import (
	"fmt"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
)

// Cubes the insatser tables read (named as in internal/aggregate; not
// imported from there to keep the lake format out of this package).
const (
	cubeInsatser   = "insatser"
	cubePersoner   = "insatser_personer"
	cubeBefolkning = "befolkning"
	cubeSFB        = "sfb"
)

// Measures of the insatser tables. A person has at most one decision per
// insats, so beslut of one insats (or of insatser no person holds together)
// counts persons.
var (
	beslut      = Count{cubeInsatser, "antal_beslut"}
	personer    = Count{cubePersoner, "antal_personer"}
	timmar      = Mean{cubeInsatser, "timmar_summa", "timmar_antal"}
	perInvanare = Rate{Of: beslut, Pop: Count{cubeBefolkning, "antal_invanare"}, Per: 10000}
)

// shareOfKon is the percent a sex makes up of both sexes.
func shareOfKon(of Count) Share { return Share{Of: of, DenWithout: []string{"kon"}} }

// shareOfRegi is the percent a regi (both sexes) makes up of all regi.
var shareOfRegi = Share{Of: beslut, NumWithout: []string{"kon"}, DenWithout: []string{"regi"}}

// Spellings of Norra innerstaden: the tables differ.
const (
	norraLower = "Norra innerstaden"
	norraUpper = "Norra Innerstaden"
)

const totalRow = "Totalt i staden"

var (
	kvinnor = f("kon", "K")
	man     = f("kon", "M")
)

// insatserSpecs specifies tables 9:1–9:15, 9:22 and 9:23 (datasets insatser,
// befolkning, sfb).
func insatserSpecs() []*Spec {
	return []*Spec{
		spec9_1(), spec9_2(), spec9_3(), spec9_4(), spec9_5(), spec9_6(),
		spec9_7(), spec9_8(), spec9_9(), spec9_10(), spec9_11(), spec9_12(),
		spec9_13(), spec9_14(), spec9_15(), spec9_22(), spec9_23(),
	}
}

// spec9_1 is Tabell 9:1 "Antal personer med insats enligt LSS, SoL
// respektive SFB per lagrum, samt fördelning mellan kvinnor och män,
// 2022–2024". The LSS, SoL and Både rows are persons by lagrumsgrupp (the
// "nettovärde": only LSS, only SoL, both); the SFB row reads the external
// sfb cube (Försäkringskassan) with the same column measures.
func spec9_1() *Spec {
	rows := lagrumsgruppRows()
	rows = append(rows, Line{Label: "SFB", Cube: cubeSFB})
	return &Spec{
		ID:   "9:1",
		Rows: rows,
		Cols: yearCols([]string{"2022", "2023", "2024"}, konShareCols(personer)...),
	}
}

// spec9_2 is Tabell 9:2 "Antal personer med insats enligt LSS och SoL per
// nämnd, samt fördelning mellan kvinnor och män, 2024": the lagrumsgrupper of
// 9:1 by nämnd, Socialnämnden included. A share over 0 persons (Socialnämnden,
// Både) is not computable.
func spec9_2() *Spec {
	var cols []Line
	for _, g := range []struct{ key, code string }{
		{"lss", "endast_lss"}, {"sol", "endast_sol"}, {"bade", "bade"},
	} {
		cols = append(cols, group(g.key, f("lagrumsgrupp", g.code), konShareCols(personer)...)...)
	}
	return &Spec{
		ID:    "9:2",
		Where: year("2024"),
		Rows:  namndRows(namnder(norraUpper)...),
		Cols:  cols,
	}
}

// spec9_3 is Tabell 9:3 "Antal verkställda beslut enligt LSS per insats
// totalt och uppdelat på kön, 2022–2024": decisions of every age.
func spec9_3() *Spec {
	return &Spec{
		ID:    "9:3",
		Where: f("lagrum", "LSS"),
		Rows:  insatsRows(dataset.Insats.InGroup("LSS")...),
		Cols:  yearCols([]string{"2022", "2023", "2024"}, konCountCols(beslut)...),
	}
}

// spec9_4 is Tabell 9:4 "Antal vuxna personer med beslut om personlig
// assistans enligt LSS, per nämnd samt genomsnittligt antal beviljade timmar
// per månad uppdelat på kön, 2022–2024": adults are 18 and older. The city
// total has no nämnd filter (Socialnämnden's decisions count in it).
func spec9_4() *Spec {
	return personligAssistans("9:4", 18, 120, "kvinnor_mv", "man_mv")
}

// spec9_5 is Tabell 9:5 "Antal barn/ungdomar med beslut om personlig
// assistans enligt LSS per nämnd samt genomsnittligt antal beviljade timmar
// per månad uppdelat på kön, 2022–2024": children are 0–17 years (the
// table's own footnote), unlike 9:3 and 9:23 where they are 0–23.
func spec9_5() *Spec {
	return personligAssistans("9:5", 0, 17, "flickor_mv", "pojkar_mv")
}

// personligAssistans is 9:4 and 9:5: per year the mean granted hours of
// women and men (keys k and m) and the number of persons, for ages lo..hi.
func personligAssistans(id string, lo, hi int, k, m string) *Spec {
	return &Spec{
		ID:    id,
		Where: cube.Filter{"insats": {"personlig_assistans"}, "aldersgrupp": bands(lo, hi)},
		Rows:  namndRows(districts(norraUpper)...),
		Cols:  yearCols([]string{"2022", "2023", "2024"}, meanCols(k, m, "totalt", beslut)...),
	}
}

// spec9_6 is Tabell 9:6 "Antal personer som bor på bostad med särskild
// service för vuxna enligt LSS, uppdelat på typ av bostad samt kvinnor och
// män, 2024".
func spec9_6() *Spec {
	var rows []Line
	for _, c := range dataset.Boendeform.Codes {
		rows = append(rows, Line{Label: c.Label, Where: f("boendeform", c.Code)})
	}
	return &Spec{
		ID:    "9:6",
		Where: year("2024").Merge(f("insats", "bostad_vuxna")),
		Rows:  append(rows, Line{Label: totalRow}),
		Cols: []Line{
			{Label: "andel_kvinnor_pct", Where: kvinnor, Measure: shareOfKon(beslut)},
			{Label: "andel_man_pct", Where: man, Measure: shareOfKon(beslut)},
			{Label: "totalt_antal", Measure: beslut},
		},
	}
}

// spec9_7 is Tabell 9:7 "Antal personer från 69 år med verkställt beslut om
// bostad med särskild service (LSS) uppdelat på nämnd och kön, 2024".
func spec9_7() *Spec {
	return &Spec{
		ID:    "9:7",
		Where: cube.Filter{"ar": {"2024"}, "insats": {"bostad_vuxna"}, "aldersgrupp": bands(69, 120)},
		Rows:  namndRows(namnder(norraLower)...),
		Cols:  konCountCols(beslut),
	}
}

// spec9_8 is Tabell 9:8 "Antal personer med daglig verksamhet enligt LSS,
// fördelat på åldersgrupp och kön, 2024". The total covers ages 15–64 only,
// the sum of the printed age groups: the report's total of 3 214 persons is
// below the 3 317 decisions of 9:3 because it leaves out persons 65 and older.
func spec9_8() *Spec {
	return &Spec{
		ID:    "9:8",
		Where: year("2024").Merge(f("insats", "daglig_verksamhet")),
		Rows:  ageRows(),
		Cols:  konCountCols(beslut),
	}
}

// spec9_9 is Tabell 9:9 "Antal verkställda beslut enligt LSS per 10 000
// invånare efter stadsdelsnämnd, 2024". The column "Bostad med särskild
// service" counts bostad för vuxna and bostad för barn/ungdomar together:
// only that reading is consistent with every printed total rate. The city
// total counts every decision (Socialnämnden's too) over the whole
// population.
func spec9_9() *Spec {
	return &Spec{
		ID:    "9:9",
		Where: year("2024"),
		Rows:  namndRows(districts(norraLower)...),
		Cols: rateCols(
			insatser("personlig_assistans", "personlig_assistans"),
			insatser("daglig_verksamhet", "daglig_verksamhet"),
			insatser("avlosarservice", "avlosarservice"),
			insatser("bostad_sarskild_service", "bostad_vuxna", "bostad_barn"),
			insatser("kontaktperson", "kontaktperson"),
			insatser("ledsagarservice", "ledsagarservice"),
		),
	}
}

// spec9_10 is Tabell 9:10 "Antal verkställda beslut enligt SoL per insats,
// totalt och uppdelat på kön, 2022–2024".
func spec9_10() *Spec {
	return &Spec{
		ID:    "9:10",
		Where: f("lagrum", "SoL"),
		Rows:  insatsRows(dataset.Insats.InGroup("SoL")...),
		Cols:  yearCols([]string{"2022", "2023", "2024"}, konCountCols(beslut)...),
	}
}

// spec9_11 is Tabell 9:11 "Antal personer med boendestöd totalt, fördelat på
// åldersgrupp och kön, 2023–2024". As in 9:8, the total covers ages 15–64.
func spec9_11() *Spec {
	return &Spec{
		ID:    "9:11",
		Where: f("insats", "sol_boendestod"),
		Rows:  ageRows(),
		Cols:  yearCols([]string{"2023", "2024"}, konCountCols(beslut)...),
	}
}

// spec9_12 is Tabell 9:12 "Antal boendestödstimmar totalt, per månad och
// stadsdelsnämnd i genomsnitt, totalt och uppdelat på kvinnor och män,
// 2023–2024": all three columns are means (Totalt is the mean of both sexes).
func spec9_12() *Spec {
	return &Spec{
		ID:    "9:12",
		Where: f("insats", "sol_boendestod"),
		Rows:  namndRows(districts(norraUpper)...),
		Cols:  yearCols([]string{"2023", "2024"}, meanCols("kvinnor_mv", "man_mv", "totalt", timmar)...),
	}
}

// spec9_13 is Tabell 9:13 "Antal verkställda beslut enligt SoL per 10 000
// invånare efter nämnd, 2024".
func spec9_13() *Spec {
	return &Spec{
		ID:    "9:13",
		Where: year("2024"),
		Rows:  namndRows(districts(norraLower)...),
		Cols: rateCols(
			insatser("boendestod", "sol_boendestod"),
			insatser("hemtjanst", "sol_hemtjanst"),
			insatser("trygghetslarm", "sol_trygghetslarm"),
			insatser("ledsagning", "sol_ledsagning"),
			insatser("bostad_sarskild_service", "sol_bostad"),
		),
	}
}

// spec9_14 is Tabell 9:14 "Antal personer med beslut om ledsagarservice
// enligt LSS och ledsagning enligt SoL per nämnd, samt genomsnittligt antal
// beviljade timmar uppdelat på kön, 2024".
func spec9_14() *Spec {
	return lssSolHours("9:14", norraUpper, "ledsagarservice", "sol_ledsagning")
}

// spec9_15 is Tabell 9:15 "Antal personer med beslut om avlösarservice
// enligt LSS och avlösning enligt SoL per nämnd, samt genomsnittligt antal
// beviljade timmar uppdelat på kön, 2024".
func spec9_15() *Spec {
	return lssSolHours("9:15", norraLower, "avlosarservice", "sol_avlosning")
}

// lssSolHours is 9:14 and 9:15: for an LSS insats and its SoL counterpart,
// the mean hours of women and men and the number of persons, by district.
func lssSolHours(id, norra, lss, sol string) *Spec {
	cols := meanCols("antal_timmar.kvinnor_mv", "antal_timmar.man_mv", "antal_personer.totalt", beslut)
	return &Spec{
		ID:    id,
		Where: year("2024"),
		Rows:  namndRows(districts(norra)...),
		Cols: append(group("lss", f("insats", lss), cols...),
			group("sol", f("insats", sol), cols...)...),
	}
}

// spec9_22 is Tabell 9:22 "Antal och andel verkställda beslut för vuxna per
// insats (LSS och SoL), uppdelat på regi samt kvinnor och män, 2024".
// Ledsagning (LSS ledsagarservice and SoL ledsagning), avlösning (LSS
// avlösarservice and SoL avlösning) and korttidsvistelse (LSS) count adults
// as 24 and older, the complement of 9:23's children and young people up to
// 23; bostad (för vuxna) and daglig verksamhet count every age. The share is
// printed once per regi (on its Kvinnor row) and is the regi's decisions,
// both sexes, as a percent of all regi.
func spec9_22() *Spec {
	return &Spec{
		ID:    "9:22",
		Where: year("2024"),
		Rows:  regiRows("Kvinnor", "Män"),
		Cols: regiCols(
			insatser("ledsagning", "ledsagarservice", "sol_ledsagning").aged(24, 120),
			insatser("avlosning", "avlosarservice", "sol_avlosning").aged(24, 120),
			insatser("korttidsvistelse", "korttidsvistelse").aged(24, 120),
			insatser("bostad", "bostad_vuxna"),
			insatser("daglig_verksamhet", "daglig_verksamhet"),
		),
	}
}

// spec9_23 is Tabell 9:23 "Antal och andel verkställda beslut för
// barn/ungdomar per insats (LSS & SoL), uppdelat på regi samt flickor och
// pojkar, 2024". Children and young people are 0–23 years (as in 9:3);
// korttidstillsyn and bostad för barn/ungdomar count every age.
func spec9_23() *Spec {
	return &Spec{
		ID:    "9:23",
		Where: year("2024"),
		Rows:  regiRows("Flickor", "Pojkar"),
		Cols: regiCols(
			insatser("avlosning", "avlosarservice", "sol_avlosning").aged(0, 23),
			insatser("korttidsvistelse", "korttidsvistelse").aged(0, 23),
			insatser("korttidstillsyn", "korttidstillsyn"),
			insatser("bostad", "bostad_barn"),
		),
	}
}

// Builders.

// year selects one year.
func year(y string) cube.Filter { return f("ar", y) }

// bands selects the age bands within ages lo..hi.
func bands(lo, hi int) []string { return dataset.BandsBetween(lo, hi) }

// group prefixes the labels of cols with prefix and a dot and narrows them
// by where.
func group(prefix string, where cube.Filter, cols ...Line) []Line {
	out := make([]Line, len(cols))
	for i, c := range cols {
		c.Label = prefix + "." + c.Label
		c.Where = where.Merge(c.Where)
		out[i] = c
	}
	return out
}

// yearCols repeats cols for each year, keyed "2024.<key>".
func yearCols(years []string, cols ...Line) []Line {
	var out []Line
	for _, y := range years {
		out = append(out, group(y, year(y), cols...)...)
	}
	return out
}

// konShareCols are the percent of women, the percent of men and the total
// count of a count measure.
func konShareCols(of Count) []Line {
	return []Line{
		{Label: "kvinnor_pct", Where: kvinnor, Measure: shareOfKon(of)},
		{Label: "man_pct", Where: man, Measure: shareOfKon(of)},
		{Label: "antal", Measure: of},
	}
}

// konCountCols are the counts of women, men and both.
func konCountCols(of Count) []Line {
	return []Line{
		{Label: "kvinnor", Where: kvinnor, Measure: of},
		{Label: "man", Where: man, Measure: of},
		{Label: "totalt", Measure: of},
	}
}

// meanCols are the mean hours of women and of men (keys k and m) and a third
// column of both sexes (key total) with measure last.
func meanCols(k, m, total string, last Measure) []Line {
	return []Line{
		{Label: k, Where: kvinnor, Measure: timmar},
		{Label: m, Where: man, Measure: timmar},
		{Label: total, Measure: last},
	}
}

// keyed is a column key with the filter of its insatser (and ages).
type keyed struct {
	key   string
	where cube.Filter
}

// insatser is a column key over the given insats codes.
func insatser(key string, codes ...string) keyed { return keyed{key, f("insats", codes...)} }

// aged narrows k to the ages lo..hi.
func (k keyed) aged(lo, hi int) keyed {
	return keyed{k.key, k.where.Merge(f("aldersgrupp", bands(lo, hi)...))}
}

// rateCols are decisions per 10 000 inhabitants, a column per key.
func rateCols(cols ...keyed) []Line {
	out := make([]Line, len(cols))
	for i, c := range cols {
		out[i] = Line{Label: c.key, Where: c.where, Measure: perInvanare}
	}
	return out
}

// regiCols are, per insats group, the number of decisions ("<key>.antal")
// and the regi's share of all regi ("<key>.total_pct").
func regiCols(cols ...keyed) []Line {
	var out []Line
	for _, c := range cols {
		out = append(out, group(c.key, c.where,
			Line{Label: "antal", Measure: beslut},
			Line{Label: "total_pct", Measure: shareOfRegi})...)
	}
	return out
}

// districts lists the eleven districts as the tables print them, with
// Norra innerstaden spelled norra.
func districts(norra string) []string {
	var out []string
	for _, code := range dataset.Districts() {
		l := dataset.Namnd.Label(code)
		if code == "norra_innerstaden" {
			l = norra
		}
		out = append(out, l)
	}
	return out
}

// nämnder lists the districts and Socialnämnden.
func namnder(norra string) []string {
	return append(districts(norra), dataset.Namnd.Label("socialnamnden"))
}

// namndCode maps a printed nämnd label to its code, ignoring case. The labels
// are fixed in this file, so an unknown one is a programming error.
func namndCode(label string) string {
	code, err := dataset.Namnd.Normalize(label)
	if err != nil {
		panic(fmt.Sprintf("reports: %v", err))
	}
	return code
}

// namndRows is a row per nämnd label and the city total without a nämnd
// filter.
func namndRows(labels ...string) []Line {
	var rows []Line
	for _, l := range labels {
		rows = append(rows, Line{Label: l, Where: f("namnd", namndCode(l))})
	}
	return append(rows, Line{Label: totalRow})
}

// insatsRows is a row per insats code, labelled as dataset.Insats prints it,
// and the total of the spec's lagrum.
func insatsRows(codes ...string) []Line {
	var rows []Line
	for _, c := range codes {
		rows = append(rows, Line{Label: dataset.Insats.Label(c), Where: f("insats", c)})
	}
	return append(rows, Line{Label: totalRow})
}

// lagrumsgruppRows is a row per lagrumsgrupp (LSS, SoL, Både LSS och SoL).
func lagrumsgruppRows() []Line {
	var rows []Line
	for _, c := range dataset.Lagrumsgrupp.Codes {
		rows = append(rows, Line{Label: c.Label, Where: f("lagrumsgrupp", c.Code)})
	}
	return rows
}

// ageRows are the age groups of 9:8 and 9:11, each a union of bands, and a
// total over ages 15–64 (the sum of the groups, not every age).
func ageRows() []Line {
	var rows []Line
	for _, g := range [][2]int{{15, 19}, {20, 24}, {25, 34}, {35, 44}, {45, 54}, {55, 64}} {
		label := fmt.Sprintf("%d–%d år", g[0], g[1])
		rows = append(rows, Line{Label: label, Where: f("aldersgrupp", bands(g[0], g[1])...)})
	}
	return append(rows, Line{Label: totalRow, Where: f("aldersgrupp", bands(15, 64)...)})
}

// regiRows are, for each regi but "uppgift saknas", a row per sex labelled
// "<regi>, <female>" and "<regi>, <male>"; then "Uppgift saknas" (both
// sexes) and the city total.
func regiRows(female, male string) []Line {
	var rows []Line
	for _, c := range dataset.Regi.Codes {
		if c.Code == "uppgift_saknas" {
			continue
		}
		rows = append(rows,
			Line{Label: c.Label + ", " + female, Where: f("regi", c.Code).Merge(kvinnor)},
			Line{Label: c.Label + ", " + male, Where: f("regi", c.Code).Merge(man)})
	}
	return append(rows,
		Line{Label: dataset.Regi.Label("uppgift_saknas"), Where: f("regi", "uppgift_saknas")},
		Line{Label: totalRow})
}
