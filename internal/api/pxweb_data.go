package api

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// pxCube is the answer to a selection of a PxWeb table: the selected
// values of each variable and a figure per combination, in row-major order
// of the variables; has is false where there is no cell (a gap of the
// printed layout, or a combination of codes that cannot occur).
type pxCube struct {
	t     *pxTable
	vars  []pxVar
	figs  []figure
	has   []bool
	notes []string
}

// fill answers a selection (per variable, the indices of its selected
// values, in the table's order) from the same answers GraphQL gives: the
// seed table's (report), or for a view the table query's, one request
// per measure, period and choice of dimensions at their total, each
// grouped by the others and filtered on their selected codes. No figure
// is computed here; a cell the table query refuses fails the selection.
func (t *pxTable) fill(r *request, sel [][]int) (*pxCube, error) {
	c := &pxCube{t: t}
	n := 1
	for i, v := range t.vars {
		sv := v
		sv.values = nil
		for _, j := range sel[i] {
			sv.values = append(sv.values, v.values[j])
		}
		c.vars = append(c.vars, sv)
		n *= len(sel[i])
	}
	c.figs = make([]figure, n)
	c.has = make([]bool, n)
	if t.report != nil {
		t.fillReport(c, sel)
		return c, nil
	}
	return c, t.fillView(r, c, sel)
}

// index is the position of a combination of selected values (pos[i]
// the position among variable i's selected values).
func (c *pxCube) index(pos []int) int {
	i := 0
	for v, p := range pos {
		i = i*len(c.vars[v].values) + p
	}
	return i
}

func (t *pxTable) fillReport(c *pxCube, sel [][]int) {
	ans := t.report
	pos := make([]int, len(sel))
	var walk func(v int)
	walk = func(v int) {
		if v == len(sel) {
			row, per, col := 0, 0, 0
			for i, tv := range t.vars {
				j := sel[i][pos[i]]
				switch tv.axis {
				case axisRow:
					row = j
				case axisColumn:
					col = j
				case axisTime:
					per = j
				}
			}
			if len(t.colAt) == 1 {
				per = 0 // a period of the whole table
			}
			if pc := t.colAt[per][col]; pc >= 0 {
				if cell := ans.rows[row].cells[pc]; cell != nil {
					i := c.index(pos)
					c.figs[i], c.has[i] = cell.fig, true
				}
			}
			return
		}
		for p := range sel[v] {
			pos[v] = p
			walk(v + 1)
		}
	}
	walk(0)
	c.notes = t.notes
}

func (t *pxTable) fillView(r *request, c *pxCube, sel [][]int) error {
	nd := len(t.dims)
	ci, ti := nd, nd+1
	// Each dimension's selected codes and whether its total is selected,
	// and where each is among the selected values.
	codes := make([][]string, nd)
	total := make([]bool, nd)
	at := make([]map[string]int, nd)
	for d := range nd {
		at[d] = map[string]int{}
		for p, v := range c.vars[d].values {
			at[d][v.code] = p
			if v.code == totalCode {
				total[d] = true
			} else {
				codes[d] = append(codes[d], v.code)
			}
		}
	}
	// Every choice of dimensions at their total: bit d set is dimension d
	// at its total.
	pos := make([]int, len(c.vars))
	for mi, mv := range c.vars[ci].values {
		for pi, pv := range c.vars[ti].values {
			for choice := range 1 << nd {
				req := tableRequest{Dataset: t.ds.def.name, Measure: Measure(mv.code), Period: pv.code}
				possible := true
				for d, name := range t.dims {
					atTotal := choice&(1<<d) != 0
					if atTotal && !total[d] || !atTotal && len(codes[d]) == 0 {
						possible = false
						break
					}
					if atTotal {
						continue
					}
					req.GroupBy = append(req.GroupBy, name)
					def, _ := t.ds.def.dim(name)
					if len(codes[d]) < len(def.values) {
						req.Filter = append(req.Filter, filterArg{Dimension: name, Codes: codes[d]})
					}
				}
				if !possible {
					continue
				}
				ans, err := r.table(req)
				if err != nil {
					return err
				}
				c.notes = appendNew(c.notes, ans.footnotes...)
				for cell := range ans.eachCell {
					g := 0
					for d := range nd {
						if choice&(1<<d) != 0 {
							pos[d] = at[d][totalCode]
							continue
						}
						pos[d] = at[d][cell.coords[g].code] // a total's is totalCode
						g++
					}
					pos[ci], pos[ti] = mi, pi
					i := c.index(pos)
					c.figs[i], c.has[i] = cell.fig, true
				}
			}
		}
	}
	return nil
}

// pxSelection is a selection as a request states it: per variable code,
// the value codes or expressions ("*", "top(n)", "bottom(n)", "from(c)",
// "to(c)", "range(a,b)"; codes may end in "*" as a prefix).
type pxSelection map[string][]string

