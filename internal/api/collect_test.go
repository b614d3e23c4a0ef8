package api

import (
	"reflect"
	"regexp"
	"testing"
)

// TestSelectionOrder: an answer's keys come in the order of the
// selection set, through the executor, the direct lists and the one-table
// path, aliases, fragments and directives included (TestGraphQLJS checks
// many more against graphql-js).
func TestSelectionOrder(t *testing.T) {
	h := sampleHandler(t)
	cases := []struct{ query, want string }{
		{`{ lake { version created format } datasets { name label } }`,
			`^\{"data":\{"lake":\{"version":"[^"]+","created":"[^"]+","format":"[^"]+"\},"datasets":\[\{"name":"[^"]+","label":"[^"]+"\},`},
		{`{ datasets { label name } lake { format created version } }`,
			`^\{"data":\{"datasets":\[\{"label":"[^"]+","name":"[^"]+"\},.*\],"lake":\{"format":"[^"]+","created":"[^"]+","version":"[^"]+"\}\}\}`},
		{`query { b: lake { ... { z: version } a: created ...L } } fragment L on Lake { format z: version }`,
			`^\{"data":\{"b":\{"z":"[^"]+","a":"[^"]+","format":"[^"]+"\}\}\}`},
		{`{ table(dataset: "kbf", measure: SUM_SEK, period: "2024") { unit cells { mark value period } dataset } }`,
			`^\{"data":\{"table":\{"unit":"kronor","cells":\[\{"mark":"[A-Z_]+","value":[^,]+,"period":"2024"\}\],"dataset":"kbf"\}\}\}`},
		{`{ table(dataset: "kbf", measure: SUM_SEK, period: "2024") { periods { label code } cells { period @skip(if: true) mark ... { period } } } }`,
			`^\{"data":\{"table":\{"periods":\[\{"label":"2024","code":"2024"\}\],"cells":\[\{"mark":"[A-Z_]+","period":"2024"\}\]\}\}\}`},
	}
	for _, c := range cases {
		rec := post(t, h, c.query, nil)
		if !regexp.MustCompile(c.want).Match(rec.Body.Bytes()) {
			t.Errorf("%s\nanswered %s\nwant %s", c.query, rec.Body, c.want)
		}
	}
}

// TestStaticShape: a document's shape is kept with it when no request can
// change it, and is the shape each request would have.
func TestStaticShape(t *testing.T) {
	h := sampleHandler(t)
	for _, c := range []struct {
		query  string
		static bool
	}{
		{`{ lake { version } datasets { name } }`, true},
		{`query($id: String!) { report(id: $id) { rows { label @skip(if: true) cells { mark } } } }`, true},
		{`query($s: Boolean!) { lake { version @skip(if: $s) } }`, false},
		{`query($s: Boolean!) { ...Q } fragment Q on Query { lake { ... @include(if: $s) { version } } }`, false},
		{`query A { lake { version } } query B { datasets { name } }`, false},
	} {
		doc, ref, errs := h.parse(c.query)
		if ref != nil || len(errs) > 0 {
			t.Fatalf("%s: %v %v", c.query, ref, errs)
		}
		if (doc.shape != nil) != c.static {
			t.Errorf("%s: static shape %v, want %v", c.query, doc.shape != nil, c.static)
			continue
		}
		if c.static && !reflect.DeepEqual(doc.shape, responseShape(h.schema, doc.doc, "", map[string]any{"s": true})) {
			t.Errorf("%s: the static shape is not a request's", c.query)
		}
	}
}
