package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graphql-go/graphql"

	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/serve"
)

// request is what resolvers share for one HTTP request: the lake version
// every answer of it comes from, and its cell budget.
type request struct {
	// ctx carries the request's deadline (Limits.Timeout); nil for work
	// without one (the open-data files, tests).
	ctx context.Context
	// answerBytes bounds the bytes of the lists written past the
	// executor (Limits.AnswerBytes); 0: no bound.
	answerBytes int
	// overAnswerBytes is set once a list was not written because the
	// answer had passed answerBytes: the handler refuses it whole.
	overAnswerBytes atomic.Bool
	v               *version
	budget          *budget
	rules           Rules
	log             *slog.Logger
	// base is the URL the API answers at, for the links to open-data
	// files ("https://host/prod").
	base string
	// splices collects the lists written past the executor; nil leaves
	// every list to the executor.
	splices *splices
	// fast is whether the request was answered without the executor
	// (fast.go); computed is the table fast.go computed and left to the
	// executor to answer, which the table field's resolver then gives
	// (the document has one table field).
	fast     bool
	computed *computedTable
}

// computedTable is request.table's answer.
type computedTable struct {
	t   *tableAnswer
	err error
}

type requestKey struct{}

func requestOf(ctx context.Context) *request { return ctx.Value(requestKey{}).(*request) }

// budget is the number of cells a request may still be answered with.
type budget struct {
	mu    sync.Mutex
	limit int
	used  int
	// heavy, when set, is called once, outside the lock, when the cells
	// taken reach heavyAt (the request's admission to heavy work).
	heavy   func() error
	heavyAt int
	heavied bool
	// listed holds the tables whose cells were written once: each later
	// list of them (under another alias) takes their cells again.
	listed map[any]bool
}

// again reserves n cells for a list of src's cells, or fails as take
// does: the first list of a table is what take reserved for it, each
// other (an alias asking for them again) costs as much.
func (b *budget) again(src any, n int) error {
	b.mu.Lock()
	first := !b.listed[src]
	if first {
		if b.listed == nil {
			b.listed = map[any]bool{}
		}
		b.listed[src] = true
	}
	b.mu.Unlock()
	if first {
		return nil
	}
	return b.take(n, "the cells of a table asked for again")
}

// fits reports whether n more cells fit.
func (b *budget) fits(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used+n <= b.limit
}

// take reserves n cells for what, or fails naming the limit.
func (b *budget) take(n int, what string) error {
	b.mu.Lock()
	if b.used+n > b.limit {
		b.mu.Unlock()
		return &queryError{code: CodeTooManyCells, message: fmt.Sprintf(
			"%s has %d cells, and with the %d cells before it this request would exceed the limit of %d cells per request (%s); group by fewer dimensions, filter, or split the request",
			what, n, b.used, b.limit, EnvMaxCells)}
	}
	b.used += n
	admit := b.heavy != nil && !b.heavied && b.used >= b.heavyAt
	if admit {
		b.heavied = true
	}
	b.mu.Unlock()
	if admit {
		return b.heavy()
	}
	return nil
}

// resolver is a resolver of the Query type: it gets the request's state.
type resolver func(r *request, p graphql.ResolveParams) (any, error)

// resolve adapts a resolver. An error that is not the client's (not a
// queryError) is logged with the request id and answered without its
// details.
func resolve(fn resolver) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r := requestOf(p.Context)
		if err := r.expired(); err != nil {
			return nil, err
		}
		out, err := fn(r, p)
		if err == nil {
			return out, nil
		}
		if qe, ok := errors.AsType[*queryError](err); ok {
			return nil, qe
		}
		id := serve.RequestID(p.Context)
		r.log.LogAttrs(p.Context, slog.LevelError, "resolver failed",
			slog.String("request_id", id), slog.String("field", p.Info.FieldName), slog.String("err", err.Error()))
		return nil, &queryError{code: CodeInternal, message: "internal error (request id " + id + ")"}
	}
}

