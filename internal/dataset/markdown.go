package dataset

import (
	"fmt"
	"strings"
)

// CodeLists are every code list, in the order schema/datasets.md shows them.
var CodeLists = []CodeList{
	Namnd, Lagrum, Insats, Bistand, Kon, Regi, Boendeform, Aldersgrupp, Lagrumsgrupp,
	BeslutInsats, Funktionsnedsattning, Utfall, Orsak, Status, LovInsats,
}

// CodeListsMarkdown renders the code lists as the "Code lists" section of
// schema/datasets.md, so the documentation cannot drift from the code.
func CodeListsMarkdown() string {
	var b strings.Builder
	for _, l := range CodeLists {
		fmt.Fprintf(&b, "### %s\n\n%s\n\n| code | label | group | also accepted |\n|---|---|---|---|\n", l.Name, l.Doc)
		for _, c := range l.Codes {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Code, c.Label, c.Group, strings.Join(c.Aliases, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}
