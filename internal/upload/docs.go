package upload

import (
	"fmt"
	"strings"
)

// ColumnsMarkdown renders the columns of every upload dataset as the
// "Columns" section of schema/uploads.md, so that the contract cannot drift
// from the reader.
func ColumnsMarkdown() string {
	var b strings.Builder
	for _, d := range Datasets {
		fmt.Fprintf(&b, "### %s\n\n| header | lake column | required | also accepted |\n|---|---|---|---|\n", d)
		for _, c := range Columns(d) {
			req := "yes"
			switch {
			case c.Name == "kvartal":
				req = "unless the folder names the quarter"
			case c.Optional:
				req = "no"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", c.Header, c.Name, req, strings.Join(c.Aliases, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}
