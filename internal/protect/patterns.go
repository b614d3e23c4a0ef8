package protect

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
)

// PatternFormat names the format of a stored pattern (MarshalPatterns).
const PatternFormat = "insyn-pattern/1"

// Methods of computing a lake's patterns (Lake.Method).
const (
	// MethodCertified is ProtectLake: every primary cell certified
	// protected, the pattern the API serves.
	MethodCertified = "certified"
	// MethodGauss is the Gauss pass and the widening of additive relations
	// alone (Protect), without certificates: minutes instead of hours at
	// national scale, for benchmarks, not for publishing.
	MethodGauss = "gauss"
)

// The pattern is computed once per lake version, where the aggregates are
// written (the generator, the ingest function), and stored beside them; the
// API reads it instead of computing it (minutes) on a cold start. Only
// suppressed cells are listed: every other cell of a structure is published.
// Which cells a structure has depends on its views alone, so the reader
// rebuilds them from the definitions, and the cell count guards against a
// pattern written for other views.
type storedPatterns struct {
	Format string `json:"format"`
	// Geography names the nämnd codes the structures are built over
	// (dataset.LookupGeography); absent for Stockholm's.
	Geography string `json:"geography,omitempty"`
	// Method is how the pattern was computed: absent for the certified
	// engine (ProtectLake), MethodGauss for the uncertified fast pass.
	Method string `json:"method,omitempty"`
	// Linked names the systems the structures were protected as (Linked):
	// absent when they were protected apart, without the links.
	Linked          []string          `json:"linked,omitempty"`
	Threshold       int               `json:"threshold"`
	Datasets        map[string]int    `json:"dataset_thresholds,omitempty"`
	ProtectionLevel float64           `json:"protection_level"`
	Structures      []storedStructure `json:"structures"`
}

type storedStructure struct {
	Name      string   `json:"name"`
	Year      int      `json:"ar"`
	Quarter   int      `json:"kvartal,omitempty"`
	Cells     int      `json:"cells"`
	Primary   []string `json:"primary"`
	Secondary []string `json:"secondary"`
}

// MarshalPatterns writes the lake's patterns (computed under r) as JSON;
// the same patterns give the same bytes.
func (l *Lake) MarshalPatterns(r Rules) ([]byte, error) {
	geo, err := dataset.LookupGeography(l.Geography)
	if err != nil {
		return nil, fmt.Errorf("disclosure pattern: %w", err)
	}
	method := ""
	switch l.Method {
	case "", MethodCertified:
	case MethodGauss:
		method = MethodGauss
	default:
		return nil, fmt.Errorf("disclosure pattern: method %q is unknown; valid: %s, %s", l.Method, MethodCertified, MethodGauss)
	}
	out := storedPatterns{Format: PatternFormat, Geography: geo.StoredName(), Method: method, Linked: l.Linked,
		Threshold: r.threshold(), Datasets: r.Datasets, ProtectionLevel: r.protectionLevel()}
	for i, p := range l.Structures {
		st := storedStructure{Name: p.Name, Year: p.Period.Year, Quarter: p.Period.Quarter,
			Cells: len(p.Structure.Cells), Primary: []string{}, Secondary: []string{}}
		for c, m := range l.Patterns[i].Marks {
			switch m {
			case Primary:
				st.Primary = append(st.Primary, p.Structure.Cells[c].Key)
			case Secondary:
				st.Secondary = append(st.Secondary, p.Structure.Cells[c].Key)
			}
		}
		slices.Sort(st.Primary)
		slices.Sort(st.Secondary)
		out.Structures = append(out.Structures, st)
	}
	return json.MarshalIndent(out, "", " ")
}

