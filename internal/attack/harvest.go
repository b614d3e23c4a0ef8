package attack

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Catalogue is what the API says about its datasets (Query.datasets): the
// names, measures, periods, dimensions and code lists a user builds
// requests from.
type Catalogue struct {
	Datasets []DatasetInfo `json:"datasets"`
	Reports  []struct {
		ID string `json:"id"`
	} `json:"reports"`
}

// DatasetInfo is one dataset of the catalogue.
type DatasetInfo struct {
	Name     string   `json:"name"`
	Public   bool     `json:"public"`
	Measures []string `json:"measures"`
	Periods  []struct {
		Code string `json:"code"`
	} `json:"periods"`
	Dimensions []DimInfo `json:"dimensions"`
}

// DimInfo is a dimension with its codes in report order.
type DimInfo struct {
	Name  string `json:"name"`
	Codes []struct {
		Code  string  `json:"code"`
		Group *string `json:"group"`
	} `json:"codes"`
}

// codes lists the dimension's codes.
func (d DimInfo) codes() []string {
	out := make([]string, len(d.Codes))
	for i, c := range d.Codes {
		out[i] = c.Code
	}
	return out
}

// groups are the dimension's hierarchy as the code list gives it: each
// parent code with its children, in order of first appearance.
func (d DimInfo) groups() [][]string {
	var order []string
	by := map[string][]string{}
	for _, c := range d.Codes {
		if c.Group == nil || *c.Group == "" {
			continue
		}
		if _, ok := by[*c.Group]; !ok {
			order = append(order, *c.Group)
		}
		by[*c.Group] = append(by[*c.Group], c.Code)
	}
	var out [][]string
	for _, g := range order {
		out = append(out, by[g])
	}
	return out
}

// periodCodes lists the dataset's periods.
func (d DatasetInfo) periodCodes() []string {
	out := make([]string, len(d.Periods))
	for i, p := range d.Periods {
		out[i] = p.Code
	}
	return out
}

func (d DatasetInfo) dim(name string) (DimInfo, bool) {
	for _, x := range d.Dimensions {
		if x.Name == name {
			return x, true
		}
	}
	return DimInfo{}, false
}

const catalogueQuery = `{ datasets { name public measures periods { code } dimensions { name codes { code group } } } reports { id } }`

// readCatalogue asks the API for its datasets and seed tables.
func readCatalogue(c *client) (*Catalogue, error) {
	var cat Catalogue
	errs, err := c.query(catalogueQuery, nil, &cat)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("datasets: %s", errs[0].Message)
	}
	return &cat, nil
}

// Figure is one figure the API published, read from an answer: what it
// counts or computes, over which categories, in which period, and how it
// was shown.
type Figure struct {
	Dataset string
	Measure string // the Measure enum (DECISIONS, SHARE, …)
	ShareOf string // for SHARE: the dimension whose total is 100 %
	// Den is, for SHARE, the categories of the denominator: Where with
	// the ShareOf dimension at its total (over the request's filter).
	Den    map[string][]string
	Period string // "2024" or "2024-Q2"
	// Where restricts each dimension to some of its codes; a dimension
	// not named is at its total (every code).
	Where map[string][]string
	Mark  string  // PUBLISHED, SUPPRESSED, NOT_COMPUTABLE, NO_DATA
	Value float64 // as printed, when PUBLISHED
	From  string  // the request that gave it first, for reports
}

// key identifies what the figure is, whatever the request that gave it.
func (f *Figure) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s", f.Dataset, f.Measure, f.ShareOf, f.Period)
	for _, d := range slices.Sorted(maps.Keys(f.Where)) {
		fmt.Fprintf(&b, "|%s=%s", d, strings.Join(f.Where[d], ","))
	}
	return b.String()
}

// Harvest is every figure the API publishes that the harvest reached,
// once each.
type Harvest struct {
	Catalogue *Catalogue
	Figures   []*Figure
	byKey     map[string]*Figure
	// Inconsistent lists figures the API gave two ways: a breach of the
	// consistency guarantee, reported as a failure.
	Inconsistent []string
	// Unread lists seed-table figures the audit does not read, with why.
	Unread   []string
	Requests int
	Tables   int // table requests answered
	Files    int // open-data files compared with their answers
}

