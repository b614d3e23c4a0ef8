package upload

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// colID identifies a column of the upload contract.
type colID int

// The columns of every upload dataset. A column means the same in every
// dataset that has it.
const (
	cAr colID = iota
	cKvartal
	cPersonID
	cMatdatum
	cBeslutsdatum
	cNamnd
	cLagrum
	cInsats
	cKon
	cAlder
	cRegi
	cBoendeform
	cTimmar
	cFunktionsnedsattning
	cUtfall
	cDom
	cDomMotStaden
	cOrsak
	cStatus
	cBelopp
	cAntalVerksamheter
	cAntalInvanare
	cAntalPersoner
	numColumns
)

// column is one column of the upload contract. Name is the lake's column
// name (also accepted as a header); Header is the Swedish header staff
// exports show and the contract documents; Aliases are further spellings
// seen in exports. Headers match case-, accent- and punctuation-insensitively
// (see foldHeader).
type column struct {
	Name    string
	Header  string
	Aliases []string
}

var columns = [numColumns]column{
	cAr:                   {"ar", "År", []string{"Kalenderår"}},
	cKvartal:              {"kvartal", "Kvartal", []string{"Kv", "Rapportkvartal"}},
	cPersonID:             {"person_id", "Person-id", []string{"Personid", "Person", "Pseudonym", "Id", "Löpnummer", "Klient-id"}},
	cMatdatum:             {"matdatum", "Mätdatum", []string{"Mätdag"}},
	cBeslutsdatum:         {"beslutsdatum", "Beslutsdatum", []string{"Datum för beslut", "Beslutsdag"}},
	cNamnd:                {"namnd", "Nämnd", []string{"Stadsdelsnämnd", "Stadsdel", "SDN"}},
	cLagrum:               {"lagrum", "Lagrum", []string{"Lag"}},
	cInsats:               {"insats", "Insats", []string{"Insatstyp", "Bistånd", "Insats/bistånd", "Sökt insats"}},
	cKon:                  {"kon", "Kön", nil},
	cAlder:                {"alder", "Ålder", []string{"Ålder (år)", "Ålder vid mätdatum"}},
	cRegi:                 {"regi", "Regi", []string{"Regiform", "Driftform"}},
	cBoendeform:           {"boendeform", "Boendeform", []string{"Bostadstyp", "Typ av bostad"}},
	cTimmar:               {"timmar_per_manad", "Timmar per månad", []string{"Timmar/månad", "Tim/mån", "Beviljade timmar per månad", "Beviljade timmar"}},
	cFunktionsnedsattning: {"funktionsnedsattning", "Funktionsnedsättning", []string{"Huvudsaklig funktionsnedsättning"}},
	cUtfall:               {"utfall", "Utfall", []string{"Beslutsutfall"}},
	cDom:                  {"dom", "Dom", []string{"Dom meddelad", "Domar som meddelats"}},
	cDomMotStaden:         {"dom_mot_staden", "Dom mot staden", []string{"Dom mot stadens beslut"}},
	cOrsak:                {"orsak", "Orsak", []string{"Orsak till ej verkställt"}},
	cStatus:               {"status", "Status", []string{"Status vid kvartalets slut"}},
	cBelopp:               {"belopp_kr", "Belopp", []string{"Belopp kr", "Belopp (kr)", "Belopp i kronor", "KBF-belopp", "Utbetalt belopp"}},
	cAntalVerksamheter:    {"antal_verksamheter", "Antal verksamheter", []string{"Verksamheter", "Antal utförare", "Utförare", "Antal LOV-avtal", "Verksamheter med LOV-avtal"}},
	cAntalInvanare:        {"antal_invanare", "Antal invånare", []string{"Invånare", "Folkmängd", "Befolkning"}},
	cAntalPersoner:        {"antal_personer", "Antal personer", []string{"Personer", "Antal personer med assistansersättning", "Assistansersättning"}},
}

// spec is the contract of one dataset's file: its columns in the order
// exports usually have them (and the sample uploads use).
type spec struct {
	dataset Dataset
	columns []colID
	// optional columns may be absent; all others are required (their cells
	// may still be blank where the contract allows, e.g. timmar).
	optional map[colID]bool
	// sheetNames are worksheet names (folded) that pick a sheet of an XLSX
	// workbook for this dataset.
	sheetNames []string
}

