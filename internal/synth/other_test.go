package synth

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

func TestFillTable(t *testing.T) {
	tests := []struct {
		name       string
		rows, cols []int
		lower      [][]int
		weight     [][]float64
		wantErr    string
		check      func(t *testing.T, x [][]int)
	}{
		{
			name: "proportional",
			rows: []int{10, 20}, cols: []int{15, 15},
			check: func(t *testing.T, x [][]int) {
				if !reflect.DeepEqual(x, [][]int{{5, 5}, {10, 10}}) {
					t.Errorf("got %v, want [[5 5] [10 10]]", x)
				}
			},
		},
		{
			name: "rounding keeps every total",
			rows: []int{1, 1, 1, 4}, cols: []int{3, 2, 2},
		},
		{
			name: "exact fact closes its cell",
			rows: []int{74, 26}, cols: []int{48, 52},
			lower:  [][]int{{41, 0}, {0, 0}},
			weight: [][]float64{{0, 1}, {1, 1}},
			check: func(t *testing.T, x [][]int) {
				if x[0][0] != 41 {
					t.Errorf("closed cell got %d, want 41", x[0][0])
				}
			},
		},
		{
			name: "lower bound may grow",
			rows: []int{29, 10}, cols: []int{30, 9},
			lower:  [][]int{{17, 0}, {0, 0}},
			weight: [][]float64{{1, 1}, {1, 1}},
			check: func(t *testing.T, x [][]int) {
				if x[0][0] < 17 {
					t.Errorf("bounded cell got %d, want at least 17", x[0][0])
				}
			},
		},
		{
			name: "zero weight steers units",
			rows: []int{5, 5}, cols: []int{5, 5},
			weight: [][]float64{{1, 0}, {1, 1}},
			check: func(t *testing.T, x [][]int) {
				if x[0][1] != 0 {
					t.Errorf("closed cell got %d, want 0", x[0][1])
				}
			},
		},
		{name: "totals disagree", rows: []int{3}, cols: []int{4}, wantErr: "rows leave 3"},
		{
			name: "fixed cells too large", rows: []int{3, 1}, cols: []int{2, 2},
			lower: [][]int{{3, 0}, {0, 0}}, wantErr: "column 0",
		},
		{
			name: "no open cell", rows: []int{2, 0}, cols: []int{1, 1},
			weight: [][]float64{{1, 0}, {1, 1}}, wantErr: "column 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := fillTable(tt.rows, tt.cols, tt.lower, tt.weight)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.rows {
				if got := sumLeft(x[i]); got != want {
					t.Errorf("row %d adds up to %d, want %d", i, got, want)
				}
			}
			for j, want := range tt.cols {
				got := 0
				for i := range x {
					if x[i][j] < 0 {
						t.Errorf("cell %d,%d is negative", i, j)
					}
					got += x[i][j]
				}
				if got != want {
					t.Errorf("column %d adds up to %d, want %d", j, got, want)
				}
			}
			if tt.check != nil {
				tt.check(t, x)
			}
		})
	}
}

// generateOthers runs the generators of this file's datasets alone.
func generateOthers(t *testing.T) (*aggregate.Microdata, *aggregate.External) {
	t.Helper()
	m := &aggregate.Microdata{
		Beslut: map[int][]v1.Beslut{}, EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{},
	}
	e := &aggregate.External{Lov: map[int][]v1.LovCell{}}
	for _, gen := range []func(*aggregate.Microdata, *aggregate.External) error{genBeslut, genEjVerkstallda, genKBF, genLov} {
		if err := gen(m, e); err != nil {
			t.Fatal(err)
		}
	}
	return m, e
}

func TestOthersDeterministic(t *testing.T) {
	m1, e1 := generateOthers(t)
	m2, e2 := generateOthers(t)
	if !reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(e1, e2) {
		t.Fatal("two runs gave different data")
	}
}

