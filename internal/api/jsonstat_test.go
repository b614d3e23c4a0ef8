package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
)

// checkJSONStat checks that raw is a JSON-stat 2.0 dataset response by the
// rules of the format (https://json-stat.org/full/), and returns it
// decoded:
//
//   - version "2.0", class "dataset";
//   - id: distinct dimension ids; size: one non-negative integer per id;
//     dimension: exactly the ids;
//   - each dimension's category.index (an array of distinct ids, or an
//     object of positions 0..n-1) has size[i] categories; category.label,
//     unit and note name only those; a dimension with units has the role
//     metric;
//   - role: time, geo, metric, each a list of dimension ids;
//   - value: an array of numbers or nulls as long as the product of size
//     (or an object keyed by indexes in range);
//   - status: a string, an array of that length (or of 1), or an object
//     keyed by indexes in range, of strings;
//   - updated: ISO 8601 (RFC 3339); label, source, href: strings; note: a
//     list of strings; link: relations to lists of objects with an href;
//     extension: an object.
func checkJSONStat(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	js, err := validateJSONStat(raw)
	if err != nil {
		t.Fatalf("not a JSON-stat 2.0 dataset: %v", err)
	}
	return js
}

// validateJSONStat is checkJSONStat's work: the first rule broken, or the
// decoded dataset.
func validateJSONStat(raw []byte) (js map[string]any, err error) {
	if err := json.Unmarshal(raw, &js); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	// fail stops the validation with an error (recovered below).
	type broken struct{ error }
	defer func() {
		switch r := recover().(type) {
		case nil:
		case broken:
			js, err = nil, r.error
		default:
			panic(r)
		}
	}()
	fail := func(format string, args ...any) { panic(broken{fmt.Errorf(format, args...)}) }
	if js["version"] != "2.0" || js["class"] != "dataset" {
		fail("version %v, class %v", js["version"], js["class"])
	}
	ids := stringList(js["id"])
	if len(ids) == 0 {
		fail("id %v is not a non-empty list of strings", js["id"])
	}
	sizes, ok := js["size"].([]any)
	if !ok || len(sizes) != len(ids) {
		fail("size %v does not have one entry per id %v", js["size"], ids)
	}
	dims, ok := js["dimension"].(map[string]any)
	if !ok || len(dims) != len(ids) {
		fail("dimension has %d entries for %d ids", len(dims), len(ids))
	}
	seen := map[string]bool{}
	n := 1
	metric := stringList(mapOf(js["role"])["metric"])
	for role, list := range mapOf(js["role"]) {
		if !slices.Contains([]string{"time", "geo", "metric"}, role) {
			fail("role %q is none of time, geo, metric", role)
		}
		for _, id := range stringList(list) {
			if !slices.Contains(ids, id) {
				fail("role %s names %q, which is no dimension", role, id)
			}
		}
	}
	for i, id := range ids {
		if seen[id] {
			fail("dimension id %q twice", id)
		}
		seen[id] = true
		size, ok := sizes[i].(float64)
		if !ok || size < 0 || size != float64(int(size)) {
			fail("size[%d] = %v is not a count", i, sizes[i])
		}
		dim, ok := dims[id].(map[string]any)
		if !ok {
			fail("no dimension %q", id)
		}
		cat, ok := dim["category"].(map[string]any)
		if !ok {
			fail("dimension %q has no category", id)
		}
		index, err := categoryIndex(id, cat["index"])
		if err != nil {
			fail("%v", err)
		}
		if len(index) != int(size) {
			fail("dimension %q has %d categories, size says %d", id, len(index), int(size))
		}
		for _, part := range []string{"label", "unit", "note", "child"} {
			for k := range mapOf(cat[part]) {
				if !slices.Contains(index, k) {
					fail("dimension %q: category.%s names %q, which is not in its index", id, part, k)
				}
			}
		}
		if len(mapOf(cat["unit"])) > 0 && !slices.Contains(metric, id) {
			fail("dimension %q has units but not the role metric", id)
		}
		if _, ok := dim["label"].(string); !ok && dim["label"] != nil {
			fail("dimension %q: label %v", id, dim["label"])
		}
		n *= int(size)
	}
	switch v := js["value"].(type) {
	case []any:
		if len(v) != n {
			fail("value has %d entries, the product of size is %d", len(v), n)
		}
		for i, x := range v {
			if _, ok := x.(float64); !ok && x != nil {
				fail("value[%d] = %v is neither a number nor null", i, x)
			}
		}
	case map[string]any:
		for k := range v {
			if !indexKey(k, n) {
				fail("value key %q is not an index in 0..%d", k, n-1)
			}
		}
	default:
		fail("value is %T", js["value"])
	}
	switch s := js["status"].(type) {
	case nil, string:
	case []any:
		if len(s) != n && len(s) != 1 {
			fail("status has %d entries for %d values", len(s), n)
		}
	case map[string]any:
		for k, x := range s {
			if !indexKey(k, n) {
				fail("status key %q is not an index in 0..%d", k, n-1)
			}
			if _, ok := x.(string); !ok {
				fail("status[%s] = %v is not a string", k, x)
			}
		}
	default:
		fail("status is %T", js["status"])
	}
	if u, ok := js["updated"].(string); ok {
		if _, err := time.Parse(time.RFC3339, u); err != nil {
			fail("updated %q is not ISO 8601: %v", u, err)
		}
	} else if js["updated"] != nil {
		fail("updated %v", js["updated"])
	}
	for _, k := range []string{"label", "source", "href"} {
		if _, ok := js[k].(string); !ok && js[k] != nil {
			fail("%s is %T", k, js[k])
		}
	}
	if js["note"] != nil && stringList(js["note"]) == nil {
		fail("note %v is not a list of strings", js["note"])
	}
	for rel, items := range mapOf(js["link"]) {
		list, ok := items.([]any)
		if !ok {
			fail("link %s is not a list", rel)
		}
		for _, item := range list {
			if _, ok := mapOf(item)["href"].(string); !ok {
				fail("link %s has an item without href: %v", rel, item)
			}
		}
	}
	if _, ok := js["extension"].(map[string]any); !ok && js["extension"] != nil {
		fail("extension is %T", js["extension"])
	}
	return js, nil
}

