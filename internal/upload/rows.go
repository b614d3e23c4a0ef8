package upload

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// Bounds of plausible values: beyond them a value is a typing error.
const (
	maxAge = 120
	// maxHours is two assistants around the clock for a 31-day month.
	maxHours = 2 * 24 * 31
	// maxDecisionAge is how long before its quarter an ej verkställt beslut
	// may have been made, in years.
	maxDecisionAge = 5
	// MaxKBFKr bounds a KBF amount per recipient and year: many times the
	// largest allowance, and far below where a float64 stops holding every
	// krona (the API computes in float64).
	MaxKBFKr = 1_000_000
	// MinYear is the earliest year an upload can be for; the latest is the
	// current one (a file reports what has happened).
	MinYear = 2000
)

const yearRange = "uploads are for a year from 2000 up to the current one"

// plausibleYear reports whether an upload can be for year y.
func plausibleYear(y int) bool { return y >= MinYear && y <= time.Now().Year() }

// The row readers below check each cell of the current row, then, if the
// row has no problem (the report's count did not move from before), check
// it against the earlier rows and keep it.

func (rd *reader) insatsRow(before int) {
	if rd.pos[cAr] >= 0 {
		rd.year()
	}
	pid, _ := rd.personID()
	md, ok := rd.date(cMatdatum)
	if ok {
		rd.inYear(cMatdatum, md)
	}
	namnd, _ := rd.code(cNamnd, rd.namnd)
	lagrum, ok := rd.code(cLagrum, rd.lagrum)
	insats := ""
	if ok {
		insats, _ = rd.insatsOf(lagrum, rd.insatsLSS, rd.insatsSoL)
	}
	kon, _ := rd.code(cKon, rd.kon)
	alder, ok := rd.whole(cAlder)
	if ok && (alder < 0 || alder > maxAge) {
		v, _ := rd.cell(cAlder)
		rd.fail(cAlder, v, ReasonOutOfRange, "an age of %d years; ages are 0–%d", alder, maxAge)
	}
	regi, _ := rd.code(cRegi, rd.regi)
	boende := ""
	if v, _ := rd.cell(cBoendeform); v != "" {
		code, msg := rd.boende.normalize(v)
		switch {
		case msg != "":
			rd.fail(cBoendeform, v, ReasonUnknownCode, "%s", msg)
		case insats != "" && !bostad[insats]:
			rd.fail(cBoendeform, v, ReasonInconsistent, "a boendeform belongs to bostad med särskild service only, but the insats is %s", dataset.Insats.Label(insats))
		default:
			boende = code
		}
	}
	var timmar *float64
	if v, _ := rd.cell(cTimmar); v != "" {
		h, ok := parseNumber(v)
		switch {
		case !ok:
			rd.fail(cTimmar, v, ReasonWrongType, "%q is not a number of hours", v)
		case h < 0:
			rd.fail(cTimmar, v, ReasonNegative, "negative hours per month")
		case h > maxHours:
			rd.fail(cTimmar, v, ReasonOutOfRange, "%v hours per month is more than two assistants around the clock (%d)", h, maxHours)
		default:
			timmar = rd.newFloat(h)
		}
	}
	if rd.rep.total() != before || rd.incomplete {
		return
	}
	r := v1.Insats{PersonID: strings.Clone(pid), Matdatum: epochDay(md), Namnd: namnd, Lagrum: lagrum, Insats: insats,
		Kon: kon, Alder: int32(alder), Regi: regi, Boendeform: boende, Timmar: timmar}

	rows := rd.file.Insatser
	idx := int32(len(rows))
	h := rd.sum(r.PersonID, r.Namnd, r.Lagrum, r.Insats, r.Kon, r.Regi, r.Boendeform)
	t := int64(-1) // no hours
	if timmar != nil {
		t = int64(math.Float64bits(*timmar) >> 1)
	}
	h = rd.sumInts(h, int64(r.Matdatum), int64(r.Alder), t)
	if j, dup := rd.duplicate(h, idx, func(j int32) bool { return sameInsats(rows[j], r) }); dup {
		rd.rowProblem(ReasonDuplicateRow, "", "the same row as row %d", rd.rowNums[j])
		return
	}
	p, seen := rd.persons[r.PersonID]
	bit := insatsBit[r.Insats]
	if !seen {
		rd.persons[r.PersonID] = personState{namnd: r.Namnd, kon: r.Kon, alder: r.Alder, row: int32(rd.row), insatser: bit}
	} else {
		rd.checkPerson(p, r)
		p.insatser |= bit
		rd.persons[r.PersonID] = p
	}
	rd.file.Insatser = append(rows, r)
	rd.rowNums = append(rd.rowNums, int32(rd.row))
}

