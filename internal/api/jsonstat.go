package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// jsonStat is a JSON-stat 2.0 dataset response (https://json-stat.org/full/).
// The fields are in the order a reader meets them best: what the dataset
// is, its dimensions, its values, then the notes.
type jsonStat struct {
	Version   string                  `json:"version"`
	Class     string                  `json:"class"`
	Href      string                  `json:"href"`
	Label     string                  `json:"label"`
	Source    string                  `json:"source"`
	Updated   string                  `json:"updated"`
	ID        []string                `json:"id"`
	Size      []int                   `json:"size"`
	Role      map[string][]string     `json:"role,omitempty"`
	Dimension map[string]*jsDimension `json:"dimension"`
	// Value is in row-major order of ID: null where nothing is published.
	Value []*float64 `json:"value"`
	// Status is keyed by the index into Value (as PxWeb writes it), for
	// every cell that shows a mark instead of a number.
	Status    map[string]string   `json:"status,omitempty"`
	Note      []string            `json:"note,omitempty"`
	Link      map[string][]jsLink `json:"link,omitempty"`
	Extension jsExtension         `json:"extension"`
}

type jsDimension struct {
	Label     string         `json:"label"`
	Category  jsCategory     `json:"category"`
	Extension map[string]any `json:"extension,omitempty"`
}

type jsCategory struct {
	Index []string            `json:"index"`
	Label map[string]string   `json:"label"`
	Unit  map[string]jsUnit   `json:"unit,omitempty"`
	Note  map[string][]string `json:"note,omitempty"`
}

type jsUnit struct {
	Label    string `json:"label"`
	Decimals int    `json:"decimals"`
}

type jsLink struct {
	Type  string `json:"type,omitempty"`
	Href  string `json:"href"`
	Label string `json:"label,omitempty"`
}

// jsExtension is insyn's part of a JSON-stat file: versions, licence, and
// what the status codes mean.
type jsExtension struct {
	// Report is the seed table's id; Table the arguments of a generic table.
	Report      string         `json:"report,omitempty"`
	Table       *jsTableArgs   `json:"table,omitempty"`
	LakeVersion string         `json:"lakeVersion"`
	Datasets    []jsDatasetRef `json:"datasets"`
	License     jsLicense      `json:"license"`
	// Status explains every status code, and Gap a null value without
	// a status.
	Status map[string]jsStatus `json:"status"`
	Gap    string              `json:"gap"`
	// Total is the category id of a dimension's total.
	Total string `json:"total,omitempty"`
}

type jsTableArgs struct {
	Dataset string         `json:"dataset"`
	Measure string         `json:"measure"`
	Period  string         `json:"period"`
	GroupBy []string       `json:"groupBy"`
	Filter  []jsFilterArgs `json:"filter"`
	Totals  bool           `json:"totals"`
	ShareOf string         `json:"shareOf,omitempty"`
}

type jsFilterArgs struct {
	Dimension string   `json:"dimension"`
	Codes     []string `json:"codes"`
}

type jsDatasetRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  string `json:"source"`
}

type jsLicense struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Href        string `json:"href"`
	Attribution string `json:"attribution"`
}

type jsStatus struct {
	// Mark is the GraphQL Mark of the cells with this status.
	Mark  string `json:"mark"`
	Label string `json:"label"`
}

// statusCodes are the JSON-stat status codes: the marks as the reports
// print them, and the GraphQL Mark each stands for.
var statusCodes = map[string]jsStatus{
	"*":   {Mark: MarkSuppressed, Label: noteSuppressed},
	".":   {Mark: MarkNotComputable, Label: noteNotComputable},
	"i.u": {Mark: MarkNoData, Label: noteNoData},
}

// gapNote explains a null value without a status.
const gapNote = "null utan status: här finns ingen uppgift (en plats där den tryckta tabellen inte har någon cell, eller en kombination av koder som inte kan förekomma, som en SoL-insats enligt LSS)."

// statusCode is a figure's JSON-stat status: "" when it is published.
func statusCode(f figure) string {
	if f.published() {
		return ""
	}
	return f.display()
}

