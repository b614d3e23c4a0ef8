package api

import (
	"slices"
	"strings"

	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/reports"
)

// Measure is what a table's cells count or compute.
type Measure string

// Measures of the generic table query (the GraphQL enum Measure).
const (
	Persons            Measure = "PERSONS"
	Decisions          Measure = "DECISIONS"
	Rulings            Measure = "RULINGS"
	RulingsAgainstCity Measure = "RULINGS_AGAINST_CITY"
	MeanHours          Measure = "MEAN_HOURS"
	SumSEK             Measure = "SUM_SEK"
	Share              Measure = "SHARE"
	RatePer10000       Measure = "RATE_PER_10000"
	Providers          Measure = "PROVIDERS"
	Inhabitants        Measure = "INHABITANTS"
)

// measureInfo describes a measure for the schema and for answers.
var measureInfo = []struct {
	m    Measure
	unit string
	doc  string
}{
	{Persons, "antal personer", "Number of persons."},
	{Decisions, "antal beslut", "Number of decisions."},
	{Rulings, "antal domar", "Number of court rulings (dataset beslut)."},
	{RulingsAgainstCity, "antal domar mot stadens beslut", "Number of court rulings against the city's decision (dataset beslut)."},
	{MeanHours, "timmar per månad (medelvärde)", "Mean granted hours per month per person (dataset insatser; each cell must be insatser granted in hours, or none such)."},
	{SumSEK, "kronor", "Sum of amounts in SEK (dataset kbf)."},
	{Share, "procent", "A count as a percent of the same count with the dimension named by shareOf at its total."},
	{RatePer10000, "per 10 000 invånare", "A count per 10 000 inhabitants of the cell's nämnd (the city's with no nämnd)."},
	{Providers, "antal verksamheter", "Number of providers with a LOV contract (dataset lov)."},
	{Inhabitants, "antal invånare", "Number of inhabitants on 31 December (dataset befolkning)."},
}

// unitOf returns the unit of measure m.
func unitOf(m Measure) string {
	for _, x := range measureInfo {
		if x.m == m {
			return x.unit
		}
	}
	return ""
}

// unitOfKind is the unit of a figure of a printed table, by its kind.
func unitOfKind(k reports.Kind) string {
	switch k {
	case reports.KindMean:
		return unitOf(MeanHours)
	case reports.KindShare:
		return unitOf(Share)
	case reports.KindRate:
		return unitOf(RatePer10000)
	case reports.KindAmount:
		return unitOf(SumSEK)
	}
	return "antal"
}

// datasetDef is a dataset of the generic table query: a cube of the lake,
// the dimensions the protected structure has (the cube may have more, such
// as the beslut's nämnd, which no published cell splits by), and the
// measures.
type datasetDef struct {
	name, label, doc string
	// cube is the aggregate cube (named as in internal/aggregate).
	cube string
	// public datasets are aggregates published by others (population,
	// providers, Försäkringskassan's counts): every cell is shown. The
	// others go through disclosure control.
	public bool
	// quarterly datasets have the period dimension kvartal besides ar.
	quarterly bool
	dims      []dimDef
	// count is the count field a share or rate of the dataset counts.
	count string
	// measures maps each measure the dataset has to the count field its
	// cells rest on (the count disclosure control marks).
	measures map[Measure]string
	// compatible, when set, says whether a lagrum and an insats code can
	// meet in one cell.
	compatible func(lagrum, insats string) bool
	// notes are footnotes of every answer from the dataset.
	notes []string
}

// dimDef is a dimension of a dataset.
type dimDef struct {
	name, label string
	codes       dataset.CodeList
	// labels are the codes' labels by code (CodeList.Label searches the
	// list: a national lake's nämnd has 290 codes).
	labels map[string]string
	// values are the codes, in code-list order (CodeValues, made once;
	// never changed).
	values []string
	// members are the cells' coordinates of the total ([0]) and of each
	// code in code-list order, made once (a table of every code uses
	// them as they are).
	members []coord
	// json keeps the members' JSON, on the dimDef the coordinates point
	// to (coord.dim; cellwrite.go).
	json *memberJSON
}

// dimSerial numbers the dimensions made (for coord.list).
var dimSerial int

func newDim(name, label string, codes dataset.CodeList) dimDef {
	d := dimDef{name: name, label: label, codes: codes, labels: map[string]string{}, values: codes.CodeValues()}
	for _, c := range codes.Codes {
		d.labels[c.Code] = c.Label
	}
	named := &dimDef{name: name, label: label, json: &memberJSON{}}
	dimSerial++
	add := func(c coord) {
		c.dim, c.list, c.pos = named, dimSerial, len(d.members)
		d.members = append(d.members, c)
	}
	add(coord{total: true, code: totalCode, label: totalLabel})
	for _, c := range codes.Codes {
		add(coord{code: c.Code, label: c.Label, keyPart: "|" + name + "=" + c.Code})
	}
	for i := range d.members {
		d.members[i].n = len(d.members)
	}
	return d
}

