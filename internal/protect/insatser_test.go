package protect

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMemberOf: the member a filter's codes name is the one the search
// over every member (leaves, Total, groups in code order; each sorted)
// finds, for random hierarchies and filters, also where several members
// have the same leaves.
func TestMemberOf(t *testing.T) {
	reference := func(h Hierarchy, codes []string) (string, bool) {
		want := slices.Sorted(slices.Values(codes))
		members := h.AllLeaves()
		for _, g := range slices.Sorted(maps.Keys(h.Groups)) {
			members = append(members, Member{Code: g, Leaves: h.Groups[g]})
		}
		for _, m := range members {
			if slices.Equal(slices.Sorted(slices.Values(m.Leaves)), want) {
				return m.Code, true
			}
		}
		return "", false
	}
	rng := rand.New(rand.NewPCG(5, 8))
	pick := func(leaves []string) []string {
		var out []string
		for _, l := range leaves {
			if rng.IntN(3) == 0 {
				out = append(out, l)
			}
		}
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	for range 2000 {
		h := Hierarchy{Name: "d", Groups: map[string][]string{}}
		for i := range 1 + rng.IntN(6) {
			h.Leaves = append(h.Leaves, fmt.Sprintf("c%d", i))
		}
		for g := range rng.IntN(4) {
			h.Groups[fmt.Sprintf("g%d", g)] = pick(h.Leaves)
		}
		codes := pick(h.Leaves)
		switch rng.IntN(4) {
		case 0:
			codes = []string{h.Leaves[rng.IntN(len(h.Leaves))]}
		case 1:
			codes = slices.Clone(h.Leaves)
			rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		case 2:
			codes = append(codes, "x")
		}
		code, found := memberOf(h, codes)
		wantCode, wantFound := reference(h, codes)
		if code != wantCode || found != wantFound {
			t.Fatalf("hierarchy %+v, codes %v: %q %v, want %q %v", h, codes, code, found, wantCode, wantFound)
		}
	}
}