// stringArg returns a String argument ("" when absent).
func stringArg(p graphql.ResolveParams, name string) string {
	s, _ := p.Args[name].(string)
	return s
}

// stringsArg returns a [String] argument as graphql-go passes it.
func stringsArg(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// field returns a field of type typ whose value get reads from the
// parent object, of Go type T.
func field[T any](desc string, typ graphql.Output, get func(T) any) *graphql.Field {
	return &graphql.Field{Type: typ, Description: desc, Resolve: func(p graphql.ResolveParams) (any, error) {
		return get(p.Source.(T)), nil
	}}
}

var nonNullString = graphql.NewNonNull(graphql.String)

func listOf(t graphql.Type) graphql.Output {
	return graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(t)))
}

// nullIfEmpty is nil for "", for optional String fields.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newSchema builds the GraphQL schema.
func newSchema() (graphql.Schema, *directType, error) {
	fixIntrospection()
	markEnum := graphql.NewEnum(graphql.EnumConfig{
		Name: "Mark",
		Description: "What a cell shows. One marker, \"*\", stands for every hidden figure, whether it is a small count " +
			"or hidden so that a small count cannot be computed from the others: two markers would tell which is which.",
		Values: graphql.EnumValueConfigMap{
			MarkPublished:     {Value: MarkPublished, Description: "The value is shown."},
			MarkSuppressed:    {Value: MarkSuppressed, Description: "\"*\": hidden by disclosure control (a count of 1–3, a figure resting on fewer than 4 persons, or a cell that would let such a one be computed)."},
			MarkNotComputable: {Value: MarkNotComputable, Description: "\".\": cannot be computed, e.g. a mean over 0 persons."},
			MarkNoData:        {Value: MarkNoData, Description: "\"i.u\": no data for the period or unit."},
		},
	})
	measureValues := graphql.EnumValueConfigMap{}
	for _, m := range measureInfo {
		measureValues[string(m.m)] = &graphql.EnumValueConfig{Value: string(m.m), Description: m.doc + " Unit: " + m.unit + "."}
	}
	measureEnum := graphql.NewEnum(graphql.EnumConfig{
		Name:        "Measure",
		Description: "What a table's cells count or compute. Each dataset has some of them (Dataset.measures).",
		Values:      measureValues,
	})

	periodType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Period",
		Description: "A year, or a quarter of one.",
		Fields: graphql.Fields{
			"code":  field("As the period argument takes it: \"2024\" or \"2024-Q2\".", nonNullString, func(p period) any { return p.code() }),
			"label": field("As the reports print it: \"2024\" or \"Kv 2 2024\".", nonNullString, func(p period) any { return p.label() }),
		},
	})
	codeType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Code",
		Description: "A value of a dimension.",
		Fields: graphql.Fields{
			"code":  field("The machine code, as filters take it.", nonNullString, func(c codeRef) any { return c.code }),
			"label": field("The label as the reports print it.", nonNullString, func(c codeRef) any { return c.label }),
			"group": field("The parent code in a hierarchy, if any (an insats's lagrum).", graphql.String, func(c codeRef) any { return nullIfEmpty(c.group) }),
		},
	})
	dimensionType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Dimension",
		Description: "A dimension of a dataset, with its codes in report order.",
		Fields: graphql.Fields{
			"name":        field("The name groupBy and filter take.", nonNullString, func(d *dimDef) any { return d.name }),
			"label":       field("The heading the reports print.", nonNullString, func(d *dimDef) any { return d.label }),
			"description": field("What the codes mean.", nonNullString, func(d *dimDef) any { return d.codes.Doc }),
			"codes": field("Every code, in report order.", listOf(codeType), func(d *dimDef) any {
				out := make([]codeRef, len(d.codes.Codes))
				for i, c := range d.codes.Codes {
					out[i] = codeRef{c.Code, c.Label, c.Group}
				}
				return out
			}),
		},
	})
	datasetType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Dataset",
		Description: "A dataset of the lake that the table query reads.",
		Fields: graphql.Fields{
			"name":        field("The name the table query takes.", nonNullString, func(d *datasetState) any { return d.def.name }),
			"label":       field("A title in Swedish.", nonNullString, func(d *datasetState) any { return d.def.label }),
			"description": field("What one unit of the data is.", nonNullString, func(d *datasetState) any { return d.def.doc }),
			"source":      field("Where the data come from: \"Källa: …\".", nonNullString, func(d *datasetState) any { return d.source }),
			"version":     field("The dataset's version: it changes exactly when its aggregates do.", nonNullString, func(d *datasetState) any { return d.version }),
			"public": field("Aggregates published by others (population, providers, Försäkringskassan): no disclosure control applies.",
				graphql.NewNonNull(graphql.Boolean), func(d *datasetState) any { return d.def.public }),
			"periods": {Type: listOf(periodType), Description: "The periods with data, in order.",
				Resolve: resolve(func(_ *request, p graphql.ResolveParams) (any, error) { return p.Source.(*datasetState).periods.get() })},
			"measures": field("The measures the table query computes for it.", listOf(measureEnum), func(d *datasetState) any {
				return measureNames(d.def.measuresOf())
			}),
			"dimensions": field("The dimensions to group by and filter on.", listOf(dimensionType), func(d *datasetState) any {
				return pointers(d.def.dims)
			}),
		},
	})
	lakeType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Lake",
		Description: "The lake version answers come from.",
		Fields: graphql.Fields{
			"version": field("Identifies the aggregates of every dataset; ETags derive from it.", nonNullString, func(v *version) any { return v.lakeVersion() }),
			"created": field("When the version was built (RFC 3339).", nonNullString, func(v *version) any { return v.created().Format(time.RFC3339) }),
			"format":  field("The on-disk format of the lake's files.", nonNullString, func(v *version) any { return v.snap.Manifest.Format }),
		},
	})
	datasetVersionType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "DatasetVersion",
		Description: "A dataset an answer reads, with its version and source.",
		Fields: graphql.Fields{
			"name":    field("The dataset.", nonNullString, func(d *datasetState) any { return d.def.name }),
			"version": field("Its version.", nonNullString, func(d *datasetState) any { return d.version }),
			"source":  field("Its \"Källa: …\" line.", nonNullString, func(d *datasetState) any { return d.source }),
		},
	})
	coordinateObj := newDirectObject[*coord]("Coordinate", "A cell's member of one grouped dimension.")
	coordinateObj.str("dimension", "The dimension.", func(c *coord) string { return c.dim.name })
	coordinateObj.str("code", "The code (Dimension.codes), or \"_T\" for the dimension's total: SDMX's code for a total, which the CSV and JSON-stat files use too.", func(c *coord) string { return c.code })
	coordinateObj.str("label", "The code's label, or \"Totalt\".", func(c *coord) string { return c.label })
	coordinateObj.boolean("total", "Whether this is the dimension's total (code \"_T\", over the filter's codes, if filtered).", func(c *coord) bool { return c.total })
	cellObj := newDirectObject[*tableCell]("Cell", "A cell of a table.")
	figureFields(cellObj, markEnum, func(c *tableCell) figure { return c.fig })
	cellObj.str("period", "The period (\"2024\", \"2024-Q2\").", func(c *tableCell) string { return c.period.code() })
	directPtrList(cellObj, "coordinates", "One per grouped dimension, in groupBy order.", coordinateObj, func(c *tableCell) []*coord { return c.coords })
	// Table is a direct object too, so that a request for one table and
	// nothing else is answered without the executor (fast.go); its
	// fields without a writer (periods, dimensions, the open-data ones)
	// leave such a request to the executor.
	tableObj := newDirectObject[*tableAnswer]("Table", "The answer to a table query.")
	tableObj.str("dataset", "The dataset.", func(t *tableAnswer) string { return t.ds.def.name })
	tableObj.enum("measure", "The measure.", measureEnum, func(t *tableAnswer) string { return string(t.measure) })
	tableObj.str("unit", "The unit of every value.", func(t *tableAnswer) string { return unitOf(t.measure) })
	tableObj.fields["periods"] = field("The periods the cells cover.", listOf(periodType), func(t *tableAnswer) any { return t.periods })
	tableObj.fields["dimensions"] = field("The grouped dimensions, in order.", listOf(dimensionType), func(t *tableAnswer) any { return pointers(t.dims) })
	directList(tableObj, "cells", "Periods outermost, then the grouped dimensions in order; codes in report order, the total last.", cellObj,
		func(t *tableAnswer) listSource[tableCell] {
			return listSource[tableCell]{n: len(t.figs), each: t.eachCell, all: t.cells, write: t.writeCells}
		})
	tableObj.str("source", "\"Källa: …\".", func(t *tableAnswer) string { return t.source })
	tableObj.strs("footnotes", "The notes that apply: the dataset's, and those of the marks that occur.", func(t *tableAnswer) []string { return t.footnotes })
	tableObj.str("version", "The dataset's version.", func(t *tableAnswer) string { return t.ds.version })
	tableObj.str("lakeVersion", "The lake's version.", func(t *tableAnswer) string { return t.lakeVersion })
	tableType := tableObj.object()
	columnType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "ReportColumn",
		Description: "A printed value column.",
		Fields: graphql.Fields{
			"key":     field("A short machine key (\"2024.kvinnor_mv\").", nonNullString, func(c reports.Column) any { return c.Key }),
			"heading": field("The printed heading path, outermost first.", listOf(graphql.String), func(c reports.Column) any { return c.Heading }),
		},
	})
	reportCellObj := newDirectObject[*reportCell]("ReportCell", "A figure of a printed table.")
	figureFields(reportCellObj, markEnum, func(c *reportCell) figure { return c.fig })
	reportCellObj.str("unit", "The figure's unit.", func(c *reportCell) string { return c.unit })
	rowObj := newDirectObject[*reportRow]("ReportRow", "A printed row.")
	rowObj.str("label", "As printed.", func(r *reportRow) string { return r.label })
	rowObj.optStr("marker", "A footnote marker printed with the label.", func(r *reportRow) string { return r.marker })
	directOptList(rowObj, "cells", "One per column; null where the layout prints nothing.", reportCellObj, func(r *reportRow) []*reportCell { return r.cells })
	reportType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Report",
		Description: "A table of the seed reports in its printed layout, every figure computed from the lake and passed through disclosure control.",
		Fields: graphql.Fields{
			"id":          field("\"9:1\" … \"9:23\", \"ev:1\" … \"ev:6\".", nonNullString, func(r *reportRef) any { return r.p.ID }),
			"publication": field("The report it is from.", nonNullString, func(r *reportRef) any { return r.p.Publication }),
			"number":      field("As printed: \"Tabell 9:4\".", nonNullString, func(r *reportRef) any { return r.p.Number }),
			"caption":     field("The caption.", nonNullString, func(r *reportRef) any { return r.p.Caption }),
			"rowHeading":  field("The heading of the row labels.", nonNullString, func(r *reportRef) any { return r.p.RowHeading }),
			"columns":     field("The value columns, left to right.", listOf(columnType), func(r *reportRef) any { return r.p.Columns }),
			"source":      field("\"Källa: …\" as printed.", nonNullString, func(r *reportRef) any { return "Källa: " + r.p.Source }),
			"lakeVersion": field("The lake's version.", nonNullString, func(r *reportRef) any { return r.v.lakeVersion() }),
			"rows": directListField("The rows, top to bottom.", rowObj, func(req *request, r *reportRef) (listSource[reportRow], error) {
				ans, err := r.v.report(r.p.ID)
				if err != nil {
					return listSource[reportRow]{}, err
				}
				if err := req.budget.take(ans.cells, "table "+r.p.ID); err != nil {
					return listSource[reportRow]{}, err
				}
				return sliceSource(ans.rows), nil
			}),
			"footnotes": {Type: listOf(graphql.String), Description: "The printed notes, with insyn's notes on the marks in place of the report's.",
				Resolve: resolve(func(_ *request, p graphql.ResolveParams) (any, error) {
					r := p.Source.(*reportRef)
					ans, err := r.v.report(r.p.ID)
					if err != nil {
						return nil, err
					}
					return ans.footnotes, nil
				})},
			"datasets": {Type: listOf(datasetVersionType), Description: "The datasets the table reads, with their versions.",
				Resolve: resolve(func(_ *request, p graphql.ResolveParams) (any, error) {
					r := p.Source.(*reportRef)
					ans, err := r.v.report(r.p.ID)
					if err != nil {
						return nil, err
					}
					return ans.datasets, nil
				})},
		},
	})
	addOpenDataFields(reportType, tableType)
	filterInput := graphql.NewInputObject(graphql.InputObjectConfig{
		Name:        "Filter",
		Description: "Whole categories of one dimension: cells count the rows with one of the codes.",
		Fields: graphql.InputObjectConfigFieldMap{
			"dimension": {Type: nonNullString, Description: "A dimension of the dataset (Dataset.dimensions)."},
			"codes":     {Type: graphql.NewNonNull(graphql.NewList(nonNullString)), Description: "Codes of the dimension (Dimension.codes); labels are accepted too."},
		},
	})
	query := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Query",
		Description: "insyn: statistics of the City of Stockholm on support to people with disabilities, with disclosure control at query time.",
		Fields: graphql.Fields{
			"lake": {Type: graphql.NewNonNull(lakeType), Description: "The lake version answering this request.",
				Resolve: resolve(func(r *request, _ graphql.ResolveParams) (any, error) { return r.v, nil })},
			"datasets": {Type: listOf(datasetType), Description: "Every dataset the table query reads, with dimensions and code lists for building selectors.",
				Resolve: resolve(func(r *request, _ graphql.ResolveParams) (any, error) { return r.v.datasets, nil })},
			"dataset": {Type: graphql.NewNonNull(datasetType), Description: "One dataset by name.",
				Args: graphql.FieldConfigArgument{"name": {Type: nonNullString, Description: "The dataset's name."}},
				Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
					name := stringArg(p, "name")
					if d, ok := r.v.dataset(name); ok {
						return d, nil
					}
					var names []string
					for _, d := range r.v.datasets {
						names = append(names, d.def.name)
					}
					return nil, badInput("name", names, "%q is not a dataset", name)
				})},
			"table": {Type: graphql.NewNonNull(tableType),
				Description: "A table of one measure of a dataset by the grouped dimensions, for a period. Only cells of the protected structure " +
					"are answered (an error says when a combination is not one); every cell is marked by disclosure control.",
				Args: graphql.FieldConfigArgument{
					"dataset": {Type: nonNullString, Description: "A dataset (Query.datasets)."},
					"measure": {Type: graphql.NewNonNull(measureEnum), Description: "One of the dataset's measures."},
					"period":  {Type: nonNullString, Description: "A year (\"2024\"), a quarter (\"2024-Q2\") or a range (\"2022/2024\", \"2023-Q2/2024-Q2\"); a year of a quarterly dataset means its quarters."},
					"groupBy": {Type: graphql.NewList(nonNullString), DefaultValue: []any{}, Description: "Dimensions to split by, outermost first; none gives one cell per period."},
					"filter":  {Type: graphql.NewList(graphql.NewNonNull(filterInput)), DefaultValue: []any{}, Description: "Whole categories to restrict to, at most one filter per dimension."},
					"totals":  {Type: graphql.Boolean, DefaultValue: false, Description: "Add each grouped dimension's total (over its filtered codes, if filtered)."},
					"shareOf": {Type: graphql.String, Description: "For measure SHARE: the grouped dimension whose total is 100 %."},
				},
				Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
					if c := r.computed; c != nil {
						r.computed = nil
						return c.t, c.err
					}
					return r.table(tableRequestFrom(p.Args))
				})},
			"reports": {Type: listOf(reportType), Description: "The 29 seed tables, in report order.",
				Resolve: resolve(func(r *request, _ graphql.ResolveParams) (any, error) {
					tables, err := reports.Tables()
					if err != nil {
						return nil, err
					}
					out := make([]*reportRef, len(tables))
					for i, t := range tables {
						out[i] = &reportRef{v: r.v, p: t}
					}
					return out, nil
				})},
			"report": {Type: graphql.NewNonNull(reportType), Description: "One seed table in its printed layout, e.g. report(id: \"9:4\").",
				Args: graphql.FieldConfigArgument{"id": {Type: nonNullString, Description: "\"9:1\" … \"9:23\", \"ev:1\" … \"ev:6\"."}},
				Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
					id := stringArg(p, "id")
					t, err := reports.Table(id)
					if err != nil {
						return nil, badInput("id", reportIDs(), "%q is not a seed table", id)
					}
					return &reportRef{v: r.v, p: t}, nil
				})},
		},
	})
	schema, err := graphql.NewSchema(graphql.SchemaConfig{Query: query})
	return schema, tableObj.directType, err
}