// membersOf returns the coordinates of the total and of codes (in
// code-list order, as a plan has them): the dimension's own when codes
// are all of its codes, else made for them.
func (d *dimDef) membersOf(codes []string) []coord {
	if len(codes) == len(d.members)-1 {
		return d.members
	}
	// A plan's codes are in code-list order: one walk finds them.
	out := make([]coord, 0, len(codes)+1)
	out = append(out, d.members[0])
	j := 1
	for _, c := range codes {
		for j < len(d.members) && d.members[j].code != c {
			j++
		}
		if j == len(d.members) {
			return d.madeFor(codes)
		}
		out = append(out, d.members[j])
	}
	return out
}

// madeFor makes the coordinates of the total and of codes in any order.
func (d *dimDef) madeFor(codes []string) []coord {
	out := []coord{d.members[0]}
	for _, c := range codes {
		out = append(out, coord{dim: d.members[0].dim, code: c, label: d.codeLabel(c), keyPart: "|" + d.name + "=" + c})
	}
	return out
}

// codeLabel is the label of code (code itself when unknown, as
// CodeList.Label).
func (d *dimDef) codeLabel(code string) string {
	if l, ok := d.labels[code]; ok {
		return l
	}
	return code
}

func (d *datasetDef) dim(name string) (dimDef, bool) {
	for _, x := range d.dims {
		if x.name == name {
			return x, true
		}
	}
	return dimDef{}, false
}

// Dimensions, with the labels the reports print as headings.
var (
	dimLagrum       = newDim("lagrum", "Lagrum", dataset.Lagrum)
	dimKon          = newDim("kon", "Kön", dataset.Kon)
	dimAldersgrupp  = newDim("aldersgrupp", "Åldersgrupp", dataset.Aldersgrupp)
	dimRegi         = newDim("regi", "Regi", dataset.Regi)
	dimBoendeform   = newDim("boendeform", "Typ av bostad", dataset.Boendeform)
	dimLagrumsgrupp = newDim("lagrumsgrupp", "Lagrum (nettovärde)", dataset.Lagrumsgrupp)
)

// ejVerkstalldaInsats is the insats list of the reports to IVO: the LSS
// insatser and the SoL bistånd (kontaktperson is in both).
func ejVerkstalldaInsats() dataset.CodeList {
	l := dataset.CodeList{Name: "insats", Doc: "LSS: the insats (LSS 9 §); SoL: the bistånd as reported to IVO. Kontaktperson is in both."}
	for _, code := range dataset.Insats.InGroup("LSS") {
		c, _ := dataset.Insats.Lookup(code)
		if dataset.Bistand.Has(code) {
			c.Group = ""
		}
		l.Codes = append(l.Codes, c)
	}
	for _, c := range dataset.Bistand.Codes {
		if !l.Has(c.Code) {
			c.Group = "SoL"
			l.Codes = append(l.Codes, c)
		}
	}
	return l
}

// hourInsatser are the insatser granted in hours: each of their decisions
// records the hours per month, and no other insats has any.
var hourInsatser = []string{"personlig_assistans", "ledsagarservice", "avlosarservice", "sol_boendestod", "sol_ledsagning", "sol_avlosning"}

// districtNote is the reports' note on the districts merged in July 2023.
const districtNote = "Rinkeby-Kista och Spånga-Tensta stadsdelsnämnder har bildat Järva stadsdelsnämnd samt Norrmalm och Östermalm stadsdelsnämnder har bildat Norra innerstaden stadsdelsnämnd. Båda sedan juli 2023. Siffror för 2022 är därför sammanlagda."

// datasetDefs are the datasets of the generic table query over Stockholm's
// nämnder, in the order the schema lists them.
var datasetDefs = newDatasetDefs(dataset.Stockholm)

// defsByGeography are the datasets over each geography a lake may name.
var defsByGeography = func() map[string][]*datasetDef {
	out := map[string][]*datasetDef{dataset.Stockholm.Name: datasetDefs}
	for _, g := range dataset.Geographies {
		if _, ok := out[g.Name]; !ok {
			out[g.Name] = newDatasetDefs(g)
		}
	}
	return out
}()

