package api

import (
	"fmt"
	"strings"

	"github.com/stockholm/insyn/internal/dataset"
)

// Error codes in the extensions of a GraphQL error.
const (
	// CodeBadInput: an argument names something that does not exist (a
	// dataset, measure, dimension, code or period); extensions.valid lists
	// what does (the message only the first and last of a long list).
	CodeBadInput = "BAD_USER_INPUT"
	// CodeNotPublished: the query asks for a cell that is no cell of the
	// protected structure, which insyn never computes for a client.
	CodeNotPublished = "NOT_PUBLISHED"
	// CodeTooManyCells: the answer would have more cells than the limit.
	CodeTooManyCells = "TOO_MANY_CELLS"
	// CodeTooDeep: the query nests fields, or lists and objects in its
	// values, deeper than the limits (HTTP 400).
	CodeTooDeep = "QUERY_TOO_DEEP"
	// CodeQueryTooLarge: the query has more bytes or tokens than the
	// limits (HTTP 413).
	CodeQueryTooLarge = "QUERY_TOO_LARGE"
	// CodeTooComplex: the query asks for more fields, aliases or
	// introspection fields than the limits, fragments counted as often as
	// they are spread (HTTP 400).
	CodeTooComplex = "QUERY_TOO_COMPLEX"
	// CodeFragmentCycle: a fragment spreads itself, directly or through
	// others (HTTP 400).
	CodeFragmentCycle = "FRAGMENT_CYCLE"
	// CodeAnswerTooLarge: the answer is larger than the limit (HTTP
	// 400): ask for fewer fields or cells.
	CodeAnswerTooLarge = "ANSWER_TOO_LARGE"
	// CodeTimeout: the request computed for longer than the limit
	// (HTTP 503).
	CodeTimeout = "TIMEOUT"
	// CodeNotFound: no API, seed table or dataset at the path (open-data
	// files, HTTP 404); extensions.valid lists what there is.
	CodeNotFound = "NOT_FOUND"
	// CodeInternal: the server failed; the message names the request id.
	CodeInternal = "INTERNAL"
)

// queryError is an error a resolver returns to the client: it names the
// argument at fault and, where there is a closed set, the valid values.
// graphql-go puts Extensions into the error's "extensions".
type queryError struct {
	code    string
	field   string // the argument, e.g. "dataset" or "filter[1].codes"
	message string
	valid   []string
}

func (e *queryError) Error() string {
	var b strings.Builder
	if e.field != "" {
		b.WriteString(e.field)
		b.WriteString(": ")
	}
	b.WriteString(e.message)
	if len(e.valid) > 0 {
		b.WriteString("; valid: ")
		b.WriteString(dataset.JoinValid(e.valid))
	}
	return b.String()
}

// Extensions implements gqlerrors.ExtendedError.
func (e *queryError) Extensions() map[string]any {
	ext := map[string]any{"code": e.code}
	if e.field != "" {
		ext["field"] = e.field
	}
	if len(e.valid) > 0 {
		ext["valid"] = e.valid
	}
	return ext
}

// badInput is a queryError of code BAD_USER_INPUT.
func badInput(field string, valid []string, format string, args ...any) *queryError {
	return &queryError{code: CodeBadInput, field: field, message: fmt.Sprintf(format, args...), valid: valid}
}