// TestEjVerkstalldaText checks the figures of the report's text that no
// table prints, and the dates of the decisions.
func TestEjVerkstalldaText(t *testing.T) {
	m, _ := generateOthers(t)
	count := func(year, kv int, keep func(r v1.EjVerkstallt) bool) int {
		n := 0
		for _, r := range m.EjVerkstallda[year] {
			if int(r.Kvartal) == kv && keep(r) {
				n++
			}
		}
		return n
	}
	is := func(lagrum, insats, orsak, status string) func(r v1.EjVerkstallt) bool {
		return func(r v1.EjVerkstallt) bool {
			return r.Lagrum == lagrum && (insats == "" || r.Insats == insats) &&
				(orsak == "" || r.Orsak == orsak) && (status == "" || r.Status == status)
		}
	}
	facts := []struct {
		what          string
		keep          func(r v1.EjVerkstallt) bool
		atLeast, want int
	}{
		{"LSS verkställda", is("LSS", "", "", "verkstallt"), 0, 21},
		{"LSS avslutade", is("LSS", "", "", "avslutat"), 0, 46},
		{"SoL verkställda", is("SoL", "", "", "verkstallt"), 0, 39},
		{"SoL avslutade", is("SoL", "", "", "avslutat"), 0, 11},
		{"bostad för vuxna, tackat nej", is("LSS", "bostad_vuxna", "tackat_nej", ""), 0, 41},
		{"daglig verksamhet, annat skäl", is("LSS", "daglig_verksamhet", "annat_skal", ""), 17, 0},
		{"daglig verksamhet, annat skäl, avslutat", is("LSS", "daglig_verksamhet", "annat_skal", "avslutat"), 7, 0},
		{"korttidsvistelse, annat skäl", is("LSS", "korttidsvistelse", "annat_skal", ""), 19, 0},
		{"avlösarservice, annat skäl", is("LSS", "avlosarservice", "annat_skal", ""), 4, 0},
		{"permanent bostad, resursbrist bostad", is("SoL", "permanent_bostad", "resursbrist_bostad", ""), 0, 23},
		{"permanent bostad, resursbrist personal", is("SoL", "permanent_bostad", "resursbrist_personal", ""), 0, 0},
		{"kontaktperson, resursbrist bostad", is("SoL", "kontaktperson", "resursbrist_bostad", ""), 0, 17},
		{"kontaktperson, resursbrist, verkställda", is("SoL", "kontaktperson", "resursbrist_bostad", "verkstallt"), 0, 8},
	}
	for _, f := range facts {
		got := count(2024, 2, f.keep)
		if f.atLeast > 0 && got < f.atLeast {
			t.Errorf("Kv 2 2024 %s: %d, want at least %d", f.what, got, f.atLeast)
		}
		if f.atLeast == 0 && got != f.want {
			t.Errorf("Kv 2 2024 %s: %d, want %d", f.what, got, f.want)
		}
	}
	for _, q := range evQuarters {
		end := ymd(q.year, time.Month(3*q.kvartal), 1).AddDate(0, 1, -1)
		for _, r := range m.EjVerkstallda[q.year] {
			if int(r.Kvartal) != q.kvartal {
				continue
			}
			decided := time.Unix(int64(r.Beslutsdatum)*86400, 0).UTC()
			if !decided.AddDate(0, 3, 0).Before(end) {
				t.Errorf("Kv %d %d: decision of %s is not more than three months before %s",
					q.kvartal, q.year, decided.Format(time.DateOnly), end.Format(time.DateOnly))
			}
		}
	}
}

func TestBeslutChoices(t *testing.T) {
	m, _ := generateOthers(t)
	women, domar, mot := 0, 0, 0
	for _, r := range m.Beslut[2024] {
		if r.Kon == "K" {
			women++
		}
		if r.Dom {
			domar++
			if r.Utfall == "bifall" {
				t.Errorf("a court ruled on a granted decision: %+v", r)
			}
		}
		if r.DomMotStaden {
			mot++
			if !r.Dom {
				t.Errorf("a ruling against the city without a ruling: %+v", r)
			}
		}
		if d := time.Unix(int64(r.Beslutsdatum)*86400, 0).UTC(); d.Year() != 2024 {
			t.Errorf("decision of %s in the data of 2024", d.Format(time.DateOnly))
		}
	}
	if women != 701 || domar != 19 || mot != 2 {
		t.Errorf("women %d, rulings %d, against the city %d; want 701, 19, 2", women, domar, mot)
	}
}

func TestKBFAmounts(t *testing.T) {
	m, _ := generateOthers(t)
	want := map[int]int{2022: 641, 2023: 598, 2024: 562}
	for year, rows := range m.KBF {
		if len(rows) != want[year] {
			t.Errorf("%d: %d recipients, want %d", year, len(rows), want[year])
		}
		sum := map[string]int64{}
		ids := map[string]bool{}
		for _, r := range rows {
			if r.BeloppKr <= 0 {
				t.Errorf("%d: %s gets %d SEK", year, r.PersonID, r.BeloppKr)
			}
			if ids[r.PersonID] {
				t.Errorf("%d: %s twice", year, r.PersonID)
			}
			ids[r.PersonID] = true
			sum[r.Namnd] += r.BeloppKr
		}
		if len(sum) != 11 {
			t.Errorf("%d: KBF in %d nämnder, want the 11 districts", year, len(sum))
		}
		for d, code := range []string{"jarva", "hasselby_vallingby", "bromma", "kungsholmen", "norra_innerstaden",
			"sodermalm", "enskede_arsta_vantor", "skarpnack", "farsta", "hagersten_alvsjo", "skarholmen"} {
			if sum[code] != kbf920[year][d] {
				t.Errorf("%d %s: %d SEK, want %d", year, code, sum[code], kbf920[year][d])
			}
		}
	}
}
