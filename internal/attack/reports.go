package attack

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/reports"
)

// reportUnions are the unions of codes the seed tables print (age groups,
// insatser across the laws), per dataset and dimension: a reader of the
// printed tables knows them from their headings.
func reportUnions() (map[string]map[string][][]string, error) {
	specs, err := reports.Specs()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][][]string{}
	for _, s := range specs {
		for r := range s.Rows {
			for c := range s.Cols {
				refs, err := s.Counts(r, c)
				if err != nil {
					continue // a cell the layout leaves empty
				}
				for _, ref := range refs {
					for dim, codes := range ref.Where {
						if len(codes) < 2 || dim == "ar" || dim == "kvartal" {
							continue
						}
						if out[ref.Cube] == nil {
							out[ref.Cube] = map[string][][]string{}
						}
						out[ref.Cube][dim] = append(out[ref.Cube][dim], codes)
					}
				}
			}
		}
	}
	return out, nil
}

// fieldMeasure is the table measure of a cube's count field: what the
// seed tables' headings ("Antal beslut", "Antal domar", …) call it.
var fieldMeasure = map[string]string{
	"antal_beslut":           "DECISIONS",
	"antal_personer":         "PERSONS",
	"antal_domar":            "RULINGS",
	"antal_domar_mot_staden": "RULINGS_AGAINST_CITY",
	"antal_invanare":         "INHABITANTS",
	"antal_verksamheter":     "PROVIDERS",
}

const reportQuery = `query($id: String!) { report(id: $id) { id links { csvRfc4180 } rows { label cells { mark value } } } }`

type reportAnswer struct {
	Report struct {
		ID    string `json:"id"`
		Links struct {
			CSV string `json:"csvRfc4180"`
		} `json:"links"`
		Rows []struct {
			Label string `json:"label"`
			Cells []*struct {
				Mark  string   `json:"mark"`
				Value *float64 `json:"value"`
			} `json:"cells"`
		} `json:"rows"`
	} `json:"report"`
}

// harvestReports reads every seed table, and its CSV file, and keeps each
// figure as what its printed headings say it is (the seed tables'
// specification, internal/reports, is that reading written down). A
// figure over several periods, or one the unknowns do not reach, is
// counted in Harvest.Unread.
func (h *Harvest) harvestReports(c *client) error {
	specs, err := reports.Specs()
	if err != nil {
		return err
	}
	for _, r := range h.Catalogue.Reports {
		var a reportAnswer
		errs, err := c.query(reportQuery, map[string]any{"id": r.ID}, &a)
		if err != nil {
			return fmt.Errorf("report %s: %w", r.ID, err)
		}
		if len(errs) > 0 {
			// a seed table this lake does not lay out (another geography)
			h.Unread = append(h.Unread, fmt.Sprintf("report %s: %s", r.ID, errs[0].Message))
			continue
		}
		spec, ok := specs[r.ID]
		if !ok || len(spec.Rows) != len(a.Report.Rows) {
			return fmt.Errorf("report %s: its layout is not the seed table's", r.ID)
		}
		if err := h.checkCSV(c, r.ID, a); err != nil {
			return err
		}
		for ri, row := range a.Report.Rows {
			for ci, cell := range row.Cells {
				if cell == nil || ci >= len(spec.Cols) {
					continue
				}
				f, why := reportFigure(spec, ri, ci)
				if f == nil {
					if why != "" {
						h.Unread = append(h.Unread, fmt.Sprintf("report %s row %q column %s: %s", r.ID, row.Label, spec.Cols[ci].Label, why))
					}
					continue
				}
				f.Mark = cell.Mark
				if cell.Value != nil {
					f.Value = *cell.Value
				}
				f.From = fmt.Sprintf("report %s row %q column %s", r.ID, row.Label, spec.Cols[ci].Label)
				if ds, ok := h.Catalogue.dataset(f.Dataset); ok {
					normalize(ds, f.Where)
					normalize(ds, f.Den)
				}
				h.add(f)
			}
		}
	}
	return nil
}

