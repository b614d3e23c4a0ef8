package api

import (
	"github.com/graphql-go/graphql"
)

// addOpenDataFields gives the Report and Table types their open-data
// files: csv(dialect), jsonStat and links. The files are made from the
// very answer the other fields resolve from, so their figures and marks
// are those of rows and cells.
func addOpenDataFields(reportType, tableType *graphql.Object) {
	dialectEnum := graphql.NewEnum(graphql.EnumConfig{
		Name:        "CsvDialect",
		Description: "How a CSV file is written; the cells are the same in both.",
		Values: graphql.EnumValueConfigMap{
			string(DialectExcel): {Value: string(DialectExcel), Description: "For Excel with Swedish settings: UTF-8 with a byte order mark, \";\" between fields, decimal comma, CRLF; " +
				"after the data an empty line and the title, source, footnotes, versions and licence, one per line."},
			string(DialectRFC4180): {Value: string(DialectRFC4180), Description: "For programs (RFC 4180): UTF-8, \",\" between fields, decimal point, CRLF; the header row and the data rows only."},
		},
	})
	jsonScalar := graphql.NewScalar(graphql.ScalarConfig{
		Name:        "JSON",
		Description: "A JSON value, as it is (here a JSON-stat 2.0 dataset).",
		Serialize:   func(v any) any { return v },
	})
	linksType := graphql.NewObject(graphql.ObjectConfig{
		Name:        "OpenDataLinks",
		Description: "Stable URLs of a table's open-data files (GET; the same figures and marks as this answer).",
		Fields: graphql.Fields{
			"csv":        field("CSV for Excel (Swedish settings).", nonNullString, func(l openLinks) any { return l.CSV }),
			"csvRfc4180": field("CSV after RFC 4180, for programs.", nonNullString, func(l openLinks) any { return l.CSVRFC4180 }),
			"jsonStat":   field("JSON-stat 2.0.", nonNullString, func(l openLinks) any { return l.JSONStat }),
			"xlsx":       field("XLSX (Excel): the cells of the CSV, numbers as numbers, the marks as printed, the notes, source and licence below the data.", nonNullString, func(l openLinks) any { return l.XLSX }),
		},
	})
	csvArgs := graphql.FieldConfigArgument{
		"dialect": {Type: dialectEnum, DefaultValue: string(DialectExcel), Description: "EXCEL (the default) or RFC4180."},
	}
	dialectOf := func(p graphql.ResolveParams) Dialect {
		if d, ok := p.Args["dialect"].(string); ok && d != "" {
			return Dialect(d)
		}
		return DialectExcel
	}

	// report is the seed table's answer, once its cells are budgeted.
	report := func(r *request, p graphql.ResolveParams) (*reportAnswer, openMeta, error) {
		ref := p.Source.(*reportRef)
		ans, err := ref.v.report(ref.p.ID)
		if err != nil {
			return nil, openMeta{}, err
		}
		if err := r.budget.take(ans.cells, "table "+ref.p.ID); err != nil {
			return nil, openMeta{}, err
		}
		return ans, ref.v.reportMeta(ans, r.base), nil
	}
	reportType.AddFieldConfig("csv", &graphql.Field{
		Type: nonNullString, Args: csvArgs,
		Description: "The table as a CSV file in its printed layout (the row labels, the printed columns, then a status column per printed column with its marks); " +
			"the text of the file at links.csv, byte order mark included.",
		Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
			ans, meta, err := report(r, p)
			if err != nil {
				return nil, err
			}
			b, err := reportCSV(ans, meta).write(dialectOf(p))
			return string(b), err
		}),
	})
	reportType.AddFieldConfig("jsonStat", &graphql.Field{
		Type:        graphql.NewNonNull(jsonScalar),
		Description: "The table as a JSON-stat 2.0 dataset (dimensions row and column; status \"*\", \".\", \"i.u\"), as at links.jsonStat.",
		Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
			ans, meta, err := report(r, p)
			if err != nil {
				return nil, err
			}
			return reportJSONStat(ans, meta), nil
		}),
	})
	reportType.AddFieldConfig("links", &graphql.Field{
		Type:        graphql.NewNonNull(linksType),
		Description: "Stable URLs of the table's open-data files.",
		Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
			id := p.Source.(*reportRef).p.ID
			csv := reportURL(r.base, id, "csv")
			return openLinks{CSV: csv, CSVRFC4180: withDialect(csv, DialectRFC4180), JSONStat: reportURL(r.base, id, "json"), XLSX: reportURL(r.base, id, "xlsx")}, nil
		}),
	})

	tableType.AddFieldConfig("csv", &graphql.Field{
		Type: nonNullString, Args: csvArgs,
		Description: "The table as a CSV file, one line per cell in the order of cells: period, period_label, each grouped dimension's code (\"_T\" for the total) and label, " +
			"value (the number, or the mark \"*\", \".\", \"i.u\") and status (the Mark); the text of the file at links.csv.",
		Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
			t := p.Source.(*tableAnswer)
			b, err := tableCSV(t, r.v.tableMeta(t, r.base)).write(dialectOf(p))
			return string(b), err
		}),
	})
	tableType.AddFieldConfig("jsonStat", &graphql.Field{
		Type:        graphql.NewNonNull(jsonScalar),
		Description: "The table as a JSON-stat 2.0 dataset (dimensions measure, period, then the grouped ones, a total's category \"_T\"; status \"*\", \".\", \"i.u\"), as at links.jsonStat.",
		Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
			t := p.Source.(*tableAnswer)
			return tableJSONStat(t, r.v.tableMeta(t, r.base)), nil
		}),
	})
	tableType.AddFieldConfig("links", &graphql.Field{
		Type:        graphql.NewNonNull(linksType),
		Description: "Stable URLs of this table's open-data files, with its arguments.",
		Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
			t := p.Source.(*tableAnswer)
			return linksOf(r.v.tableMeta(t, r.base)), nil
		}),
	})
}