// checkPerson compares a person's row with their first row of the year:
// the contract (schema/datasets.md) gives a person one nämnd, kön and age
// per year and one decision per lagrum and insats, or person counts would
// not be well defined.
func (rd *reader) checkPerson(p personState, r v1.Insats) {
	contradict := func(id colID, what, here, first string) {
		v, _ := rd.cell(id)
		rd.fail(id, v, ReasonContradiction, "person %s has %s %s here but %s in row %d; a person has one %s in a year",
			r.PersonID, what, here, first, p.row, what)
	}
	if r.Namnd != p.namnd {
		contradict(cNamnd, "nämnd", rd.geo.Namnd.Label(r.Namnd), rd.geo.Namnd.Label(p.namnd))
	}
	if r.Kon != p.kon {
		contradict(cKon, "kön", r.Kon, p.kon)
	}
	if r.Alder != p.alder {
		contradict(cAlder, "age", strconv.Itoa(int(r.Alder)), strconv.Itoa(int(p.alder)))
	}
	if p.insatser&insatsBit[r.Insats] == 0 {
		return
	}
	first := 0
	if !rd.rep.full() {
		// Rare, and only while the report still lists problems: look the
		// first decision up rather than keep every person's rows.
		for j, q := range rd.file.Insatser {
			if q.PersonID == r.PersonID && q.Insats == r.Insats {
				first = int(rd.rowNums[j])
				break
			}
		}
	}
	v, _ := rd.cell(cInsats)
	rd.fail(cInsats, v, ReasonPersonTwice, "person %s has a second decision on %s %s (the first in row %d); a person has at most one per lagrum and insats",
		r.PersonID, r.Lagrum, dataset.Insats.Label(r.Insats), first)
}

func sameInsats(a, b v1.Insats) bool {
	if (a.Timmar == nil) != (b.Timmar == nil) || (a.Timmar != nil && *a.Timmar != *b.Timmar) {
		return false
	}
	a.Timmar, b.Timmar = nil, nil
	return a == b
}

func (rd *reader) beslutRow(before int) {
	if rd.pos[cAr] >= 0 {
		rd.year()
	}
	pid, _ := rd.personID()
	bd, ok := rd.date(cBeslutsdatum)
	if ok {
		rd.inYear(cBeslutsdatum, bd)
	}
	namnd, _ := rd.code(cNamnd, rd.namnd)
	lagrum, _ := rd.code(cLagrum, rd.lagrum)
	insats, _ := rd.code(cInsats, rd.beslutInsats)
	kon, _ := rd.code(cKon, rd.kon)
	funk, _ := rd.code(cFunktionsnedsattning, rd.funk)
	utfall, _ := rd.code(cUtfall, rd.utfall)
	dom, domOK := rd.yesNo(cDom)
	mot, motOK := rd.yesNo(cDomMotStaden)
	if domOK && motOK && mot && !dom {
		v, _ := rd.cell(cDomMotStaden)
		rd.fail(cDomMotStaden, v, ReasonInconsistent, "a ruling against the city needs a ruling, but Dom is nej")
	}
	if rd.rep.total() != before || rd.incomplete {
		return
	}
	r := v1.Beslut{PersonID: strings.Clone(pid), Beslutsdatum: epochDay(bd), Namnd: namnd, Lagrum: lagrum, Insats: insats,
		Kon: kon, Funktionsnedsattning: funk, Utfall: utfall, Dom: dom, DomMotStaden: mot}
	rows := rd.file.Beslut
	idx := int32(len(rows))
	h := rd.sumInts(rd.sum(r.PersonID, r.Namnd, r.Lagrum, r.Insats, r.Kon, r.Funktionsnedsattning, r.Utfall),
		int64(r.Beslutsdatum), b2i(r.Dom), b2i(r.DomMotStaden))
	if j, dup := rd.duplicate(h, idx, func(j int32) bool { return rows[j] == r }); dup {
		rd.rowProblem(ReasonDuplicateRow, "", "the same row as row %d", rd.rowNums[j])
		return
	}
	rd.file.Beslut = append(rows, r)
	rd.rowNums = append(rd.rowNums, int32(rd.row))
}