// codeRef is a code as the schema shows it.
type codeRef struct{ code, label, group string }

// reportRef is a seed table of a version; its figures are computed when
// first asked for.
type reportRef struct {
	v *version
	p *reports.Printed
}

// tableRequestFrom reads the table field's arguments as graphql-go passes
// them (the executor, and fast.go the same way).
func tableRequestFrom(args map[string]any) tableRequest {
	str := func(name string) string {
		s, _ := args[name].(string)
		return s
	}
	req := tableRequest{
		Dataset: str("dataset"),
		Measure: Measure(str("measure")),
		Period:  str("period"),
		GroupBy: stringsArg(args["groupBy"]),
		ShareOf: str("shareOf"),
	}
	req.Totals, _ = args["totals"].(bool)
	filters, _ := args["filter"].([]any)
	for _, f := range filters {
		m, _ := f.(map[string]any)
		dim, _ := m["dimension"].(string)
		req.Filter = append(req.Filter, filterArg{Dimension: dim, Codes: stringsArg(m["codes"])})
	}
	return req
}

// expired is a CodeTimeout error once the request's deadline has passed:
// the executor stops waiting then, and every resolver after it does no
// work.
func (r *request) expired() error {
	if r.ctx == nil || r.ctx.Err() == nil {
		return nil
	}
	return &queryError{code: CodeTimeout, message: "the request took longer than its limit (" + EnvTimeout + ")"}
}

// table plans, budgets and computes a table query.
func (r *request) table(req tableRequest) (*tableAnswer, error) {
	if err := r.expired(); err != nil {
		return nil, err
	}
	p, err := r.v.planTable(req)
	if err != nil {
		return nil, err
	}
	if err := r.budget.take(p.size(), "this table"); err != nil {
		return nil, err
	}
	ans, err := r.v.compute(p, r.rules.Threshold)
	if err != nil {
		return nil, err
	}
	ans.req = p.canonical(req)
	return ans, nil
}

// figureFields adds a figure's fields value, mark and display.
func figureFields[T any](o *directObject[T], markEnum *graphql.Enum, get func(T) figure) {
	o.optFloat("value", "The figure as printed (whole units); null unless mark is PUBLISHED.", func(v T) (float64, bool) {
		f := get(v)
		return f.value, f.published()
	})
	o.enum("mark", "Whether the value is shown, and if not why.", markEnum, func(v T) string { return get(v).mark.String() })
	o.addField("display", "As printed: \"4 984\", \"*\", \".\" or \"i.u\".", nonNullString, func(v T) any { return get(v).display() },
		fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) { return get(src.(T)).appendDisplay(buf), true }})
}