// categoryIndex reads category.index, an array of ids or an object of
// positions, as the list of ids in order.
func categoryIndex(dim string, index any) ([]string, error) {
	switch x := index.(type) {
	case []any:
		ids := stringList(x)
		if ids == nil {
			return nil, fmt.Errorf("dimension %q: index %v is not a list of strings", dim, x)
		}
		for i, id := range ids {
			if slices.Index(ids, id) != i {
				return nil, fmt.Errorf("dimension %q: category %q twice", dim, id)
			}
		}
		return ids, nil
	case map[string]any:
		ids := make([]string, len(x))
		for id, pos := range x {
			p, ok := pos.(float64)
			if !ok || p < 0 || int(p) >= len(x) || p != float64(int(p)) || ids[int(p)] != "" {
				return nil, fmt.Errorf("dimension %q: index %v is not a permutation of 0..%d", dim, x, len(x)-1)
			}
			ids[int(p)] = id
		}
		return ids, nil
	}
	return nil, fmt.Errorf("dimension %q: index is %T", dim, index)
}

// indexKey reports whether k is an index 0..n-1 written as JSON-stat does.
func indexKey(k string, n int) bool {
	i, err := strconv.Atoi(k)
	return err == nil && i >= 0 && i < n && strconv.Itoa(i) == k
}

func stringList(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil
		}
		out[i] = s
	}
	return out
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// jsonStatCell is the value and status at a position of a JSON-stat
// dataset, by the category ids of each dimension.
func jsonStatCell(t *testing.T, js map[string]any, coords map[string]string) (value *float64, status string) {
	t.Helper()
	ids := stringList(js["id"])
	dims := mapOf(js["dimension"])
	i := 0
	for _, id := range ids {
		index, err := categoryIndex(id, mapOf(mapOf(dims[id])["category"])["index"])
		if err != nil {
			t.Fatal(err)
		}
		code, ok := coords[id]
		if !ok && len(index) == 1 {
			code = index[0]
		}
		pos := slices.Index(index, code)
		if pos < 0 {
			t.Fatalf("dimension %s has no category %q (has %v)", id, code, index)
		}
		i = i*len(index) + pos
	}
	if v, ok := js["value"].([]any)[i].(float64); ok {
		value = &v
	}
	status, _ = mapOf(js["status"])[strconv.Itoa(i)].(string)
	return value, status
}

// TestCheckJSONStat: the validator refuses what breaks the rules.
func TestCheckJSONStat(t *testing.T) {
	good := `{"version":"2.0","class":"dataset","id":["a","b"],"size":[2,1],"role":{"metric":["b"]},
	  "dimension":{"a":{"category":{"index":["x","y"],"label":{"x":"X"}}},"b":{"category":{"index":{"m":0},"unit":{"m":{"label":"antal"}}}}},
	  "value":[1,null],"status":{"1":"*"},"updated":"2025-03-31T00:00:00Z","note":["n"],"link":{"alternate":[{"href":"h"}]}}`
	if _, err := validateJSONStat([]byte(good)); err != nil {
		t.Fatalf("the validator refuses a valid dataset: %v", err)
	}
	for name, bad := range map[string]string{
		"size product":   `{"version":"2.0","class":"dataset","id":["a"],"size":[2],"dimension":{"a":{"category":{"index":["x","y"]}}},"value":[1]}`,
		"index vs size":  `{"version":"2.0","class":"dataset","id":["a"],"size":[3],"dimension":{"a":{"category":{"index":["x","y"]}}},"value":[1,2,3]}`,
		"status range":   `{"version":"2.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"index":["x"]}}},"value":[null],"status":{"1":"*"}}`,
		"label category": `{"version":"2.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"index":["x"],"label":{"z":"Z"}}}},"value":[1]}`,
		"unit no metric": `{"version":"2.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"index":["x"],"unit":{"x":{}}}}},"value":[1]}`,
		"missing dim":    `{"version":"2.0","class":"dataset","id":["a","b"],"size":[1,1],"dimension":{"a":{"category":{"index":["x"]}}},"value":[1]}`,
		"version":        `{"version":"1.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"index":["x"]}}},"value":[1]}`,
		"updated":        `{"version":"2.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"index":["x"]}}},"value":[1],"updated":"31/3 2025"}`,
	} {
		if _, err := validateJSONStat([]byte(bad)); err == nil {
			t.Errorf("%s: the validator accepts %s", name, bad)
		}
	}
}