var specs = map[Dataset]*spec{
	Insatser: {
		dataset:    Insatser,
		columns:    []colID{cAr, cPersonID, cMatdatum, cNamnd, cLagrum, cInsats, cKon, cAlder, cRegi, cBoendeform, cTimmar},
		optional:   map[colID]bool{cAr: true},
		sheetNames: []string{"insatser", "insats", "verkstallda-beslut"},
	},
	Beslut: {
		dataset:    Beslut,
		columns:    []colID{cAr, cPersonID, cBeslutsdatum, cNamnd, cLagrum, cInsats, cKon, cFunktionsnedsattning, cUtfall, cDom, cDomMotStaden},
		optional:   map[colID]bool{cAr: true},
		sheetNames: []string{"beslut"},
	},
	EjVerkstallda: {
		dataset: EjVerkstallda,
		columns: []colID{cAr, cKvartal, cPersonID, cNamnd, cLagrum, cInsats, cOrsak, cKon, cBeslutsdatum, cStatus},
		// Kvartal is required when the period is a whole year; read()
		// checks that once the period is known.
		optional:   map[colID]bool{cAr: true, cKvartal: true},
		sheetNames: []string{"ej-verkstallda", "ej-verkstallda-beslut", "ej-verkstallt", "ivo"},
	},
	KBF: {
		dataset:    KBF,
		columns:    []colID{cAr, cPersonID, cNamnd, cKon, cBelopp},
		optional:   map[colID]bool{cAr: true},
		sheetNames: []string{"kbf", "bostadsbidrag"},
	},
	Lov: {
		dataset:    Lov,
		columns:    []colID{cAr, cInsats, cAntalVerksamheter},
		optional:   map[colID]bool{cAr: true},
		sheetNames: []string{"lov", "lov-avtal", "valfrihetssystem"},
	},
	Befolkning: {
		dataset:    Befolkning,
		columns:    []colID{cAr, cNamnd, cAntalInvanare},
		optional:   map[colID]bool{cAr: true},
		sheetNames: []string{"befolkning", "folkmangd", "invanare"},
	},
	SFB: {
		dataset:    SFB,
		columns:    []colID{cAr, cKon, cAntalPersoner},
		optional:   map[colID]bool{cAr: true},
		sheetNames: []string{"sfb", "assistansersattning", "forsakringskassan"},
	},
}

func (s *spec) has(id colID) bool {
	for _, c := range s.columns {
		if c == id {
			return true
		}
	}
	return false
}

// headerIndex maps every folded header spelling to its column.
var headerIndex = func() map[string]colID {
	m := map[string]colID{}
	for id, c := range columns {
		for _, h := range append([]string{c.Name, c.Header}, c.Aliases...) {
			k := foldHeader(h)
			if prev, ok := m[k]; ok && prev != colID(id) {
				panic(fmt.Sprintf("upload: header %q means both %s and %s", h, columns[prev].Name, c.Name))
			}
			m[k] = colID(id)
		}
	}
	return m
}()

// foldHeader makes a header comparable: lower case, Swedish and other
// accented letters without accents, every run of other characters one
// hyphen. "Timmar/månad", "timmar_manad" and " TIMMAR MÅNAD" all fold to
// "timmar-manad".
func foldHeader(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'å', 'ä', 'á', 'à', 'â':
			r = 'a'
		case 'ö', 'ø', 'ó', 'ò', 'ô':
			r = 'o'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'ü', 'ú':
			r = 'u'
		}
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// knownColumns counts the cells of a row that name a column of any dataset.
func knownColumns(cells []string) int {
	n := 0
	for _, c := range cells {
		if _, ok := headerIndex[foldHeader(c)]; ok {
			n++
		}
	}
	return n
}

// isHeader tells the header row from title rows: it names at least
// minHeaderColumns columns of any dataset, or every required column of
// one (the aggregates have two).
func isHeader(cells []string) bool {
	names := map[colID]bool{}
	for _, c := range cells {
		if id, ok := headerIndex[foldHeader(c)]; ok {
			names[id] = true
		}
	}
	if len(names) >= minHeaderColumns {
		return true
	}
	for _, d := range Datasets {
		if specs[d].hasRequired(names) {
			return true
		}
	}
	return false
}

// hasRequired reports whether names holds every column a file of the
// dataset must have.
func (s *spec) hasRequired(names map[colID]bool) bool {
	for _, id := range s.columns {
		if !s.optional[id] && !names[id] {
			return false
		}
	}
	return true
}

// minHeaderColumns is how many known column names make a row the header
// of any dataset; a title row ("Insatser 2024") names none.
const minHeaderColumns = 3

// headerSearchRows is how many rows may precede the header (titles, notes,
// blank rows).
const headerSearchRows = 20

// detectDataset returns the dataset whose columns the header names most,
// and whether another dataset names as many.
func detectDataset(names map[colID]bool) (best Dataset, tie bool) {
	score := 0
	for _, d := range Datasets {
		switch n := scoreOf(d, names); {
		case n > score:
			best, score, tie = d, n, false
		case n == score:
			tie = true
		}
	}
	return best, tie
}

// scoreOf counts the columns of d among names; År is in every dataset and
// says nothing.
func scoreOf(d Dataset, names map[colID]bool) int {
	n := 0
	for id := range names {
		if id != cAr && specs[d].has(id) {
			n++
		}
	}
	return n
}

// Column describes one column of an upload dataset, for the contract's
// documentation and for tools that write uploads.
type Column struct {
	// Name is the lake's column name; it is accepted as a header too.
	Name string
	// Header is the Swedish header the contract documents.
	Header string
	// Aliases are further accepted headers.
	Aliases []string
	// Optional columns may be absent (Kvartal only when the period folder
	// names the quarter).
	Optional bool
}

// Columns returns the columns of a dataset's uploads in the contract's
// order, or nil for a dataset that is not uploaded.
func Columns(d Dataset) []Column {
	s, ok := specs[d]
	if !ok {
		return nil
	}
	out := make([]Column, len(s.columns))
	for i, id := range s.columns {
		c := columns[id]
		out[i] = Column{Name: c.Name, Header: c.Header, Aliases: slices.Clone(c.Aliases), Optional: s.optional[id]}
	}
	return out
}
