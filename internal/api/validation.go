package api

import (
	"reflect"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/kinds"
	"github.com/graphql-go/graphql/language/visitor"
)

// validationRules are the rules of the GraphQL spec that requests are
// validated with: graphql-go's, with PossibleFragmentSpreads corrected.
// graphql-go's version of it refuses an inline fragment without a type
// condition ("{ lake { ... @include(if: $x) { version } } }"), which the
// spec allows: such a fragment takes the type of its parent, and it
// compares the parent's type with the field's type, list and non-null
// wrappers included ("Lake" can never be "Lake!").
var validationRules = func() []graphql.ValidationRuleFn {
	rules := make([]graphql.ValidationRuleFn, len(graphql.SpecifiedRules))
	faulty := reflect.ValueOf(graphql.PossibleFragmentSpreadsRule).Pointer()
	replaced := false
	for i, r := range graphql.SpecifiedRules {
		rules[i] = r
		if reflect.ValueOf(r).Pointer() == faulty {
			rules[i] = possibleFragmentSpreads
			replaced = true
		}
	}
	if !replaced {
		panic("api: graphql-go's SpecifiedRules has no PossibleFragmentSpreadsRule to correct")
	}
	return rules
}()

// possibleFragmentSpreads is graphql-go's PossibleFragmentSpreadsRule for
// every fragment with a type condition; a fragment without one can always
// be spread, as the spec has it.
func possibleFragmentSpreads(ctx *graphql.ValidationContext) *graphql.ValidationRuleInstance {
	rule := graphql.PossibleFragmentSpreadsRule(ctx)
	funcs := rule.VisitorOpts.KindFuncMap[kinds.InlineFragment]
	check := funcs.Kind
	funcs.Kind = func(p visitor.VisitFuncParams) (string, any) {
		if f, ok := p.Node.(*ast.InlineFragment); ok && f != nil && f.TypeCondition == nil {
			return visitor.ActionNoChange, nil
		}
		return check(p)
	}
	rule.VisitorOpts.KindFuncMap[kinds.InlineFragment] = funcs
	return rule
}
