package upload

import (
	"fmt"
	"strings"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// Bounds of plausible counts in the aggregates.
const (
	// MaxLovVerksamheter bounds the providers of one LOV insats category:
	// many times the city's largest (daglig verksamhet).
	MaxLovVerksamheter = 10_000
	// MaxInvanare bounds the inhabitants of one district or municipality:
	// Sweden as a whole has fewer.
	MaxInvanare = 10_000_000
	// MaxSFBPersoner bounds the persons with assistansersättning of one
	// kön: Sweden as a whole has fewer.
	MaxSFBPersoner = 100_000
)

// formerDistricts are the districts merged in July 2023. An aggregate
// upload may give a district as the rows of its former districts (each
// once), which are added up: 2022's inhabitants of Järva are those of
// Rinkeby-Kista and Spånga-Tensta.
var formerDistricts = dataset.CodeList{
	Name: "former district",
	Codes: []dataset.Code{
		{Code: "rinkeby_kista", Label: "Rinkeby-Kista"},
		{Code: "spanga_tensta", Label: "Spånga-Tensta"},
		{Code: "norrmalm", Label: "Norrmalm"},
		{Code: "ostermalm", Label: "Östermalm"},
	},
}

// aggState is what the rows of an aggregate upload said so far: per code,
// its cell's index and first row, and the former districts already added.
type aggState struct {
	index  map[string]int
	first  map[string]int32
	former map[string]bool
	codes  *codes
	// formerNames reads the former districts (befolkning only).
	formerNames *codes
	list        dataset.CodeList
	// noun names one category in messages.
	noun string
}

func (rd *reader) initAggregate() {
	st := &aggState{index: map[string]int{}, first: map[string]int32{}, former: map[string]bool{}}
	switch rd.spec.dataset {
	case Lov:
		st.list = subList(dataset.LovInsats, "LOV insats category", func(dataset.Code) bool { return true })
		st.noun = "LOV insats category"
	case Befolkning:
		st.list = subList(rd.geo.Namnd, rd.areaName(), func(c dataset.Code) bool { return containsCode(rd.geo.Areas, c.Code) })
		st.noun = "district"
		if !rd.geo.IsDefault() {
			st.noun = strings.ToLower(rd.geo.AreaLabel)
		}
	case SFB:
		st.list = dataset.Kon
		st.noun = "kön"
	}
	st.codes = newCodes(st.list)
	st.formerNames = newCodes(formerDistricts)
	rd.agg = st
}

func containsCode(list []string, code string) bool {
	for _, c := range list {
		if c == code {
			return true
		}
	}
	return false
}

// areaName names the areas of the geography in messages.
func (rd *reader) areaName() string {
	if rd.geo.IsDefault() {
		return "stadsdelsnämnd (Socialnämnden has no inhabitants of its own)"
	}
	return rd.geo.Namnd.Name
}

// aggregateRow reads one row of lov, befolkning or sfb: a category and its
// count. A category twice is refused, except the former districts of one
// district, which are added up.
func (rd *reader) aggregateRow(before int) {
	if rd.pos[cAr] >= 0 {
		rd.year()
	}
	var catCol, countCol colID
	var lo, hi int64
	var what string
	switch rd.spec.dataset {
	case Lov:
		catCol, countCol, lo, hi, what = cInsats, cAntalVerksamheter, 0, MaxLovVerksamheter, "providers of one LOV insats category (0–10 000)"
	case Befolkning:
		catCol, countCol, lo, hi, what = cNamnd, cAntalInvanare, 1, MaxInvanare, "inhabitants of one area (1–10 000 000)"
	case SFB:
		catCol, countCol, lo, hi, what = cKon, cAntalPersoner, 0, MaxSFBPersoner, "persons with assistansersättning of one kön (0–100 000)"
	}
	st := rd.agg
	code, _ := rd.code(catCol, st.codes)
	written, _ := rd.cell(catCol)
	n, ok := rd.whole(countCol)
	switch v, _ := rd.cell(countCol); {
	case ok && n < 0:
		rd.fail(countCol, v, ReasonNegative, "a negative count")
	case ok && (n < lo || n > hi):
		rd.fail(countCol, v, ReasonOutOfRange, "%d is not a number of %s", n, what)
	}
	if rd.rep.total() != before || rd.incomplete {
		return
	}
	former := ""
	if rd.spec.dataset == Befolkning && rd.geo.IsDefault() {
		if f, msg := st.formerNames.normalize(written); msg == "" {
			former = f
		}
	}
	if i, seen := st.index[code]; seen {
		switch {
		case former == "" || !st.former[code] || st.former[former]:
			rd.fail(catCol, written, ReasonDuplicateRow, "a second row for %s (the first is row %d); give each %s once",
				st.list.Label(code), st.first[code], st.noun)
		default:
			st.former[former] = true
			rd.file.Befolkning[i].AntalInvanare += n
		}
		return
	}
	st.index[code], st.first[code] = rd.aggLen(), int32(rd.row)
	if former != "" {
		st.former[code], st.former[former] = true, true
	}
	switch rd.spec.dataset {
	case Lov:
		rd.file.Lov = append(rd.file.Lov, v1.LovCell{Insats: code, AntalVerksamheter: n})
	case Befolkning:
		rd.file.Befolkning = append(rd.file.Befolkning, v1.BefolkningCell{Namnd: code, AntalInvanare: n})
	case SFB:
		rd.file.SFB = append(rd.file.SFB, v1.SFBCell{Kon: code, AntalPersoner: n})
	}
}

func (rd *reader) aggLen() int { return len(rd.file.Lov) + len(rd.file.Befolkning) + len(rd.file.SFB) }

// aggregateComplete refuses an aggregate upload that leaves out a
// category: it replaces the whole period, and a missing district or
// insats would be read as none.
func (rd *reader) aggregateComplete() {
	if rd.rep.total() != 0 || rd.incomplete {
		return
	}
	st := rd.agg
	var missing []string
	for _, c := range st.list.Codes {
		if _, ok := st.index[c.Code]; !ok {
			missing = append(missing, c.Label)
		}
	}
	if len(missing) > 0 {
		col := rd.header[rd.pos[map[Dataset]colID{Lov: cInsats, Befolkning: cNamnd, SFB: cKon}[rd.spec.dataset]]]
		shown := missing
		if len(shown) > 12 {
			shown = append(shown[:12:12], fmt.Sprintf("… (%d in all)", len(missing)))
		}
		zero := " (0 where there are none)"
		if rd.spec.dataset == Befolkning {
			zero = ""
		}
		rd.rep.add(Problem{Column: col, Reason: ReasonMissingRow,
			Message: fmt.Sprintf("no row for %s; the file replaces all of %s %s, so every %s needs a row%s",
				strings.Join(shown, ", "), rd.spec.dataset, rd.period, st.noun, zero)})
	}
}
