package dataset

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the code lists in schema/datasets.md")

const schemaDoc = "../../schema/datasets.md"

// TestSchemaDocCodeLists fails when schema/datasets.md shows other code lists
// than the code; `go test ./internal/dataset -update` rewrites the section.
func TestSchemaDocCodeLists(t *testing.T) {
	b, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	const heading = "## Code lists\n\n"
	doc := string(b)
	i := strings.Index(doc, heading)
	if i < 0 {
		t.Fatalf("%s has no %q section", schemaDoc, strings.TrimSpace(heading))
	}
	want := doc[:i+len(heading)] + CodeListsMarkdown()
	if *update {
		if err := os.WriteFile(schemaDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("%s drifts from internal/dataset: run `go test ./internal/dataset -update`", schemaDoc)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		list CodeList
		in   string
		want string
	}{
		{Namnd, "Norra Innerstaden", "norra_innerstaden"},
		{Namnd, "  norra innerstaden ", "norra_innerstaden"},
		{Namnd, "Östermalm", "norra_innerstaden"},
		{Namnd, "Rinkeby–Kista", "jarva"},
		{Namnd, "ENSKEDE-ÅRSTA-VANTÖR", "enskede_arsta_vantor"},
		{Namnd, "hasselby_vallingby", "hasselby_vallingby"},
		{Kon, "Kvinna", "K"},
		{Kon, "k", "K"},
		{Kon, "Pojkar", "M"},
		{Insats, "Boende för barn", "bostad_barn"},
		{Regi, "LOV", "privat_regi_lov"},
	} {
		got, err := tc.list.Normalize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s.Normalize(%q) = %q, %v; want %q", tc.list.Name, tc.in, got, err, tc.want)
		}
	}
	_, err := Kon.Normalize("X")
	if err == nil || !strings.Contains(err.Error(), `"X" is not a kön; valid: Kvinnor, Män`) {
		t.Errorf("Kon.Normalize(X) error = %v, want it to name the value and the valid labels", err)
	}
}

func TestAgeBands(t *testing.T) {
	for age, want := range map[int]string{0: "0-11", 11: "0-11", 12: "12-14", 17: "15-17", 18: "18-19", 23: "20-23", 24: "24", 25: "25-34", 64: "55-64", 65: "65-68", 68: "65-68", 69: "69-", 101: "69-"} {
		if got := AgeBand(age); got != want {
			t.Errorf("AgeBand(%d) = %s, want %s", age, got, want)
		}
	}
	for _, c := range Aldersgrupp.Codes {
		lo, hi := BandRange(c.Code)
		if AgeBand(lo) != c.Code || AgeBand(hi) != c.Code {
			t.Errorf("band %s: range %d..%d does not map back", c.Code, lo, hi)
		}
	}
	if got := BandsBetween(0, 17); strings.Join(got, ",") != "0-11,12-14,15-17" {
		t.Errorf("BandsBetween(0, 17) = %v", got)
	}
}

// TestGeographies: a manifest without a geography is Stockholm's nämnder;
// the national geography has 290 distinct municipalities, all areas; an
// unknown name is refused with the valid ones.
func TestGeographies(t *testing.T) {
	g, err := LookupGeography("")
	if err != nil || g.Name != DefaultGeography || !g.IsDefault() || g.StoredName() != "" {
		t.Fatalf(`LookupGeography("") = %+v, %v`, g.Name, err)
	}
	if got := g.AreaList().CodeValues(); !slices.Equal(got, Districts()) {
		t.Errorf("Stockholm's areas are %v, want the districts", got)
	}
	k, err := LookupGeography("kommun")
	if err != nil || k.IsDefault() || k.StoredName() != "kommun" {
		t.Fatalf(`LookupGeography("kommun") = %+v, %v`, k.Name, err)
	}
	codes := k.Namnd.CodeValues()
	if len(codes) != 290 || len(slices.Compact(slices.Sorted(slices.Values(codes)))) != 290 || !slices.Equal(k.Areas, codes) {
		t.Errorf("kommun has %d codes (%d areas), want 290 distinct, all areas", len(codes), len(k.Areas))
	}
	if c, err := k.Namnd.Normalize("kommun 17"); err != nil || c != "k017" {
		t.Errorf(`Normalize("kommun 17") = %q, %v`, c, err)
	}
	if _, err := k.Namnd.Normalize("Järva"); err == nil || !strings.HasSuffix(err.Error(), "valid: Kommun 1, Kommun 2, Kommun 3, Kommun 4, Kommun 5, …, Kommun 289, Kommun 290 (290 in all)") {
		t.Errorf("an unknown municipality: %v", err)
	}
	if _, err := Namnd.Normalize("Gamla stan"); err == nil || !strings.HasSuffix(err.Error(), "Hägersten-Älvsjö, Skärholmen, Socialnämnden") {
		t.Errorf("an unknown nämnd lists the nämnder in full: %v", err)
	}
	if _, err := LookupGeography("atlantis"); err == nil || !strings.Contains(err.Error(), "valid: stockholm, kommun") {
		t.Errorf("an unknown geography: %v", err)
	}
}
