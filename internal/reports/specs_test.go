package reports

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
)

// dec is a cell of toy decisions; empty fields take the defaults of add.
type dec struct {
	ar, namnd, insats, kon, band, regi, boende string
	n                                          float64 // decisions (= persons of one insats)
	hours                                      float64 // granted hours of the n decisions together; 0 = none recorded
}

// toy builds a small source with the four cubes the insatser specs read.
type toy struct {
	ins, pers, bef, sfb *cube.Builder
}

func newToy() *toy {
	return &toy{
		ins: cube.NewBuilder(cubeInsatser,
			[]string{"ar", "namnd", "lagrum", "insats", "kon", "aldersgrupp", "regi", "boendeform"},
			[]string{"antal_beslut", "timmar_antal", "timmar_summa"}),
		pers: cube.NewBuilder(cubePersoner, []string{"ar", "namnd", "kon", "aldersgrupp", "lagrumsgrupp"}, []string{"antal_personer"}),
		bef:  cube.NewBuilder(cubeBefolkning, []string{"ar", "namnd"}, []string{"antal_invanare"}),
		sfb:  cube.NewBuilder(cubeSFB, []string{"ar", "kon"}, []string{"antal_personer"}),
	}
}

// add adds decisions; defaults: 2024, Järva, kvinnor, 25–34 år, egen regi.
func (t *toy) add(ds ...dec) *toy {
	for _, d := range ds {
		def := func(s, v string) string {
			if s == "" {
				return v
			}
			return s
		}
		in, ok := dataset.Insats.Lookup(d.insats)
		if !ok {
			panic("unknown insats " + d.insats)
		}
		withHours := 0.0
		if d.hours > 0 {
			withHours = d.n
		}
		t.ins.Add([]string{def(d.ar, "2024"), def(d.namnd, "jarva"), in.Group, d.insats, def(d.kon, "K"),
			def(d.band, "25-34"), def(d.regi, "egen_regi"), d.boende}, d.n, withHours, d.hours)
	}
	return t
}

// persons adds n persons of a lagrumsgrupp in 2024 (25–34 år).
func (t *toy) persons(namnd, kon, grupp string, n float64) *toy {
	t.pers.Add([]string{"2024", namnd, kon, "25-34", grupp}, n)
	return t
}

func (t *toy) source() Source {
	return Source{cubeInsatser: t.ins.Cube(), cubePersoner: t.pers.Cube(), cubeBefolkning: t.bef.Cube(), cubeSFB: t.sfb.Cube()}
}