// UnmarshalLake reads stored patterns into a Lake that answers Mark and
// FigureMark: its structures have their cells (from the definitions) but no
// atoms and no values, and are read only: the periods of one definition
// share them. It returns the rules the patterns were computed under.
func UnmarshalLake(data []byte) (*Lake, Rules, error) {
	var in storedPatterns
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, Rules{}, fmt.Errorf("disclosure pattern: %w", err)
	}
	if in.Format != PatternFormat {
		return nil, Rules{}, fmt.Errorf("disclosure pattern: format is %q, but this build reads %q only", in.Format, PatternFormat)
	}
	geo, err := dataset.LookupGeography(in.Geography)
	if err != nil {
		return nil, Rules{}, fmt.Errorf("disclosure pattern: %w", err)
	}
	method := in.Method
	switch method {
	case "":
		method = MethodCertified
	case MethodGauss:
	default:
		return nil, Rules{}, fmt.Errorf("disclosure pattern: method %q is unknown; valid: %s (or none: %s)", in.Method, MethodGauss, MethodCertified)
	}
	defs := map[string]definition{}
	for _, d := range definitions(geo) {
		defs[d.name] = d
	}
	l := &Lake{Geography: geo.Name, Method: method, Linked: in.Linked}
	// A definition's cells are the same in every period: they are laid
	// out once and shared by its periods' structures.
	laidOut := map[string]*Protected{}
	for _, st := range in.Structures {
		d, ok := defs[st.Name]
		if !ok {
			return nil, Rules{}, fmt.Errorf("disclosure pattern: unknown structure %q", st.Name)
		}
		period := Period{Year: st.Year, Quarter: st.Quarter}
		p, ok := laidOut[st.Name]
		if ok {
			p = p.inPeriod(period)
		} else {
			if p, err = d.protected(period); err != nil {
				return nil, Rules{}, err
			}
			laidOut[st.Name] = p
		}
		if len(p.Structure.Cells) != st.Cells {
			return nil, Rules{}, fmt.Errorf("disclosure pattern: %s %s has %d cells, but the pattern was computed for %d: recompute it with this build",
				st.Name, p.Period, len(p.Structure.Cells), st.Cells)
		}
		pat := &Pattern{Marks: make([]Mark, st.Cells)}
		for _, list := range []struct {
			keys []string
			mark Mark
		}{{st.Primary, Primary}, {st.Secondary, Secondary}} {
			for _, k := range list.keys {
				c, ok := p.Structure.index[k]
				if !ok {
					return nil, Rules{}, fmt.Errorf("disclosure pattern: %s %s has no cell %q", st.Name, p.Period, k)
				}
				pat.Marks[c] = list.mark
			}
		}
		pat.Primaries, pat.Secondaries = len(st.Primary), len(st.Secondary)
		l.Structures = append(l.Structures, p)
		l.Patterns = append(l.Patterns, pat)
	}
	return l, Rules{Threshold: in.Threshold, ProtectionLevel: in.ProtectionLevel, Datasets: in.Datasets}, nil
}

// WithStructures is a stored pattern over the structures built from src (the
// cubes it was computed for): a Lake with atoms and values, for the audit of
// what the API serves. It fails when the structures do not match.
func WithStructures(src cube.Source, pattern []byte) (*Lake, Rules, error) {
	stored, rules, err := UnmarshalLake(pattern)
	if err != nil {
		return nil, Rules{}, err
	}
	geo, err := dataset.LookupGeography(stored.Geography)
	if err != nil {
		return nil, Rules{}, err
	}
	built, err := BuildAllIn(src, geo)
	if err != nil {
		return nil, Rules{}, err
	}
	if len(built) != len(stored.Structures) {
		return nil, Rules{}, fmt.Errorf("disclosure pattern: %d structures, the cubes give %d", len(stored.Structures), len(built))
	}
	for i, p := range built {
		st := stored.Structures[i]
		if p.Name != st.Name || p.Period != st.Period || len(p.Structure.Cells) != len(stored.Patterns[i].Marks) {
			return nil, Rules{}, fmt.Errorf("disclosure pattern: structure %d is %s %s, the cubes give %s %s", i, st.Name, st.Period, p.Name, p.Period)
		}
	}
	return &Lake{Structures: built, Patterns: stored.Patterns, Geography: stored.Geography, Method: stored.Method, Linked: stored.Linked}, rules, nil
}
