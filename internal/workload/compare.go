package workload

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Answer is the API's JSON answer to a query of the mix, as far as the
// benchmark and the load test read it.
type Answer struct {
	Data struct {
		Table *struct {
			Cells []struct {
				Period      string
				Coordinates []struct{ Code *string }
				Value       *float64
				Mark        string
			}
		}
		Report *struct {
			Rows []struct {
				Cells []*struct{ Mark string }
			}
		}
	}
	Errors []struct {
		Message string
	}
}

// Decode reads an answer and fails on GraphQL errors or an empty answer.
func Decode(body []byte) (*Answer, error) {
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("the answer is not JSON: %w", err)
	}
	if len(a.Errors) > 0 {
		return nil, fmt.Errorf("GraphQL error: %s", a.Errors[0].Message)
	}
	if a.Data.Table == nil && a.Data.Report == nil {
		return nil, fmt.Errorf("the answer has neither a table nor a report")
	}
	return &a, nil
}

// Cells returns the number of cells of the answer.
func (a *Answer) Cells() int {
	if a.Data.Table != nil {
		return len(a.Data.Table.Cells)
	}
	n := 0
	for _, r := range a.Data.Report.Rows {
		for _, c := range r.Cells {
			if c != nil {
				n++
			}
		}
	}
	return n
}

// Compare checks a table's published figures against the rows its SQL
// gives in DuckDB (each value rounded as the API prints it, half away from
// zero; a cell without rows is 0). It returns how many published cells
// agree and fails on the first that does not.
func Compare(a *Answer, rows []map[string]*string) (int, error) {
	if a.Data.Table == nil {
		return 0, fmt.Errorf("not a table")
	}
	sql := map[string]float64{}
	for _, r := range rows {
		key := []string{deref(r["period"])}
		for d := 0; ; d++ {
			v, ok := r["d"+strconv.Itoa(d)]
			if !ok {
				break
			}
			if v == nil {
				key = append(key, totalCode)
			} else {
				key = append(key, *v)
			}
		}
		if r["v"] == nil {
			continue
		}
		v, err := strconv.ParseFloat(*r["v"], 64)
		if err != nil {
			return 0, fmt.Errorf("SQL row %v: v: %w", key, err)
		}
		sql[strings.Join(key, "|")] = v
	}
	matched := 0
	for _, c := range a.Data.Table.Cells {
		if c.Mark != "PUBLISHED" {
			continue
		}
		key := []string{c.Period}
		for _, co := range c.Coordinates {
			key = append(key, deref(co.Code))
		}
		k := strings.Join(key, "|")
		if want := math.Floor(sql[k] + 0.5); *c.Value != want {
			return matched, fmt.Errorf("cell %s: the API shows %v, DuckDB computes %v", k, *c.Value, sql[k])
		}
		matched++
	}
	if matched == 0 {
		return 0, fmt.Errorf("no published cell to compare")
	}
	return matched, nil
}

// totalCode is the API's code of a dimension's total, where SQL has NULL.
const totalCode = "_T"

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
