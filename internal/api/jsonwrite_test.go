package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// stdJSON is what encoding/json writes for v with HTML escaping off, as
// encodeJSON does, without the newline.
func stdJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// trickyStrings need escaping, or look as if they did.
var trickyStrings = []string{
	"", "Män", "Källa: Sociala system", `a"b\c`, "tab\there", "line\nbreak\r\n", "\b\f\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "\u2028\u2029", "bad \xff\xfe utf-8", "\xe2\x80", "truncated \xe2\x80\xa8x", "emoji 😀", "ÅÄÖ åäö ü é",
}

// TestAppendJSONAsEncodingJSON: appendJSON writes what encoding/json
// writes, for random trees of the values graphql-go's executor produces
// (and a spliced list, and a value only encoding/json knows), and fails
// where it fails (a float that is NaN or infinite).
func TestAppendJSONAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var value func(depth int) any
	value = func(depth int) any {
		switch k := rng.IntN(9); {
		case k == 0 || depth > 3:
			return trickyStrings[rng.IntN(len(trickyStrings))]
		case k == 1:
			return randomFloat(rng)
		case k == 2:
			return rng.IntN(2_000_000) - 1_000_000
		case k == 3:
			return rng.IntN(2) == 0
		case k == 4:
			return nil
		case k == 5:
			l := make([]any, rng.IntN(4))
			for i := range l {
				l[i] = value(depth + 1)
			}
			return l
		case k == 6:
			return struct {
				A string            `json:"a"`
				B map[string]string `json:"b,omitempty"`
			}{A: "<&>", B: map[string]string{"z": "1", "a": "\u2028"}}
		default:
			m := map[string]any{}
			for range rng.IntN(5) {
				m[trickyStrings[rng.IntN(len(trickyStrings))]] = value(depth + 1)
			}
			return m
		}
	}
	for i := range 2000 {
		v := value(0)
		want, err := stdJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("tree %d: appendJSON wrote\n%s\nencoding/json\n%s", i, got, want)
		}
	}
	for _, c := range []struct {
		v    any
		want string
	}{
		{[]any(nil), "null"},
		{map[string]any(nil), "null"},
		{map[string]any{"x": rawJSON(`[{"a":1}]`), "a": []any{}}, `{"a":[],"x":[{"a":1}]}`},
	} {
		if got, err := appendJSON(nil, c.v); err != nil || string(got) != c.want {
			t.Errorf("%#v: %s (%v), want %s", c.v, got, err, c.want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := appendJSON(nil, []any{f}); err == nil {
			t.Errorf("%v: no error; encoding/json fails", f)
		}
	}
}

// randomFloat is a float of any magnitude, or one at the edges of
// encoding/json's formats.
func randomFloat(rng *rand.Rand) float64 {
	edges := []float64{0, math.Copysign(0, -1), 1e-6, 9.99999e-7, 1e21, 9.99999e20, 1e-7, 123456789, 0.1, -2.5, 1e300, 5e-324, math.MaxFloat64}
	if rng.IntN(3) == 0 {
		return edges[rng.IntN(len(edges))]
	}
	for {
		f := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

// FuzzAppendString: a string is quoted as encoding/json quotes it.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := stdJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: appendString %s, encoding/json %s", s, got, want)
		}
	})
}

// FuzzAppendFloat: a float is written as encoding/json writes it.
func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 4984, -12, 1e15 - 1, 1e15, -1e15 + 1, 1 << 53, 1e-6, 9.99999e-7, 1e21, 1e-7, 0.1, 5e-324, math.MaxFloat64} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		want, wantErr := stdJSON(x)
		got, err := appendFloat(nil, x)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("%v: appendFloat %s (%v), encoding/json %s (%v)", x, got, err, want, wantErr)
		}
	})
}
