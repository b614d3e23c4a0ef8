package load

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// TemplateMemLimit returns the GOMEMLIMIT the SAM template at path gives
// the api function at its default memory size: the entry of the
// template's GoMemLimit mapping for the default of the ApiMemorySize
// parameter (e.g. "820MiB"), and that in bytes.
func TemplateMemLimit(path string) (string, int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, fmt.Errorf("load: GOMEMLIMIT of the template: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", 0, fmt.Errorf("load: GOMEMLIMIT of the template: %s: %w", path, err)
	}
	if len(doc.Content) != 1 {
		return "", 0, fmt.Errorf("load: GOMEMLIMIT of the template: %s is not one YAML document", path)
	}
	root := doc.Content[0]
	size := lookup(root, "Parameters", "ApiMemorySize", "Default")
	if size == nil {
		return "", 0, fmt.Errorf("load: GOMEMLIMIT of the template: %s has no Parameters.ApiMemorySize.Default", path)
	}
	limit := lookup(root, "Mappings", "GoMemLimit", size.Value, "Limit")
	if limit == nil {
		return "", 0, fmt.Errorf("load: GOMEMLIMIT of the template: %s has no Mappings.GoMemLimit.%q.Limit", path, size.Value)
	}
	n, err := ParseMemLimit(limit.Value)
	if err != nil {
		return "", 0, fmt.Errorf("load: GOMEMLIMIT of the template: %s, Mappings.GoMemLimit.%q.Limit: %w", path, size.Value, err)
	}
	return limit.Value, n, nil
}

// lookup follows keys through nested YAML mappings; nil when one is
// missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// ParseMemLimit reads a GOMEMLIMIT as the Go runtime does: a whole number
// of bytes with an optional unit B, KiB, MiB, GiB or TiB.
func ParseMemLimit(s string) (int64, error) {
	num, shift := s, 0
	for _, u := range []struct {
		suffix string
		shift  int
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = rest, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return 0, errors.New(strconv.Quote(s) + ": not a number of bytes with a unit B, KiB, MiB, GiB or TiB")
	}
	return n << shift, nil
}
