// Package dataset holds the contracts of insyn's datasets: their columns, the
// code lists the columns draw from, and how uploaded labels map to codes. It is
// the single source for the schema documentation in schema/ and for
// validation at ingest; it imports nothing from AWS.
package dataset

import (
	"fmt"
	"sort"
	"strings"
)

// Code is one value of a code list: a stable machine code and its Swedish
// label as the reports print it.
type Code struct {
	Code  string
	Label string
	// Aliases are further spellings accepted in uploads (compared case- and
	// accent-insensitively after trimming), e.g. old district names.
	Aliases []string
	// Group is the parent code in a hierarchy (the lagrum of an insats), if any.
	Group string
}

// CodeList is an ordered list of codes; the order is the report order.
type CodeList struct {
	Name  string
	Doc   string
	Codes []Code
}

// CodeValues returns the machine codes in report order.
func (l CodeList) CodeValues() []string {
	out := make([]string, len(l.Codes))
	for i, c := range l.Codes {
		out[i] = c.Code
	}
	return out
}

// Has reports whether code is in the list.
func (l CodeList) Has(code string) bool {
	_, ok := l.Lookup(code)
	return ok
}

// Lookup returns the entry for a machine code.
func (l CodeList) Lookup(code string) (Code, bool) {
	for _, c := range l.Codes {
		if c.Code == code {
			return c, true
		}
	}
	return Code{}, false
}

// Label returns the label of code, or code itself when unknown.
func (l CodeList) Label(code string) string {
	if c, ok := l.Lookup(code); ok {
		return c.Label
	}
	return code
}

// InGroup returns the codes whose Group is group, in report order.
func (l CodeList) InGroup(group string) []string {
	var out []string
	for _, c := range l.Codes {
		if c.Group == group {
			out = append(out, c.Code)
		}
	}
	return out
}

// Normalize maps an uploaded label, code or alias to its code. Matching
// ignores case, surrounding space, repeated inner space and the difference
// between hyphen, en dash and space. The error lists the valid labels.
func (l CodeList) Normalize(s string) (string, error) {
	key := fold(s)
	for _, c := range l.Codes {
		if fold(c.Code) == key || fold(c.Label) == key {
			return c.Code, nil
		}
		for _, a := range c.Aliases {
			if fold(a) == key {
				return c.Code, nil
			}
		}
	}
	labels := make([]string, len(l.Codes))
	for i, c := range l.Codes {
		labels[i] = c.Label
	}
	return "", fmt.Errorf("%q is not a %s; valid: %s", s, l.Name, JoinValid(labels))
}

// maxListed is how many valid values an error message lists in full.
const maxListed = 40

// JoinValid lists valid values for an error message: all of them, or for a
// long list (290 municipalities) the first and the last few with the count,
// so that one bad cell does not cost a page of text.
func JoinValid(values []string) string {
	if len(values) <= maxListed {
		return strings.Join(values, ", ")
	}
	return fmt.Sprintf("%s, …, %s (%d in all)", strings.Join(values[:5], ", "), strings.Join(values[len(values)-2:], ", "), len(values))
}

// dashes makes every dash, underscore and space a hyphen (fold); a
// Replacer is safe for concurrent use, and made once: building one costs
// more than using it.
var dashes = strings.NewReplacer("–", "-", "—", "-", "_", "-", " ", "-")

