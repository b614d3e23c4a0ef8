package reports

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestFormat: counts are printed with a space between groups of three
// digits, as the reports print them, and marks as marks.
func TestFormat(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Value{Value: 0}, "0"},
		{Value{Value: 7}, "7"},
		{Value{Value: 999.4}, "999"},
		{Value{Value: 999.5}, "1 000"},
		{Value{Value: 4984}, "4 984"},
		{Value{Value: 123456}, "123 456"},
		{Value{Value: 1234567}, "1 234 567"},
		{Value{Value: -1234}, "-1 234"},
		{Value{Value: -12}, "-12"},
		{Value{Status: StatusNotComputable}, MarkNotComputable},
		{Value{Status: StatusNoData}, MarkNoData},
	} {
		if got := Format(c.v); got != c.want {
			t.Errorf("Format(%v) = %q, want %q", c.v.Value, got, c.want)
		}
	}
	// Against the plain way: digits, then a space before every third from
	// the right.
	plain := func(n int64) string {
		s := strconv.FormatInt(n, 10)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		var b strings.Builder
		for i, r := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
		}
		if neg {
			return "-" + b.String()
		}
		return b.String()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		n := rng.Int64N(1<<uint(rng.IntN(62)+1)) - rng.Int64N(1000)
		if got, want := Grouped(n), plain(n); got != want {
			t.Fatalf("%d: %q, want %q", n, got, want)
		}
		if got := string(AppendGrouped([]byte("x"), n)); got != "x"+plain(n) {
			t.Fatalf("%d: AppendGrouped %q", n, got)
		}
	}
	for _, n := range []int64{math.MaxInt64, math.MinInt64, -1000, 1000, -999} {
		if got, want := Grouped(n), plain(n); got != want {
			t.Fatalf("%d: %q, want %q", n, got, want)
		}
	}
}