func newJSONStat(meta openMeta, href string) *jsonStat {
	js := &jsonStat{
		Version: "2.0", Class: "dataset", Href: href,
		Label:     meta.title,
		Source:    strings.TrimPrefix(meta.source, "Källa: "),
		Updated:   meta.updated.UTC().Format(time.RFC3339),
		Dimension: map[string]*jsDimension{},
		Status:    map[string]string{},
		Note:      meta.footnotes,
		Link: map[string][]jsLink{
			"alternate": {
				{Type: "text/csv", Href: meta.csv, Label: "CSV, Excel (svenska inställningar)"},
				{Type: "text/csv", Href: withDialect(meta.csv, DialectRFC4180), Label: "CSV, RFC 4180"},
			},
			"license": {{Href: licenceURL, Label: licenceName}},
		},
		Extension: jsExtension{
			LakeVersion: meta.lakeVersion,
			License:     jsLicense{ID: licenceID, Label: licenceName, Href: licenceURL, Attribution: licensor},
			Status:      statusCodes,
			Gap:         gapNote,
		},
	}
	for _, d := range meta.datasets {
		js.Extension.Datasets = append(js.Extension.Datasets, jsDatasetRef{Name: d.def.name, Version: d.version, Source: d.source})
	}
	return js
}

// addDimension appends a dimension with its categories in order.
func (js *jsonStat) addDimension(id, label string, index []string, labels map[string]string) *jsDimension {
	d := &jsDimension{Label: label, Category: jsCategory{Index: index, Label: labels}}
	js.ID = append(js.ID, id)
	js.Size = append(js.Size, len(index))
	js.Dimension[id] = d
	return d
}

// setCell puts a figure at a value index.
func (js *jsonStat) setCell(i int, f figure) {
	if f.published() {
		v := f.value
		js.Value[i] = &v
		return
	}
	js.Status[strconv.Itoa(i)] = statusCode(f)
}

// reportJSONStat is a seed table as a JSON-stat dataset of two
// dimensions, the printed rows ("row") and the printed columns
// ("column"). The dimension whose categories each have one unit (the
// columns in all but 9:16) has the role metric, with the units.
func reportJSONStat(ans *reportAnswer, meta openMeta) *jsonStat {
	p := ans.printed
	js := newJSONStat(meta, meta.jsonStat)
	js.Extension.Report = p.ID

	rowIDs := rowIDs(ans.rows)
	rowLabels := map[string]string{}
	for i, r := range ans.rows {
		rowLabels[rowIDs[i]] = r.label + r.marker
	}
	rows := js.addDimension("row", p.RowHeading, rowIDs, rowLabels)

	colIDs := make([]string, len(p.Columns))
	colLabels := map[string]string{}
	headings := map[string][]string{}
	for i, c := range p.Columns {
		colIDs[i] = c.Key
		colLabels[c.Key] = flatHeading(c.Heading)
		headings[c.Key] = c.Heading
	}
	cols := js.addDimension("column", "Kolumn", colIDs, colLabels)
	cols.Extension = map[string]any{"heading": headings}

	js.Value = make([]*float64, len(rowIDs)*len(colIDs))
	for r, row := range ans.rows {
		for c, cell := range row.cells {
			if cell != nil {
				js.setCell(r*len(colIDs)+c, cell.fig)
			}
		}
	}

	unitOf := func(r, c int) string {
		if cell := ans.rows[r].cells[c]; cell != nil {
			return cell.unit
		}
		return ""
	}
	if units, ok := uniformUnits(len(colIDs), len(rowIDs), func(c, r int) string { return unitOf(r, c) }); ok {
		cols.Category.Unit = unitMap(colIDs, units)
		js.Role = map[string][]string{"metric": {"column"}}
	} else if units, ok := uniformUnits(len(rowIDs), len(colIDs), unitOf); ok {
		rows.Category.Unit = unitMap(rowIDs, units)
		js.Role = map[string][]string{"metric": {"row"}}
	}
	return js
}

// uniformUnits returns the unit of each of n categories when all the
// figures of each have one unit (unit(i, j) for its j-th of m figures;
// "" where the layout has none).
func uniformUnits(n, m int, unit func(i, j int) string) ([]string, bool) {
	out := make([]string, n)
	for i := range n {
		for j := range m {
			u := unit(i, j)
			switch {
			case u == "":
			case out[i] == "":
				out[i] = u
			case out[i] != u:
				return nil, false
			}
		}
	}
	return out, true
}

