package dataset

import (
	"fmt"
	"slices"
	"strings"
)

// Geography is what the nämnd dimension of a lake holds: its code list,
// which of its codes are areas with inhabitants (the only ones that have a
// population and pay KBF), and the headings answers print for it. A lake
// names its geography in its manifest; every dataset of the lake shares it.
type Geography struct {
	// Name is how a manifest and a stored disclosure pattern name the
	// geography; both leave it out for Stockholm (DefaultGeography).
	Name string
	// Namnd is the code list of the dimension "namnd".
	Namnd CodeList
	// Areas are the codes of Namnd that are geographic areas, in order.
	Areas []string
	// Label is the heading of the dimension ("Nämnd"), AreaLabel its
	// heading where only the areas occur ("Stadsdelsnämnd").
	Label, AreaLabel string
}

// AreaList is Namnd restricted to the areas.
func (g Geography) AreaList() CodeList {
	l := g.Namnd
	l.Codes = slices.DeleteFunc(slices.Clone(l.Codes), func(c Code) bool { return !slices.Contains(g.Areas, c.Code) })
	return l
}

// IsDefault reports whether g is Stockholm's nämnder, the geography of the
// sample lake and of every lake whose manifest names none.
func (g Geography) IsDefault() bool { return g.Name == DefaultGeography }

// DefaultGeography is the name of Stockholm's nämnder.
const DefaultGeography = "stockholm"

// Stockholm is the city's eleven district councils and Socialnämnden (the
// nämnd dimension of the seed reports and of the sample lake).
var Stockholm = Geography{
	Name:      DefaultGeography,
	Namnd:     Namnd,
	Areas:     Districts(),
	Label:     "Nämnd",
	AreaLabel: "Stadsdelsnämnd",
}

// Kommuner is a synthetic national geography: 290 municipalities
// k001 "Kommun 1" … k290 "Kommun 290", as many as Sweden has, every one an
// area. It serves the national-scale benchmark lake (go run ./testdata/gen
// -national); the codes are not SCB's kommunkoder.
var Kommuner = func() Geography {
	l := CodeList{Name: "kommun", Doc: "Municipality (synthetic: k001 … k290, not SCB's kommunkoder)."}
	var areas []string
	for i := 1; i <= 290; i++ {
		code := fmt.Sprintf("k%03d", i)
		l.Codes = append(l.Codes, Code{Code: code, Label: fmt.Sprintf("Kommun %d", i)})
		areas = append(areas, code)
	}
	return Geography{Name: "kommun", Namnd: l, Areas: areas, Label: "Kommun", AreaLabel: "Kommun"}
}()

// Geographies are every geography a lake may name.
var Geographies = []Geography{Stockholm, Kommuner}

// LookupGeography returns the geography a manifest or pattern names; ""
// is Stockholm's. The error lists the valid names.
func LookupGeography(name string) (Geography, error) {
	if name == "" {
		return Stockholm, nil
	}
	names := make([]string, len(Geographies))
	for i, g := range Geographies {
		if g.Name == name {
			return g, nil
		}
		names[i] = g.Name
	}
	return Geography{}, fmt.Errorf("geography %q is unknown; valid: %s", name, strings.Join(names, ", "))
}

// StoredName is the name a manifest or a pattern records for g: "" for
// Stockholm, so that lakes written before geographies existed keep their
// bytes.
func (g Geography) StoredName() string {
	if g.IsDefault() {
		return ""
	}
	return g.Name
}