func (rd *reader) ejVerkstalltRow(before int) {
	if rd.pos[cAr] >= 0 {
		rd.year()
	}
	q := rd.period.Quarter
	if v, ok := rd.required(cKvartal); ok {
		kv, y, valid := parseQuarter(v)
		switch {
		case !valid:
			rd.fail(cKvartal, v, ReasonWrongType, "%q is not a quarter; write 1–4, Q2 or Kv 2", v)
		case y != 0 && rd.yearKnown && y != rd.period.Year:
			rd.fail(cKvartal, v, ReasonWrongPeriod, "the row is for %d, the file for %d", y, rd.period.Year)
		case rd.period.Quarter != 0 && kv != rd.period.Quarter:
			rd.fail(cKvartal, v, ReasonWrongPeriod, "the row is for Kv %d, the file for %s", kv, rd.period)
		default:
			q = kv
		}
	}
	pid, _ := rd.personID()
	namnd, _ := rd.code(cNamnd, rd.namnd)
	lagrum, ok := rd.code(cLagrum, rd.lagrum)
	insats := ""
	if ok {
		insats, _ = rd.insatsOf(lagrum, rd.insatsLSS, rd.bistand)
	}
	orsak, _ := rd.code(cOrsak, rd.orsak)
	kon, _ := rd.code(cKon, rd.kon)
	bd, ok := rd.date(cBeslutsdatum)
	if ok && q != 0 && rd.yearKnown {
		rd.decidedBefore(bd, Period{Year: rd.period.Year, Quarter: q})
	}
	status, _ := rd.code(cStatus, rd.status)
	if rd.rep.total() != before || rd.incomplete {
		return
	}
	r := v1.EjVerkstallt{PersonID: strings.Clone(pid), Kvartal: int32(q), Namnd: namnd, Lagrum: lagrum, Insats: insats,
		Orsak: orsak, Kon: kon, Beslutsdatum: epochDay(bd), Status: status}
	rows := rd.file.EjVerkstallda
	idx := int32(len(rows))
	h := rd.sumInts(rd.sum(r.PersonID, r.Namnd, r.Lagrum, r.Insats, r.Orsak, r.Kon, r.Status), int64(r.Kvartal), int64(r.Beslutsdatum))
	if j, dup := rd.duplicate(h, idx, func(j int32) bool { return rows[j] == r }); dup {
		rd.rowProblem(ReasonDuplicateRow, "", "the same row as row %d", rd.rowNums[j])
		return
	}
	rd.file.EjVerkstallda = append(rows, r)
	rd.rowNums = append(rd.rowNums, int32(rd.row))
}

// decidedBefore checks the decision date of a reported decision: it was
// not executed within three months, so it was made at least three months
// before the end of the quarter it is reported in.
func (rd *reader) decidedBefore(t time.Time, q Period) {
	latest := q.last().AddDate(0, -3, 0)
	earliest := q.first().AddDate(-maxDecisionAge, 0, 0)
	v, _ := rd.cell(cBeslutsdatum)
	switch {
	case t.After(latest):
		rd.fail(cBeslutsdatum, v, ReasonOutsidePeriod, "decided %s, less than three months before the end of Kv %d %d; it cannot yet be reported as not executed (latest %s)",
			t.Format(time.DateOnly), q.Quarter, q.Year, latest.Format(time.DateOnly))
	case t.Before(earliest):
		rd.fail(cBeslutsdatum, v, ReasonOutsidePeriod, "decided %s, more than %d years before Kv %d %d; check the date",
			t.Format(time.DateOnly), maxDecisionAge, q.Quarter, q.Year)
	}
}

func (rd *reader) kbfRow(before int) {
	if rd.pos[cAr] >= 0 {
		rd.year()
	}
	pid, _ := rd.personID()
	namnd, _ := rd.code(cNamnd, rd.kbfNamnd)
	kon, _ := rd.code(cKon, rd.kon)
	belopp, ok := rd.whole(cBelopp)
	switch v, _ := rd.cell(cBelopp); {
	case ok && belopp < 0:
		rd.fail(cBelopp, v, ReasonNegative, "a negative amount; KBF amounts are what was paid in the year")
	case ok && belopp > MaxKBFKr:
		rd.fail(cBelopp, v, ReasonOutOfRange, "%d kr in a year is more than any recipient is paid (at most %d kr)", belopp, MaxKBFKr)
	}
	if rd.rep.total() != before || rd.incomplete {
		return
	}
	r := v1.KBF{PersonID: strings.Clone(pid), Namnd: namnd, Kon: kon, BeloppKr: belopp}
	rows := rd.file.KBF
	idx := int32(len(rows))
	h := rd.sumInts(rd.sum(r.PersonID, r.Namnd, r.Kon), r.BeloppKr)
	if j, dup := rd.duplicate(h, idx, func(j int32) bool { return rows[j] == r }); dup {
		rd.rowProblem(ReasonDuplicateRow, "", "the same row as row %d", rd.rowNums[j])
		return
	}
	if first, seen := rd.kbfFirst[r.PersonID]; seen {
		v, _ := rd.cell(cPersonID)
		rd.fail(cPersonID, v, ReasonPersonTwice, "person %s has a second row (the first is row %d); KBF has one row per recipient and year", r.PersonID, first)
	} else {
		rd.kbfFirst[r.PersonID] = int32(rd.row)
	}
	rd.file.KBF = append(rows, r)
	rd.rowNums = append(rd.rowNums, int32(rd.row))
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