func unitMap(ids, units []string) map[string]jsUnit {
	m := map[string]jsUnit{}
	for i, id := range ids {
		if units[i] != "" {
			m[id] = jsUnit{Label: units[i], Decimals: 0}
		}
	}
	return m
}

// rowIDs are category ids for printed rows: the label in lower-case
// ASCII, words joined by "_" ("Norra innerstaden" -> "norra_innerstaden",
// "– varav bifall" -> "varav_bifall"), made unique by a suffix.
func rowIDs(rows []reportRow) []string {
	ids := make([]string, len(rows))
	seen := map[string]bool{}
	for i, r := range rows {
		base := slug(r.label)
		if base == "" {
			base = "rad"
		}
		id := base
		for n := 2; seen[id]; n++ {
			id = fmt.Sprintf("%s_%d", base, n)
		}
		seen[id] = true
		ids[i] = id
	}
	return ids
}

// asciiLetters spells the letters of Swedish labels in ASCII, as the code
// lists do ("Järva" -> "jarva").
var asciiLetters = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "ü", "u")

// slug is s in lower-case ASCII letters and digits, other runs as one "_".
func slug(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range asciiLetters.Replace(strings.ToLower(s)) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(r)
		default:
			gap = true
		}
	}
	return b.String()
}

// tableJSONStat is a generic table as a JSON-stat dataset: the measure (a
// dimension of one category, with the unit; role metric), the period
// (role time), then the grouped dimensions in groupBy order (nämnd has
// role geo). Each grouped dimension's categories are the codes its cells
// have, in code list order, the total ("_T") last.
func tableJSONStat(t *tableAnswer, meta openMeta) *jsonStat {
	js := newJSONStat(meta, meta.jsonStat)
	js.Extension.Total = totalCode
	js.Extension.Table = t.args()
	m := string(t.measure)
	measure := js.addDimension("measure", "Mått", []string{m}, map[string]string{m: unitOf(t.measure)})
	measure.Category.Unit = map[string]jsUnit{m: {Label: unitOf(t.measure), Decimals: 0}}
	js.Role = map[string][]string{"metric": {"measure"}, "time": {"period"}}

	periodIDs := make([]string, len(t.periods))
	periodLabels := map[string]string{}
	for i, p := range t.periods {
		periodIDs[i] = p.code()
		periodLabels[p.code()] = p.label()
	}
	js.addDimension("period", "Period", periodIDs, periodLabels)

	// position[d][code] is a code's category index in grouped dimension d.
	position := make([]map[string]int, len(t.dims))
	for d := range t.dims {
		dim := &t.dims[d]
		// The codes the cells use, with their labels.
		labels := map[string]string{}
		for _, c := range t.cells() {
			labels[c.coords[d].code] = c.coords[d].label
		}
		var index []string
		for _, code := range append(dim.codes.CodeValues(), totalCode) {
			if _, used := labels[code]; used {
				index = append(index, code)
			}
		}
		position[d] = map[string]int{}
		for i, code := range index {
			position[d][code] = i
		}
		js.addDimension(dim.name, dim.label, index, labels)
		if dim.name == "namnd" {
			js.Role["geo"] = []string{dim.name}
		}
	}

	n := 1
	for _, s := range js.Size {
		n *= s
	}
	js.Value = make([]*float64, n)
	periodPos := map[period]int{}
	for i, p := range t.periods {
		periodPos[p] = i
	}
	for _, c := range t.cells() {
		// Row-major: the measure's single category contributes nothing.
		i := periodPos[c.period]
		for d, co := range c.coords {
			i = i*js.Size[d+2] + position[d][co.code]
		}
		js.setCell(i, c.fig)
	}
	return js
}

// args are a table's arguments as the JSON-stat extension shows them.
func (t *tableAnswer) args() *jsTableArgs {
	a := &jsTableArgs{
		Dataset: t.req.Dataset, Measure: string(t.req.Measure), Period: t.req.Period,
		GroupBy: slices.Clone(t.req.GroupBy), Filter: []jsFilterArgs{}, Totals: t.req.Totals, ShareOf: t.req.ShareOf,
	}
	if a.GroupBy == nil {
		a.GroupBy = []string{}
	}
	for _, f := range t.req.Filter {
		a.Filter = append(a.Filter, jsFilterArgs(f))
	}
	return a
}