func fold(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = dashes.Replace(s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return s
}

// Nämnder: the eleven district councils since July 2023 and Socialnämnden.
// Uploads that use the districts' names before the merger map to the new
// district; figures for 2022 are therefore the sums of the old districts.
var Namnd = CodeList{
	Name: "nämnd",
	Doc:  "Stadsdelsnämnd or Socialnämnden. Rinkeby-Kista + Spånga-Tensta became Järva and Norrmalm + Östermalm became Norra innerstaden in July 2023; old names are accepted in uploads and mapped.",
	Codes: []Code{
		{Code: "jarva", Label: "Järva", Aliases: []string{"Rinkeby-Kista", "Spånga-Tensta", "Järva stadsdelsnämnd"}},
		{Code: "hasselby_vallingby", Label: "Hässelby-Vällingby"},
		{Code: "bromma", Label: "Bromma"},
		{Code: "kungsholmen", Label: "Kungsholmen"},
		{Code: "norra_innerstaden", Label: "Norra innerstaden", Aliases: []string{"Norrmalm", "Östermalm"}},
		{Code: "sodermalm", Label: "Södermalm"},
		{Code: "enskede_arsta_vantor", Label: "Enskede-Årsta-Vantör"},
		{Code: "skarpnack", Label: "Skarpnäck"},
		{Code: "farsta", Label: "Farsta"},
		{Code: "hagersten_alvsjo", Label: "Hägersten-Älvsjö"},
		{Code: "skarholmen", Label: "Skärholmen"},
		{Code: "socialnamnden", Label: "Socialnämnden"},
	},
}

// Districts are the nämnder that are geographic areas (all but Socialnämnden);
// only they have inhabitants.
func Districts() []string { return Namnd.CodeValues()[:11] }

// Lagrum is the law a decision is made under.
var Lagrum = CodeList{
	Name: "lagrum",
	Doc:  "The law a decision is made under.",
	Codes: []Code{
		{Code: "LSS", Label: "LSS"},
		{Code: "SoL", Label: "SoL"},
	},
}

// Insats is a granted service in the insatser dataset; Group is its lagrum.
var Insats = CodeList{
	Name: "insats",
	Doc:  "A granted service; its group is the lagrum. LSS 9 § 2–10 and the SoL insatser for persons with disabilities aged 0–64.",
	Codes: []Code{
		{Code: "personlig_assistans", Label: "Personlig assistans", Group: "LSS"},
		{Code: "ledsagarservice", Label: "Ledsagarservice", Group: "LSS"},
		{Code: "kontaktperson", Label: "Kontaktperson", Group: "LSS"},
		{Code: "avlosarservice", Label: "Avlösarservice", Group: "LSS"},
		{Code: "korttidsvistelse", Label: "Korttidsvistelse", Group: "LSS"},
		{Code: "korttidstillsyn", Label: "Korttidstillsyn", Group: "LSS"},
		{Code: "bostad_barn", Label: "Bostad med särskild service för barn/ungdomar", Group: "LSS", Aliases: []string{"Boende för barn"}},
		{Code: "bostad_vuxna", Label: "Bostad med särskild service för vuxna", Group: "LSS", Aliases: []string{"Bostad för vuxna"}},
		{Code: "daglig_verksamhet", Label: "Daglig verksamhet", Group: "LSS"},
		{Code: "sol_avlosning", Label: "Avlösning", Group: "SoL"},
		{Code: "sol_boendestod", Label: "Boendestöd", Group: "SoL"},
		{Code: "sol_bostad", Label: "Bostad med särskild service", Group: "SoL"},
		{Code: "sol_dagverksamhet", Label: "Dagverksamhet", Group: "SoL"},
		{Code: "sol_hemtjanst", Label: "Hemtjänst", Group: "SoL"},
		{Code: "sol_kontaktperson", Label: "Kontaktperson", Group: "SoL"},
		{Code: "sol_korttidsvistelse_barn", Label: "Korttidsvistelse barn/unga", Group: "SoL"},
		{Code: "sol_korttidsboende_vuxna", Label: "Korttidsboende vuxna", Group: "SoL"},
		{Code: "sol_ledsagning", Label: "Ledsagning", Group: "SoL"},
		{Code: "sol_trygghetslarm", Label: "Trygghetslarm", Group: "SoL"},
	},
}

// Bistand is the kind of SoL bistånd in the reports to IVO on ej verkställda
// beslut; it is coarser than Insats and includes IFO bistånd.
var Bistand = CodeList{
	Name: "bistånd",
	Doc:  "SoL bistånd as reported to IVO (4 kap. 1 § SoL).",
	Codes: []Code{
		{Code: "permanent_bostad", Label: "Permanent bostad"},
		{Code: "bostad_ifo", Label: "Bostad (IFO)"},
		{Code: "boendestod", Label: "Boendestöd"},
		{Code: "sysselsattning", Label: "Sysselsättning"},
		{Code: "hemtjanst", Label: "Hemtjänst"},
		{Code: "kontaktfamilj", Label: "Kontaktfamilj"},
		{Code: "korttidsboende", Label: "Korttidsboende"},
		{Code: "kontaktperson", Label: "Kontaktperson"},
		{Code: "stodboende", Label: "Stödboende"},
		{Code: "ledsagning", Label: "Ledsagning"},
		{Code: "oppenvard", Label: "Öppenvård"},
		{Code: "annat_bistand", Label: "Annat bistånd"},
	},
}

// Kon is legal sex as registered; children are labelled Flickor/Pojkar.
var Kon = CodeList{
	Name: "kön",
	Doc:  "K = kvinnor/flickor, M = män/pojkar.",
	Codes: []Code{
		{Code: "K", Label: "Kvinnor", Aliases: []string{"Kvinna", "Flickor", "Flicka", "Kv"}},
		{Code: "M", Label: "Män", Aliases: []string{"Man", "Pojkar", "Pojke"}},
	},
}

// Regi is who runs the service.
var Regi = CodeList{
	Name: "regi",
	Doc:  "Who runs the service.",
	Codes: []Code{
		{Code: "egen_regi", Label: "Egen regi"},
		{Code: "entreprenad", Label: "Entreprenad"},
		{Code: "privat_regi_lov", Label: "Privat regi (LOV)", Aliases: []string{"LOV", "Privat regi"}},
		{Code: "individuella_avtal", Label: "Individuella avtal", Aliases: []string{"Individuellt avtal"}},
		{Code: "intraprenad", Label: "Intraprenad"},
		{Code: "uppgift_saknas", Label: "Uppgift saknas"},
	},
}

// Boendeform is the type of housing for bostad med särskild service.
var Boendeform = CodeList{
	Name: "boendeform",
	Doc:  "Type of housing; set only for bostad med särskild service, empty otherwise.",
	Codes: []Code{
		{Code: "gruppbostad", Label: "Gruppbostad"},
		{Code: "servicebostad", Label: "Servicebostad"},
		{Code: "uppgift_saknas", Label: "Uppgift saknas"},
	},
}

// Aldersgrupp is the finest age band kept in the aggregates. Every age group a
// report prints is a union of these bands.
var Aldersgrupp = CodeList{
	Name: "åldersgrupp",
	Doc:  "Age at the measurement date, in the finest bands any published table needs; a report's age group is a union of bands.",
	Codes: []Code{
		{Code: "0-11", Label: "0–11 år"},
		{Code: "12-14", Label: "12–14 år"},
		{Code: "15-17", Label: "15–17 år"},
		{Code: "18-19", Label: "18–19 år"},
		{Code: "20-23", Label: "20–23 år"},
		{Code: "24", Label: "24 år"},
		{Code: "25-34", Label: "25–34 år"},
		{Code: "35-44", Label: "35–44 år"},
		{Code: "45-54", Label: "45–54 år"},
		{Code: "55-64", Label: "55–64 år"},
		{Code: "65-68", Label: "65–68 år"},
		{Code: "69-", Label: "69 år och äldre"},
	},
}

// bandLower are the lower bounds of Aldersgrupp's bands, in order.
var bandLower = []int{0, 12, 15, 18, 20, 24, 25, 35, 45, 55, 65, 69}

// AgeBand returns the Aldersgrupp code of an age in years.
func AgeBand(age int) string {
	i := sort.SearchInts(bandLower, age+1) - 1
	if i < 0 {
		i = 0
	}
	return Aldersgrupp.Codes[i].Code
}

// BandRange returns the first and last age of a band (last is 120 for 69-).
func BandRange(band string) (lo, hi int) {
	for i, c := range Aldersgrupp.Codes {
		if c.Code == band {
			hi = 120
			if i+1 < len(bandLower) {
				hi = bandLower[i+1] - 1
			}
			return bandLower[i], hi
		}
	}
	return -1, -1
}

// BandsBetween returns the bands that lie wholly within ages lo..hi.
func BandsBetween(lo, hi int) []string {
	var out []string
	for _, c := range Aldersgrupp.Codes {
		a, b := BandRange(c.Code)
		if a >= lo && b <= hi {
			out = append(out, c.Code)
		}
	}
	return out
}

// Lagrumsgrupp classifies a person by the laws of all their decisions in a
// year ("nettovärdet" of table 9:1).
var Lagrumsgrupp = CodeList{
	Name: "lagrumsgrupp",
	Doc:  "A person's decisions in the year: only LSS, only SoL, or both.",
	Codes: []Code{
		{Code: "endast_lss", Label: "LSS"},
		{Code: "endast_sol", Label: "SoL"},
		{Code: "bade", Label: "Både LSS och SoL"},
	},
}

// BeslutInsats is the insats applied for in the beslut dataset.
var BeslutInsats = CodeList{
	Name: "insats",
	Doc:  "Insats applied for; ledsagning (SoL) and ledsagarservice (LSS) are one category.",
	Codes: []Code{
		{Code: "ledsagning", Label: "Ledsagning/ledsagarservice", Aliases: []string{"Ledsagarservice", "Ledsagning"}},
		{Code: "kontaktperson", Label: "Kontaktperson"},
	},
}

// Funktionsnedsattning is the main disability assessed in the case.
var Funktionsnedsattning = CodeList{
	Name: "funktionsnedsättning",
	Doc:  "Main disability as assessed by the case officer.",
	Codes: []Code{
		{Code: "intellektuell", Label: "Intellektuell funktionsnedsättning"},
		{Code: "autism", Label: "Autism"},
		{Code: "fysisk", Label: "Fysiska funktionsnedsättningar", Aliases: []string{"Fysisk funktionsnedsättning"}},
		{Code: "neurologisk", Label: "Neurologiska sjukdomar", Aliases: []string{"Neurologisk sjukdom"}},
		{Code: "demens", Label: "Demens"},
		{Code: "synskada", Label: "Synskada"},
		{Code: "dovblindhet", Label: "Dövblindhet"},
		{Code: "annan", Label: "Annan"},
	},
}

// Utfall is the outcome of a decision on an application.
var Utfall = CodeList{
	Name: "utfall",
	Doc:  "Outcome of the decision.",
	Codes: []Code{
		{Code: "bifall", Label: "Bifall"},
		{Code: "delavslag", Label: "Delavslag"},
		{Code: "avslag", Label: "Avslag"},
	},
}

// Orsak is why a granted decision was not executed within three months.
var Orsak = CodeList{
	Name: "orsak",
	Doc:  "Reason reported to IVO why the decision was not executed.",
	Codes: []Code{
		{Code: "resursbrist_bostad", Label: "Resursbrist, t.ex. ledig bostad"},
		{Code: "resursbrist_personal", Label: "Resursbrist, lämplig personal"},
		{Code: "tackat_nej", Label: "Den enskilde har tackat nej"},
		{Code: "annat_skal", Label: "Annat skäl"},
	},
}

// Status is what happened to a reported ej verkställt beslut during the quarter.
var Status = CodeList{
	Name: "status",
	Doc:  "State of a reported decision at the end of the quarter.",
	Codes: []Code{
		{Code: "ej_verkstallt", Label: "Ej verkställt"},
		{Code: "verkstallt", Label: "Verkställt under perioden"},
		{Code: "avslutat", Label: "Avslutat utan verkställande"},
	},
}

// LovInsats is the insats category of the LOV provider counts (table 9:21).
var LovInsats = CodeList{
	Name: "lov_insats",
	Doc:  "Insats category of the free-choice system (LOV).",
	Codes: []Code{
		{Code: "ledsagar_avlosarservice", Label: "Ledsagar-/avlösarservice (SoL & LSS)"},
		{Code: "korttidshem", Label: "Korttidshem"},
		{Code: "korttidstillsyn", Label: "Korttidstillsyn"},
		{Code: "bostad_barn", Label: "Bostad med särskild service för barn och unga"},
		{Code: "bostad_vuxna", Label: "Bostad med särskild service vuxna"},
		{Code: "daglig_verksamhet", Label: "Daglig verksamhet"},
	},
}