func (h *Harvest) add(f *Figure) {
	k := f.key()
	if old, ok := h.byKey[k]; ok {
		if old.Mark != f.Mark || old.Value != f.Value {
			h.Inconsistent = append(h.Inconsistent, fmt.Sprintf("%s: %s %v (%s) and %s %v (%s)", k, old.Mark, old.Value, old.From, f.Mark, f.Value, f.From))
		}
		return
	}
	h.byKey[k] = f
	h.Figures = append(h.Figures, f)
}

const tableQuery = `query($d: String!, $m: Measure!, $p: String!, $g: [String!], $f: [Filter!], $t: Boolean, $s: String) {
  table(dataset: $d, measure: $m, period: $p, groupBy: $g, filter: $f, totals: $t, shareOf: $s) {
    cells { period coordinates { dimension code total } mark value } } }`

// tableAnswer is the part of Query.table the harvest reads.
type tableAnswer struct {
	Table struct {
		Cells []struct {
			Period      string `json:"period"`
			Coordinates []struct {
				Dimension string  `json:"dimension"`
				Code      *string `json:"code"`
				Total     bool    `json:"total"`
			} `json:"coordinates"`
			Mark  string   `json:"mark"`
			Value *float64 `json:"value"`
		} `json:"cells"`
	} `json:"table"`
}

// request is one table request: a context of filters and the grouped
// dimensions, with totals.
type request struct {
	ds      DatasetInfo
	measure string
	shareOf string
	period  string
	groupBy []string
	filter  map[string][]string
}

func (r request) String() string {
	return fmt.Sprintf("table(%s %s %s groupBy %v filter %v shareOf %q)", r.ds.Name, r.measure, r.period, r.groupBy, r.filter, r.shareOf)
}

// ask sends the request. It returns the figures of the answer, or the
// error code of a refusal ("NOT_PUBLISHED", "TOO_MANY_CELLS", …).
func (h *Harvest) ask(c *client, r request) ([]*Figure, string, error) {
	vars := map[string]any{"d": r.ds.Name, "m": r.measure, "p": r.period, "g": r.groupBy, "t": true}
	var filters []map[string]any
	for _, d := range slices.Sorted(maps.Keys(r.filter)) {
		filters = append(filters, map[string]any{"dimension": d, "codes": r.filter[d]})
	}
	vars["f"] = filters
	if r.shareOf != "" {
		vars["s"] = r.shareOf
	}
	var a tableAnswer
	errs, err := c.query(tableQuery, vars, &a)
	h.Requests++
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", r, err)
	}
	if len(errs) > 0 {
		code := errs[0].code()
		if code == "" {
			return nil, "", fmt.Errorf("%s: %s", r, errs[0].Message)
		}
		return nil, code, nil
	}
	h.Tables++
	out := make([]*Figure, 0, len(a.Table.Cells))
	for _, cell := range a.Table.Cells {
		f := &Figure{Dataset: r.ds.Name, Measure: r.measure, ShareOf: r.shareOf, Period: cell.Period,
			Where: map[string][]string{}, Mark: cell.Mark, From: r.String()}
		for d, codes := range r.filter {
			f.Where[d] = codes
		}
		for _, co := range cell.Coordinates {
			switch {
			case co.Total:
				// the total over the filtered codes, or every code
			case co.Code != nil:
				f.Where[co.Dimension] = []string{*co.Code}
			default:
				return nil, "", fmt.Errorf("%s: a coordinate of %s with neither code nor total", r, co.Dimension)
			}
		}
		if cell.Value != nil {
			f.Value = *cell.Value
		}
		if r.shareOf != "" {
			f.Den = map[string][]string{}
			for d, codes := range f.Where {
				f.Den[d] = codes
			}
			delete(f.Den, r.shareOf)
			if codes, ok := r.filter[r.shareOf]; ok {
				f.Den[r.shareOf] = codes
			}
		}
		normalize(r.ds, f.Where)
		normalize(r.ds, f.Den)
		out = append(out, f)
	}
	return out, "", nil
}

// normalize puts each dimension's codes in code-list order. A filter on
// every code is kept: it is the total only where every row has a code
// (boendeform is empty outside bostad).
func normalize(ds DatasetInfo, where map[string][]string) {
	for d, codes := range where {
		if dim, ok := ds.dim(d); ok {
			where[d] = inOrder(dim, codes)
		}
	}
}
