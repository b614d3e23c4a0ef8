// Package infra holds the tests of what deploys insyn: template.yaml, read
// with a YAML parser that keeps CloudFormation's tags (!Ref, !Sub,
// !GetAtt), with its IAM policies checked against the lake layout; and
// infra/build.sh, whose zips must hold an arm64 bootstrap.
package infra

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The template as plain Go values: maps, slices and strings, with every
// intrinsic function in its long form ({"Ref": x}, {"Fn::Sub": x},
// {"Fn::GetAtt": [resource, attribute]}), whichever form the YAML used.

// shortForms maps CloudFormation's YAML tags to their long form.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64",
	"!Cidr": "Fn::Cidr", "!ImportValue": "Fn::ImportValue", "!GetAZs": "Fn::GetAZs",
}

// loadTemplate reads a CloudFormation/SAM template in YAML.
func loadTemplate(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseTemplate(data)
}

func parseTemplate(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not one YAML document")
	}
	v, err := fromNode(doc.Content[0])
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the template is not a mapping")
	}
	return m, nil
}

// fromNode converts a YAML node; scalars stay strings (CloudFormation
// reads "4" and 4 alike).
func fromNode(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return fromNode(n.Alias)
	case yaml.ScalarNode:
		v = n.Value
	case yaml.SequenceNode:
		list := []any{}
		for _, c := range n.Content {
			x, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		v = list
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key that is not a string", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q twice", k.Line, k.Value)
			}
			x, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = x
		}
		v = m
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	long, ok := shortForms[n.Tag]
	if !ok {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	if s, isString := v.(string); isString && long == "Fn::GetAtt" {
		res, attr, ok := strings.Cut(s, ".")
		if !ok {
			return nil, fmt.Errorf("line %d: !GetAtt %q is not Resource.Attribute", n.Line, s)
		}
		v = []any{res, attr}
	}
	return map[string]any{long: v}, nil
}

// env resolves the intrinsic functions that build strings, with parameter
// values and fixed pseudo parameters. A resource's Ref or attribute
// resolves to a marker, "{ref:Name}" or "{getatt:Name.Attribute}", so
// checks can tell which resource a string points at.
type env struct {
	params    map[string]string
	resources map[string]bool
	mappings  map[string]any
}

var pseudo = map[string]string{
	"AWS::AccountId": "123456789012", "AWS::Region": "eu-north-1", "AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "insyn", "AWS::NoValue": "",
}

// newEnv takes each parameter's default unless overrides names it.
func newEnv(tmpl map[string]any, overrides map[string]string) env {
	e := env{params: map[string]string{}, resources: map[string]bool{}, mappings: asMap(tmpl["Mappings"])}
	for name, p := range asMap(tmpl["Parameters"]) {
		if d, ok := asMap(p)["Default"].(string); ok {
			e.params[name] = d
		}
	}
	for k, v := range overrides {
		e.params[k] = v
	}
	for name := range asMap(tmpl["Resources"]) {
		e.resources[name] = true
	}
	return e
}

func (e env) ref(name string) (string, error) {
	if v, ok := pseudo[name]; ok {
		return v, nil
	}
	if v, ok := e.params[name]; ok {
		return v, nil
	}
	if e.resources[name] {
		return "{ref:" + name + "}", nil
	}
	return "", fmt.Errorf("Ref to %q: no such parameter or resource", name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// str resolves v to a string.
func (e env) str(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if len(x) != 1 {
			break
		}
		if name, ok := x["Ref"].(string); ok {
			return e.ref(name)
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			res, _ := ga[0].(string)
			attr, _ := ga[1].(string)
			if !e.resources[res] {
				return "", fmt.Errorf("GetAtt of %q: no such resource", res)
			}
			return "{getatt:" + res + "." + attr + "}", nil
		}
		if sub, ok := x["Fn::Sub"]; ok {
			return e.sub(sub)
		}
		if args, ok := x["Fn::FindInMap"].([]any); ok && len(args) == 3 {
			keys, err := e.strs(args)
			if err != nil {
				return "", err
			}
			if s, ok := asMap(asMap(e.mappings[keys[0]])[keys[1]])[keys[2]].(string); ok {
				return s, nil
			}
			return "", fmt.Errorf("Fn::FindInMap %v: no such entry", keys)
		}
	}
	return "", fmt.Errorf("cannot resolve %v to a string", v)
}

func (e env) sub(arg any) (string, error) {
	tmpl, vars := "", map[string]string{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return "", fmt.Errorf("Fn::Sub takes a string or [string, variables]")
		}
		tmpl, _ = a[0].(string)
		for k, v := range asMap(a[1]) {
			s, err := e.str(v)
			if err != nil {
				return "", err
			}
			vars[k] = s
		}
	default:
		return "", fmt.Errorf("Fn::Sub of %v", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}" // ${!Literal}
		}
		if v, ok := vars[name]; ok {
			return v
		}
		if res, attr, ok := strings.Cut(name, "."); ok && e.resources[res] {
			return "{getatt:" + res + "." + attr + "}"
		}
		v, err := e.ref(name)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub %q: %w", tmpl, err)
		}
		return v
	})
	return out, firstErr
}

// strs resolves a string or a list of strings.
func (e env) strs(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		s, err := e.str(v)
		return []string{s}, err
	}
	var out []string
	for _, x := range list {
		s, err := e.str(x)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// references lists the resources v names through Ref, Fn::GetAtt or
// ${...} in Fn::Sub: what CloudFormation orders the resource after.
func (e env) references(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, c := range x {
				walk(c)
			}
		case map[string]any:
			if name, ok := x["Ref"].(string); ok && e.resources[name] {
				out = append(out, name)
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
				if name, _ := ga[0].(string); e.resources[name] {
					out = append(out, name)
				}
			}
			if sub, ok := x["Fn::Sub"]; ok {
				s, _ := sub.(string)
				if list, ok := sub.([]any); ok && len(list) > 0 {
					s, _ = list[0].(string)
				}
				for _, m := range subVar.FindAllStringSubmatch(s, -1) {
					if name, _, _ := strings.Cut(m[1], "."); e.resources[name] {
						out = append(out, name)
					}
				}
			}
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// deepCopy copies a parsed template, so a test can change one.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[k] = deepCopy(c)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, c := range x {
			l[i] = deepCopy(c)
		}
		return l
	}
	return v
}