// newDatasetDefs returns the datasets with geo's codes in the dimension
// nämnd: all of them (namnd), or the areas only where only areas occur
// (distrikt: only districts pay KBF and have inhabitants).
func newDatasetDefs(geo dataset.Geography) []*datasetDef {
	namnd := newDim("namnd", geo.Label, geo.Namnd)
	distrikt := newDim("namnd", geo.AreaLabel, geo.AreaList())
	return []*datasetDef{
		{
			name: "insatser", label: "Verkställda beslut om insatser enligt LSS och SoL",
			doc:  "One verkställt beslut on the measurement date (1 October). A person holds at most one decision per insats, so decisions on one insats are also persons.",
			cube: "insatser", count: "antal_beslut",
			dims: []dimDef{namnd, dimLagrum, newDim("insats", "Insats", dataset.Insats), dimKon, dimAldersgrupp, dimRegi, dimBoendeform},
			measures: map[Measure]string{
				Decisions: "antal_beslut", Persons: "antal_beslut", MeanHours: "antal_beslut",
				Share: "antal_beslut", RatePer10000: "antal_beslut",
			},
			compatible: func(lagrum, insats string) bool {
				c, _ := dataset.Insats.Lookup(insats)
				return c.Group == lagrum
			},
		},
		{
			name: "insatser_personer", label: "Personer med insats, efter lagrum (LSS, SoL eller båda)",
			doc:  "Persons by the laws of all their decisions of the year: only LSS, only SoL, or both (the \"nettovärde\" of table 9:1).",
			cube: "insatser_personer", count: "antal_personer",
			dims:  []dimDef{namnd, dimKon, dimLagrumsgrupp},
			notes: []string{"Avser nettovärdet, det vill säga individer med insats enligt endast LSS, endast SoL, eller både LSS och SoL."},
			measures: map[Measure]string{
				Persons: "antal_personer", Share: "antal_personer", RatePer10000: "antal_personer",
			},
		},
		{
			name: "beslut", label: "Beslut och domar om ledsagning och kontaktperson",
			doc:  "One decision on an application for ledsagning/ledsagarservice or kontaktperson, with its outcome and court rulings.",
			cube: "beslut", count: "antal_beslut",
			dims: []dimDef{newDim("insats", "Insats", dataset.BeslutInsats),
				newDim("funktionsnedsattning", "Funktionsnedsättning", dataset.Funktionsnedsattning),
				newDim("utfall", "Utfall", dataset.Utfall), dimKon},
			measures: map[Measure]string{
				Decisions: "antal_beslut", Rulings: "antal_domar", RulingsAgainstCity: "antal_domar_mot_staden", Share: "antal_beslut",
			},
		},
		{
			name: "ej_verkstallda", label: "Ej verkställda beslut enligt LSS och SoL",
			doc:  "Decisions reported to IVO as not executed within three months, per quarter, whatever happened to them in the quarter.",
			cube: "ej_verkstallda", count: "antal_beslut", quarterly: true,
			dims: []dimDef{namnd, dimLagrum, newDim("insats", "Insats/bistånd", ejVerkstalldaInsats()),
				newDim("orsak", "Orsak", dataset.Orsak), dimKon},
			measures: map[Measure]string{Decisions: "antal_beslut", Share: "antal_beslut"},
			compatible: func(lagrum, insats string) bool {
				lss := dataset.Insats.Has(insats) && slices.Contains(dataset.Insats.InGroup("LSS"), insats)
				return (lagrum == "LSS" && lss) || (lagrum == "SoL" && dataset.Bistand.Has(insats))
			},
		},
		{
			name: "kbf", label: "Kommunalt bostadsbidrag för personer med funktionsnedsättning (KBF)",
			doc:  "One KBF recipient-year, with the amount paid. Only the districts pay KBF.",
			cube: "kbf", count: "antal_personer",
			dims: []dimDef{distrikt, dimKon},
			measures: map[Measure]string{
				Persons: "antal_personer", SumSEK: "antal_personer", Share: "antal_personer", RatePer10000: "antal_personer",
			},
		},
		{
			name: "lov", label: "Verksamheter med LOV-avtal",
			doc:  "Providers with a contract in the free-choice system (LOV), per insats category, as delivered.",
			cube: "lov", public: true,
			dims:     []dimDef{newDim("insats", "Insats", dataset.LovInsats)},
			measures: map[Measure]string{Providers: "antal_verksamheter"},
		},
		{
			name: "befolkning", label: "Befolkning per " + strings.ToLower(geo.AreaLabel),
			doc:  "Inhabitants per district on 31 December (SCB), the denominators of rates per 10 000 inhabitants.",
			cube: "befolkning", public: true,
			dims:     []dimDef{distrikt},
			measures: map[Measure]string{Inhabitants: "antal_invanare"},
		},
		{
			name: "sfb", label: "Personer med assistansersättning enligt SFB",
			doc:  "Persons with assistansersättning from Försäkringskassan in December, as delivered.",
			cube: "sfb", public: true,
			dims:     []dimDef{dimKon},
			measures: map[Measure]string{Persons: "antal_personer"},
		},
	}
}

// lookupDataset returns the definition of the dataset called name.
func lookupDataset(name string) (*datasetDef, bool) {
	for _, d := range datasetDefs {
		if d.name == name {
			return d, true
		}
	}
	return nil, false
}

// measuresOf lists a dataset's measures in the schema's order.
func (d *datasetDef) measuresOf() []Measure {
	var out []Measure
	for _, x := range measureInfo {
		if _, ok := d.measures[x.m]; ok {
			out = append(out, x.m)
		}
	}
	return out
}

// publicCubes are the cubes of aggregates published by others: the
// population (SCB), LOV providers and Försäkringskassan's counts. They are
// not about persons in the city's data, so no disclosure control applies.
var publicCubes = []string{"befolkning", "lov", "sfb"}
