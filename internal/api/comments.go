package api

import "strings"

// blankComments returns query with the text of its comments replaced by
// spaces, byte for byte, so positions in error messages stay right.
// graphql-go v0.8.1's lexer misreads a comment holding a character beyond
// ASCII ("# kön") and reports a syntax error after it (graphql-go issue
// 699); a comment means nothing to the query, so nothing is lost. Strings
// and block strings are left as they are, "#" inside them included.
func blankComments(query string) string {
	if !strings.Contains(query, "#") {
		return query
	}
	b := []byte(query)
	for i := 0; i < len(b); i++ {
		switch {
		case strings.HasPrefix(query[i:], `"""`):
			// a block string ends at the next """ not escaped as \"""
			j := i + 3
			for j < len(b) && !strings.HasPrefix(query[j:], `"""`) {
				if strings.HasPrefix(query[j:], `\"""`) {
					j += 4
					continue
				}
				j++
			}
			i = j + 2
		case b[i] == '"':
			j := i + 1
			for j < len(b) && b[j] != '"' && b[j] != '\n' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		case b[i] == '#':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				b[i] = ' '
				i++
			}
		}
	}
	return string(b)
}