func specByID(t *testing.T, id string) *Spec {
	t.Helper()
	for _, s := range insatserSpecs() {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no spec %s", id)
	return nil
}

// cell evaluates the cell of spec id at a row label and column key.
func cell(t *testing.T, src Source, id, row, col string) Value {
	t.Helper()
	s := specByID(t, id)
	r := slices.IndexFunc(s.Rows, func(l Line) bool { return l.Label == row })
	c := slices.IndexFunc(s.Cols, func(l Line) bool { return l.Label == col })
	if r < 0 || c < 0 {
		t.Fatalf("table %s has no cell %q × %q", id, row, col)
	}
	v, err := s.Eval(src, r, c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantValue(t *testing.T, id, row, col string, got Value, want, basis float64) {
	t.Helper()
	if got.Status != StatusOK || math.Abs(got.Value-want) > 1e-9 || got.Basis != basis {
		t.Errorf("%s %q × %s = %+v, want %v resting on %v", id, row, col, got, want, basis)
	}
}

func wantStatus(t *testing.T, id, row, col string, got Value, want Status) {
	t.Helper()
	if got.Status != want {
		t.Errorf("%s %q × %s: status %s, want %s (%+v)", id, row, col, statusName(got.Status), statusName(want), got)
	}
}

func TestSpecIDs(t *testing.T) {
	var want, got []string
	for i := 1; i <= 15; i++ {
		want = append(want, fmt.Sprintf("9:%d", i))
	}
	want = append(want, "9:22", "9:23")
	for _, s := range insatserSpecs() {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("insatser specs %v, want %v", got, want)
	}
}

// TestSpecLabelsMatchPrinted requires every spec's row labels and column
// keys to be the printed table's, in order.
func TestSpecLabelsMatchPrinted(t *testing.T) {
	printed, err := Tables()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Printed{}
	for _, p := range printed {
		byID[p.ID] = p
	}
	for _, s := range insatserSpecs() {
		p, ok := byID[s.ID]
		if !ok {
			t.Errorf("table %s is not transcribed", s.ID)
			continue
		}
		var rows, cols, prows, pcols []string
		for _, l := range s.Rows {
			rows = append(rows, l.Label)
		}
		for _, l := range s.Cols {
			cols = append(cols, l.Label)
		}
		for _, r := range p.Rows {
			prows = append(prows, r.Label)
		}
		for _, c := range p.Columns {
			pcols = append(pcols, c.Key)
		}
		if !slices.Equal(rows, prows) {
			t.Errorf("table %s rows\n spec    %q\n printed %q", s.ID, rows, prows)
		}
		if !slices.Equal(cols, pcols) {
			t.Errorf("table %s columns\n spec    %q\n printed %q", s.ID, cols, pcols)
		}
	}
}

// TestSpecsEvaluate evaluates every cell of every spec on a toy source: the
// specs name only dimensions and measures their cubes have.
func TestSpecsEvaluate(t *testing.T) {
	src := newToy().add(dec{insats: "personlig_assistans", n: 1, hours: 100}).
		persons("jarva", "K", "endast_lss", 1).source()
	for _, s := range insatserSpecs() {
		for r := range s.Rows {
			for c := range s.Cols {
				if _, err := s.Eval(src, r, c); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

// TestSpecCubes: every cell of a spec evaluates on the cubes Cubes names
// alone, which include a rate's population and a line's own cube.
func TestSpecCubes(t *testing.T) {
	full := newToy().add(dec{insats: "personlig_assistans", n: 1, hours: 100}).
		persons("jarva", "K", "endast_lss", 1).source()
	named := map[string][]string{}
	for _, s := range insatserSpecs() {
		only := Source{}
		for _, name := range s.Cubes() {
			if c, ok := full[name]; ok {
				only[name] = c
			}
		}
		for r := range s.Rows {
			for c := range s.Cols {
				if _, err := s.Eval(only, r, c); err != nil {
					t.Errorf("on the cubes %v: %v", s.Cubes(), err)
				}
			}
		}
		named[s.ID] = s.Cubes()
	}
	for id, want := range map[string][]string{"9:9": {cubeBefolkning, cubeInsatser}, "9:1": {cubePersoner, cubeSFB}, "9:3": {cubeInsatser}} {
		if !slices.Equal(named[id], want) {
			t.Errorf("%s reads the cubes %v, want %v", id, named[id], want)
		}
	}
}

func TestSpecNamndCode(t *testing.T) {
	for label, want := range map[string]string{
		"Norra innerstaden": "norra_innerstaden", "Norra Innerstaden": "norra_innerstaden",
		"Järva": "jarva", "Enskede-Årsta-Vantör": "enskede_arsta_vantor", "Socialnämnden": "socialnamnden",
	} {
		if got := namndCode(label); got != want {
			t.Errorf("namndCode(%q) = %q, want %q", label, got, want)
		}
	}
}

// TestSpec9_4MeanOverAdults: the city's mean hours of women is the hours sum
// over the count of women 18 and older, Socialnämnden included; children,
// men and other insatser do not count.
func TestSpec9_4MeanOverAdults(t *testing.T) {
	src := newToy().add(
		dec{insats: "personlig_assistans", band: "25-34", n: 2, hours: 300},
		dec{insats: "personlig_assistans", namnd: "bromma", band: "69-", n: 1, hours: 150},
		dec{insats: "personlig_assistans", namnd: "socialnamnden", band: "18-19", n: 1, hours: 50},
		dec{insats: "personlig_assistans", band: "12-14", n: 1, hours: 1000}, // a girl: 9:5
		dec{insats: "personlig_assistans", kon: "M", n: 1, hours: 999},
		dec{insats: "ledsagarservice", n: 5, hours: 10},
	).source()
	wantValue(t, "9:4", "Totalt i staden", "2024.kvinnor_mv", cell(t, src, "9:4", "Totalt i staden", "2024.kvinnor_mv"), 500.0/4, 4)
	wantValue(t, "9:4", "Järva", "2024.kvinnor_mv", cell(t, src, "9:4", "Järva", "2024.kvinnor_mv"), 150, 2)
	wantValue(t, "9:4", "Totalt i staden", "2024.man_mv", cell(t, src, "9:4", "Totalt i staden", "2024.man_mv"), 999, 1)
	wantValue(t, "9:4", "Totalt i staden", "2024.totalt", cell(t, src, "9:4", "Totalt i staden", "2024.totalt"), 5, 5)
	wantValue(t, "9:5", "Totalt i staden", "2024.flickor_mv", cell(t, src, "9:5", "Totalt i staden", "2024.flickor_mv"), 1000, 1)
	wantValue(t, "9:5", "Järva", "2024.totalt", cell(t, src, "9:5", "Järva", "2024.totalt"), 1, 1)

	// A mean over 0 persons is not computable ("."); a year without data is "i.u".
	wantStatus(t, "9:4", "Kungsholmen", "2024.kvinnor_mv", cell(t, src, "9:4", "Kungsholmen", "2024.kvinnor_mv"), StatusNotComputable)
	wantValue(t, "9:4", "Kungsholmen", "2024.totalt", cell(t, src, "9:4", "Kungsholmen", "2024.totalt"), 0, 0)
	wantStatus(t, "9:4", "Järva", "2022.kvinnor_mv", cell(t, src, "9:4", "Järva", "2022.kvinnor_mv"), StatusNoData)
}

// TestSpec9_12MeanTotal: 9:12's Totalt column is the mean of both sexes.
func TestSpec9_12MeanTotal(t *testing.T) {
	src := newToy().add(
		dec{insats: "sol_boendestod", n: 3, hours: 30},
		dec{insats: "sol_boendestod", kon: "M", n: 1, hours: 14},
	).source()
	wantValue(t, "9:12", "Järva", "2024.totalt", cell(t, src, "9:12", "Järva", "2024.totalt"), 11, 4)
}

// TestSpec9_22ShareOfRegi: the share on "Egen regi, Kvinnor" is egen regi's
// adult decisions, both sexes, of all regi's; the Antal cell is the women's.
func TestSpec9_22ShareOfRegi(t *testing.T) {
	src := newToy().add(
		dec{insats: "ledsagarservice", regi: "egen_regi", n: 30},
		dec{insats: "ledsagarservice", regi: "egen_regi", kon: "M", band: "35-44", n: 10},
		dec{insats: "sol_ledsagning", regi: "egen_regi", band: "24", n: 5},
		dec{insats: "ledsagarservice", regi: "privat_regi_lov", n: 20},
		dec{insats: "ledsagarservice", regi: "privat_regi_lov", kon: "M", n: 25},
		dec{insats: "sol_ledsagning", regi: "uppgift_saknas", kon: "M", n: 10},
		dec{insats: "ledsagarservice", regi: "egen_regi", band: "12-14", n: 100}, // children: 9:23 ages
		dec{insats: "ledsagarservice", regi: "egen_regi", kon: "M", band: "20-23", n: 7},
		dec{insats: "bostad_vuxna", regi: "entreprenad", band: "20-23", n: 4}, // bostad: every age
	).source()
	id := "9:22"
	wantValue(t, id, "Egen regi, Kvinnor", "ledsagning.total_pct", cell(t, src, id, "Egen regi, Kvinnor", "ledsagning.total_pct"), 45, 45)
	wantValue(t, id, "Egen regi, Män", "ledsagning.total_pct", cell(t, src, id, "Egen regi, Män", "ledsagning.total_pct"), 45, 45)
	wantValue(t, id, "Egen regi, Kvinnor", "ledsagning.antal", cell(t, src, id, "Egen regi, Kvinnor", "ledsagning.antal"), 35, 35)
	wantValue(t, id, "Uppgift saknas", "ledsagning.antal", cell(t, src, id, "Uppgift saknas", "ledsagning.antal"), 10, 10)
	wantValue(t, id, "Totalt i staden", "ledsagning.antal", cell(t, src, id, "Totalt i staden", "ledsagning.antal"), 100, 100)
	wantValue(t, id, "Totalt i staden", "ledsagning.total_pct", cell(t, src, id, "Totalt i staden", "ledsagning.total_pct"), 100, 100)
	wantValue(t, id, "Entreprenad, Kvinnor", "bostad.antal", cell(t, src, id, "Entreprenad, Kvinnor", "bostad.antal"), 4, 4)
	wantStatus(t, id, "Egen regi, Kvinnor", "avlosning.total_pct", cell(t, src, id, "Egen regi, Kvinnor", "avlosning.total_pct"), StatusNotComputable)
	wantValue(t, "9:23", "Egen regi, Flickor", "avlosning.antal", cell(t, src, "9:23", "Egen regi, Flickor", "avlosning.antal"), 0, 0)
}

// TestSpec9_2ShareOverZero: a share over 0 persons is not computable; the
// count beside it is 0.
func TestSpec9_2ShareOverZero(t *testing.T) {
	src := newToy().
		persons("socialnamnden", "K", "endast_lss", 3).persons("socialnamnden", "M", "endast_lss", 9).
		persons("jarva", "K", "bade", 1).source()
	id := "9:2"
	wantValue(t, id, "Socialnämnden", "lss.kvinnor_pct", cell(t, src, id, "Socialnämnden", "lss.kvinnor_pct"), 25, 3)
	wantValue(t, id, "Socialnämnden", "lss.man_pct", cell(t, src, id, "Socialnämnden", "lss.man_pct"), 75, 9)
	wantStatus(t, id, "Socialnämnden", "bade.kvinnor_pct", cell(t, src, id, "Socialnämnden", "bade.kvinnor_pct"), StatusNotComputable)
	wantValue(t, id, "Socialnämnden", "bade.antal", cell(t, src, id, "Socialnämnden", "bade.antal"), 0, 0)
	wantValue(t, id, "Totalt i staden", "lss.antal", cell(t, src, id, "Totalt i staden", "lss.antal"), 12, 12)
}

// TestSpec9_1SFBRow: the SFB row reads the sfb cube with the columns' measures.
func TestSpec9_1SFBRow(t *testing.T) {
	tb := newToy().persons("jarva", "K", "endast_lss", 39).persons("bromma", "M", "endast_lss", 61).
		persons("jarva", "M", "endast_sol", 5)
	tb.sfb.Add([]string{"2024", "K"}, 42)
	tb.sfb.Add([]string{"2024", "M"}, 58)
	src := tb.source()
	id := "9:1"
	wantValue(t, id, "SFB", "2024.kvinnor_pct", cell(t, src, id, "SFB", "2024.kvinnor_pct"), 42, 42)
	wantValue(t, id, "SFB", "2024.antal", cell(t, src, id, "SFB", "2024.antal"), 100, 100)
	wantValue(t, id, "LSS", "2024.kvinnor_pct", cell(t, src, id, "LSS", "2024.kvinnor_pct"), 39, 39)
	wantValue(t, id, "SoL", "2024.antal", cell(t, src, id, "SoL", "2024.antal"), 5, 5)
	wantStatus(t, id, "SFB", "2023.antal", cell(t, src, id, "SFB", "2023.antal"), StatusNoData)
}

// TestSpec9_8AgeGroups: age groups are unions of bands, and the total is
// ages 15–64, not every age.
func TestSpec9_8AgeGroups(t *testing.T) {
	src := newToy().add(
		dec{insats: "daglig_verksamhet", band: "15-17", n: 3},
		dec{insats: "daglig_verksamhet", band: "18-19", n: 4},
		dec{insats: "daglig_verksamhet", kon: "M", band: "20-23", n: 1},
		dec{insats: "daglig_verksamhet", kon: "M", band: "24", n: 2},
		dec{insats: "daglig_verksamhet", band: "65-68", n: 5},
		dec{insats: "daglig_verksamhet", band: "69-", n: 1},
	).source()
	id := "9:8"
	wantValue(t, id, "15–19 år", "kvinnor", cell(t, src, id, "15–19 år", "kvinnor"), 7, 7)
	wantValue(t, id, "20–24 år", "man", cell(t, src, id, "20–24 år", "man"), 3, 3)
	wantValue(t, id, "Totalt i staden", "totalt", cell(t, src, id, "Totalt i staden", "totalt"), 10, 10)
}

// TestSpec9_9Rate: decisions per 10 000 inhabitants; bostad counts vuxna and
// barn together; the city total counts Socialnämnden's decisions over the
// whole population.
func TestSpec9_9Rate(t *testing.T) {
	tb := newToy().add(
		dec{insats: "bostad_vuxna", n: 80},
		dec{insats: "bostad_barn", band: "12-14", n: 20},
		dec{insats: "bostad_vuxna", namnd: "socialnamnden", n: 60},
		dec{insats: "daglig_verksamhet", namnd: "bromma", n: 3},
	)
	tb.bef.Add([]string{"2024", "jarva"}, 50000)
	tb.bef.Add([]string{"2024", "bromma"}, 30000)
	src := tb.source()
	id := "9:9"
	wantValue(t, id, "Järva", "bostad_sarskild_service", cell(t, src, id, "Järva", "bostad_sarskild_service"), 20, 100)
	wantValue(t, id, "Totalt i staden", "bostad_sarskild_service", cell(t, src, id, "Totalt i staden", "bostad_sarskild_service"), 20, 160)
	wantValue(t, id, "Bromma", "daglig_verksamhet", cell(t, src, id, "Bromma", "daglig_verksamhet"), 1, 3)
	wantStatus(t, id, "Skärholmen", "daglig_verksamhet", cell(t, src, id, "Skärholmen", "daglig_verksamhet"), StatusNotComputable)
}

// TestSpec9_6Boendeform: shares of women and men within a type of housing.
func TestSpec9_6Boendeform(t *testing.T) {
	src := newToy().add(
		dec{insats: "bostad_vuxna", boende: "gruppbostad", n: 41},
		dec{insats: "bostad_vuxna", boende: "gruppbostad", kon: "M", n: 59},
		dec{insats: "bostad_vuxna", boende: "servicebostad", kon: "M", n: 10},
	).source()
	id := "9:6"
	wantValue(t, id, "Gruppbostad", "andel_kvinnor_pct", cell(t, src, id, "Gruppbostad", "andel_kvinnor_pct"), 41, 41)
	wantValue(t, id, "Totalt i staden", "totalt_antal", cell(t, src, id, "Totalt i staden", "totalt_antal"), 110, 110)
}

// TestSpecYears: a specification names the years its cells read, so a
// reader can read just those; none (every year) when a cell does not
// restrict the year or a share drops the restriction.
func TestSpecYears(t *testing.T) {
	specs, err := Specs()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]int{
		"9:3": {2022, 2023, 2024}, "9:11": {2023, 2024}, "9:13": {2024}, "9:19": {2024}, "ev:1": {2023, 2024},
	} {
		if got := specs[id].Years(); !slices.Equal(got, want) {
			t.Errorf("%s reads the years %v, want %v", id, got, want)
		}
	}
	count := Count{Cube: cubeInsatser, Field: "antal_beslut"}
	year := func(y string) cube.Filter { return cube.Filter{"ar": {y}} }
	for _, c := range []struct {
		name string
		spec Spec
		want []int
	}{
		{"years of columns", Spec{Rows: []Line{{Measure: count}}, Cols: []Line{{Where: year("2023")}, {Where: year("2022")}}}, []int{2022, 2023}},
		{"a column of every year", Spec{Rows: []Line{{Measure: count}}, Cols: []Line{{Where: year("2023")}, {}}}, nil},
		{"a share of every year", Spec{Where: year("2024"), Rows: []Line{{Measure: Share{Of: count, DenWithout: []string{"ar"}}}}, Cols: []Line{{}}}, nil},
	} {
		if got := c.spec.Years(); !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("%s: years %v, want %v", c.name, got, c.want)
		}
	}
}
