package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBlankComments(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{ a }", "{ a }"},
		{"# kön\n{ a }", "      \n{ a }"},
		{"{ a(x: \"# not a comment\") } # åå", "{ a(x: \"# not a comment\") }" + strings.Repeat(" ", 7)},
		{"{ a(x: \"\\\"#\") }", "{ a(x: \"\\\"#\") }"},
		{"{ a(x: \"\"\"# \\\"\"\" still\"\"\") } #x\r\n", "{ a(x: \"\"\"# \\\"\"\" still\"\"\") }   \r\n"},
	} {
		got := blankComments(c.in)
		if got != c.want {
			t.Errorf("blankComments(%q) = %q, want %q", c.in, got, c.want)
		}
		if len(got) != len(c.in) {
			t.Errorf("blankComments(%q) changed the length", c.in)
		}
	}
}

// TestSwedishComments: a query commented in Swedish answers as without its
// comments (graphql-go v0.8.1 alone answers a syntax error).
func TestSwedishComments(t *testing.T) {
	h := sampleHandler(t)
	const q = `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: true, filter: [{dimension: "insats", codes: ["ledsagarservice"]}]) { cells { display } } }`
	var plain, commented any
	query(t, h, q, nil, &plain)
	query(t, h, "# beslut om ledsagarservice per kön, år 2024\n"+strings.Replace(q, "totals: true,", "totals: true, # även totalen – för Södermalm\n", 1), nil, &commented)
	a, _ := json.Marshal(plain)
	b, _ := json.Marshal(commented)
	if string(a) != string(b) || !strings.Contains(string(a), "728") {
		t.Errorf("with comments %s, without %s", b, a)
	}
}