// resolve turns a selection into the indices of the selected values of
// each variable, in the table's order. A variable left out stands at its
// total where it can be eliminated; otherwise all its values are taken.
func (t *pxTable) resolve(s pxSelection) ([][]int, error) {
	sel := make([][]int, len(t.vars))
	byCode := map[string]int{}
	for i, v := range t.vars {
		byCode[strings.ToLower(v.code)] = i
	}
	for code := range s {
		if _, ok := byCode[strings.ToLower(code)]; !ok {
			return nil, &queryError{code: CodeBadInput, field: "valueCodes", message: fmt.Sprintf("table %s has no variable %q", t.id, code), valid: t.varCodes()}
		}
	}
	for i, v := range t.vars {
		var exprs []string
		given := false
		for code, e := range s {
			if strings.EqualFold(code, v.code) {
				exprs = append(exprs, e...)
				given = true
			}
		}
		if !given {
			switch {
			case v.elimination:
				sel[i] = []int{slices.IndexFunc(v.values, func(x pxValue) bool { return x.code == totalCode })}
			default:
				for j := range v.values {
					sel[i] = append(sel[i], j)
				}
			}
			continue
		}
		picked := make([]bool, len(v.values))
		for _, item := range exprs {
			if err := v.pick(strings.TrimSpace(item), picked); err != nil {
				return nil, &queryError{code: CodeBadInput, field: "valueCodes[" + v.code + "]", message: err.Error(), valid: v.codes()}
			}
		}
		for j, p := range picked {
			if p {
				sel[i] = append(sel[i], j)
			}
		}
		if len(sel[i]) == 0 {
			return nil, &queryError{code: CodeBadInput, field: "valueCodes[" + v.code + "]", message: "no value selected", valid: v.codes()}
		}
	}
	return sel, nil
}

func (t *pxTable) varCodes() []string {
	out := make([]string, len(t.vars))
	for i, v := range t.vars {
		out[i] = v.code
	}
	return out
}

func (v *pxVar) codes() []string {
	out := make([]string, len(v.values))
	for i, x := range v.values {
		out[i] = x.code
	}
	return out
}

// pick marks the values one item of a selection names: a code, a code
// ending in "*" (every code it begins), "*" (all), or PxWeb's selection
// expressions top(n), bottom(n), from(code), to(code), range(a,b).
func (v *pxVar) pick(item string, picked []bool) error {
	if item == "" {
		return nil
	}
	lower := strings.ToLower(item)
	idx := func(code string) (int, error) {
		code = strings.TrimSpace(code)
		for i, x := range v.values {
			if strings.EqualFold(x.code, code) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("%q is no value of variable %s", code, v.code)
	}
	mark := func(lo, hi int) {
		for i := max(lo, 0); i <= hi && i < len(picked); i++ {
			picked[i] = true
		}
	}
	arg := func(name string) (string, bool) {
		if strings.HasPrefix(lower, name+"(") && strings.HasSuffix(lower, ")") {
			return item[len(name)+1 : len(item)-1], true
		}
		return "", false
	}
	count := func(s string) (int, error) {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 1 || n > math.MaxInt32 {
			return 0, fmt.Errorf("%q: want a whole number of values, 1 or more", item)
		}
		return n, nil
	}
	switch {
	case item == "*":
		mark(0, len(picked)-1)
	case strings.HasSuffix(item, "*"):
		prefix := strings.ToLower(strings.TrimSuffix(item, "*"))
		found := false
		for i, x := range v.values {
			if strings.HasPrefix(strings.ToLower(x.code), prefix) {
				picked[i], found = true, true
			}
		}
		if !found {
			return fmt.Errorf("%q matches no value of variable %s", item, v.code)
		}
	default:
		if a, ok := arg("top"); ok {
			n, err := count(a)
			if err != nil {
				return err
			}
			if v.kind == pxTime { // the latest periods
				mark(len(picked)-n, len(picked)-1)
			} else {
				mark(0, n-1)
			}
			return nil
		}
		if a, ok := arg("bottom"); ok {
			n, err := count(a)
			if err != nil {
				return err
			}
			if v.kind == pxTime {
				mark(0, n-1)
			} else {
				mark(len(picked)-n, len(picked)-1)
			}
			return nil
		}
		if a, ok := arg("from"); ok {
			i, err := idx(a)
			if err != nil {
				return err
			}
			mark(i, len(picked)-1)
			return nil
		}
		if a, ok := arg("to"); ok {
			i, err := idx(a)
			if err != nil {
				return err
			}
			mark(0, i)
			return nil
		}
		if a, ok := arg("range"); ok {
			lo, hi, ok := strings.Cut(a, ",")
			if !ok {
				return fmt.Errorf("%q: want range(from,to)", item)
			}
			i, err := idx(lo)
			if err != nil {
				return err
			}
			j, err := idx(hi)
			if err != nil {
				return err
			}
			mark(min(i, j), max(i, j))
			return nil
		}
		i, err := idx(item)
		if err != nil {
			return err
		}
		picked[i] = true
	}
	return nil
}