// reportFigure is what the seed table's cell is, or nil with the reason
// it is not read.
func reportFigure(s *reports.Spec, r, c int) (*Figure, string) {
	row, col := s.Rows[r], s.Cols[c]
	m := col.Measure
	if m == nil {
		m = row.Measure
	}
	if m == nil {
		return nil, ""
	}
	cubeName := col.Cube
	if cubeName == "" {
		cubeName = row.Cube
	}
	where := cube.Filter{}.Merge(s.Where).Merge(row.Where).Merge(col.Where)
	f := &Figure{}
	var countCube, field string
	switch m := m.(type) {
	case reports.Count:
		countCube, field = m.Cube, m.Field
	case reports.Share:
		countCube, field = m.Of.Cube, m.Of.Field
		f.Measure = "SHARE"
		num := where.Without(m.NumWithout...)
		den := num.Without(m.DenWithout...)
		where = num
		f.Den = periodless(den)
	case reports.Rate:
		countCube, field = m.Of.Cube, m.Of.Field
		f.Measure = "RATE_PER_10000"
	case reports.Mean:
		countCube, field = m.Cube, m.N
		f.Measure = "MEAN_HOURS"
	case reports.Amount:
		countCube, field = m.Cube, m.Persons
		f.Measure = "SUM_SEK"
	default:
		return nil, fmt.Sprintf("measure %T", m)
	}
	if cubeName != "" {
		countCube = cubeName
	}
	f.Dataset = countCube
	if f.Measure == "" {
		f.Measure = fieldMeasure[field]
		if f.Measure == "" {
			return nil, "count " + field
		}
	}
	period, why := periodOf(where)
	if why != "" {
		return nil, why
	}
	f.Period = period
	f.Where = periodless(where)
	return f, ""
}

// periodOf is the one period a filter selects ("2024", "2024-Q2").
func periodOf(f cube.Filter) (string, string) {
	years := f["ar"]
	if len(years) != 1 {
		return "", fmt.Sprintf("over %d years", len(years))
	}
	q := f["kvartal"]
	switch len(q) {
	case 0:
		return years[0], ""
	case 1:
		return years[0] + "-Q" + q[0], ""
	}
	return "", fmt.Sprintf("over %d quarters", len(q))
}

// periodless is the filter without its period dimensions.
func periodless(f cube.Filter) map[string][]string {
	out := map[string][]string{}
	for d, codes := range f {
		if d != "ar" && d != "kvartal" {
			out[d] = codes
		}
	}
	return out
}

// checkCSV compares a seed table's CSV file (RFC 4180) with its GraphQL
// answer: a file that shows a figure the answer hides would publish it.
func (h *Harvest) checkCSV(c *client, id string, a reportAnswer) error {
	link := a.Report.Links.CSV
	if i := strings.Index(link, "/v1/"); i >= 0 {
		link = link[i:]
	}
	body, err := c.get(link)
	if err != nil {
		return fmt.Errorf("report %s: %w", id, err)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		return fmt.Errorf("report %s: its CSV file: %w", id, err)
	}
	if len(recs) != len(a.Report.Rows)+1 {
		h.Inconsistent = append(h.Inconsistent, fmt.Sprintf("report %s: the CSV file has %d rows, the answer %d", id, len(recs)-1, len(a.Report.Rows)))
		return nil
	}
	for ri, row := range a.Report.Rows {
		rec := recs[ri+1]
		for ci, cell := range row.Cells {
			if 1+ci >= len(rec) {
				break
			}
			text := rec[1+ci]
			v, numErr := strconv.ParseFloat(text, 64)
			switch {
			case cell == nil || cell.Value == nil:
				if numErr == nil {
					h.Inconsistent = append(h.Inconsistent, fmt.Sprintf("report %s row %q column %d: the CSV file shows %s, the answer hides it", id, row.Label, ci, text))
				}
			case numErr != nil || v != *cell.Value:
				h.Inconsistent = append(h.Inconsistent, fmt.Sprintf("report %s row %q column %d: the CSV file shows %q, the answer %v", id, row.Label, ci, text, *cell.Value))
			}
		}
	}
	h.Files++
	return nil
}
