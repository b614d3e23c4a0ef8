package api

import "testing"

func TestSmoke(t *testing.T) {
	h := sampleHandler(t)
	for _, q := range []string{
		`{ report(id: "9:4") { id caption source footnotes lakeVersion datasets { name version source } columns { key heading } rows { label cells { value mark display unit } } } }`,
		`{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], filter: [{dimension: "insats", codes: ["personlig_assistans"]}], totals: true) { unit source version footnotes cells { period coordinates { dimension code label total } value mark display } } }`,
		`{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["namnd", "aldersgrupp"]) { cells { display } } }`,
		`{ table(dataset: "insatserx", measure: DECISIONS, period: "2024") { cells { display } } }`,
		`{ table(dataset: "insatser", measure: FOO, period: "2024") { cells { display } } }`,
	} {
		rec := post(t, h, q, nil)
		t.Logf("%s\n%.3000s", q, rec.Body.String())
	}
}
