package attack

import (
	"testing"
)

// code is a catalogue code with its group.
func code(c, group string) struct {
	Code  string  `json:"code"`
	Group *string `json:"group"`
} {
	x := struct {
		Code  string  `json:"code"`
		Group *string `json:"group"`
	}{Code: c}
	if group != "" {
		x.Group = &group
	}
	return x
}

func dim(name string, codes ...string) DimInfo {
	d := DimInfo{Name: name}
	for _, c := range codes {
		group := ""
		switch {
		case name == "insats" && (c == "bostad_vuxna" || c == "personlig_assistans"):
			group = "LSS"
		case name == "insats":
			group = "SoL"
		}
		d.Codes = append(d.Codes, code(c, group))
	}
	return d
}

func period(codes ...string) []struct {
	Code string `json:"code"`
} {
	out := make([]struct {
		Code string `json:"code"`
	}, len(codes))
	for i, c := range codes {
		out[i].Code = c
	}
	return out
}

// TestIssue16Attack is the issue's attack on hand-made answers:
// Socialnämnden, 2022, kvinnor. Persons: 12 in all, 0 with both laws,
// only LSS and only SoL suppressed; decisions: bostad för vuxna 9,
// hemtjänst suppressed, the other SoL insats 0. Decisions on bostad ≤
// persons with LSS, so only SoL ≤ 3: three counts in [1, 3], each found
// only through the link of persons and decisions.
func TestIssue16Attack(t *testing.T) {
	for _, linked := range []bool{true, false} {
		cat := &Catalogue{Datasets: []DatasetInfo{
			{Name: "insatser", Measures: []string{"DECISIONS"}, Periods: period("2022"), Dimensions: []DimInfo{
				dim("namnd", "socialnamnden"), dim("lagrum", "LSS", "SoL"),
				dim("insats", "bostad_vuxna", "personlig_assistans", "sol_boendestod", "sol_hemtjanst"), dim("kon", "K", "M")}},
			{Name: "insatser_personer", Measures: []string{"PERSONS"}, Periods: period("2022"), Dimensions: []DimInfo{
				dim("namnd", "socialnamnden"), dim("kon", "K", "M"), dim("lagrumsgrupp", "endast_lss", "endast_sol", "bade")}},
		}}
		if !linked {
			cat.Datasets[1].Name = "unlinked_personer"
		}
		hv := &Harvest{Catalogue: cat, byKey: map[string]*Figure{}}
		fig := func(ds, mark string, v float64, where map[string][]string) {
			where["namnd"], where["kon"] = []string{"socialnamnden"}, []string{"K"}
			measure := "DECISIONS"
			if ds != "insatser" {
				measure = "PERSONS"
			}
			hv.add(&Figure{Dataset: ds, Measure: measure, Period: "2022", Where: where, Mark: mark, Value: v})
		}
		per := cat.Datasets[1].Name
		fig(per, "PUBLISHED", 12, map[string][]string{})
		fig(per, "PUBLISHED", 0, map[string][]string{"lagrumsgrupp": {"bade"}})
		fig(per, "SUPPRESSED", 0, map[string][]string{"lagrumsgrupp": {"endast_lss"}})
		fig(per, "SUPPRESSED", 0, map[string][]string{"lagrumsgrupp": {"endast_sol"}})
		fig("insatser", "PUBLISHED", 9, map[string][]string{"insats": {"bostad_vuxna"}})
		fig("insatser", "SUPPRESSED", 0, map[string][]string{"insats": {"personlig_assistans"}})
		fig("insatser", "SUPPRESSED", 0, map[string][]string{"insats": {"sol_hemtjanst"}})
		fig("insatser", "PUBLISHED", 0, map[string][]string{"insats": {"sol_boendestod"}})
		fig("insatser", "SUPPRESSED", 0, map[string][]string{"lagrum": {"SoL"}})
		fig("insatser", "SUPPRESSED", 0, map[string][]string{"lagrum": {"LSS"}})
		res, err := AuditHarvest(hv, Options{Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			per + " PERSONS 2022 {kon=K lagrumsgrupp=endast_sol namnd=socialnamnden}":  "[1, 3]",
			"insatser DECISIONS 2022 {insats=sol_hemtjanst kon=K namnd=socialnamnden}": "[1, 3]",
			"insatser DECISIONS 2022 {kon=K lagrum=SoL namnd=socialnamnden}":           "[1, 3]",
		}
		for _, iv := range res.Intervals {
			w, ok := want[describe(iv.Figure)]
			if !ok {
				continue
			}
			delete(want, describe(iv.Figure))
			if narrowed := iv.String() == w; narrowed != linked {
				t.Errorf("linked %t: %s is %s", linked, describe(iv.Figure), iv)
			}
		}
		if len(want) > 0 {
			t.Errorf("no intervals for %v", want)
		}
		if linked && len(res.Failures) < 3 {
			t.Errorf("failures %v, want the three counts", res.Failures)
		}
	}
}
