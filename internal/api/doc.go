// Package api is insyn's GraphQL API over the lake: an http.Handler that
// answers GraphQL (graphql-go) at /graphql, by GET and POST, and serves
// the same tables as open-data files (CSV, JSON-stat 2.0) below /v1/, from
// one lake version per request, with every figure passed through
// disclosure control. The transport around it (request ids, access log,
// body limit, CORS, gzip, 304, Lambda or local HTTP) is internal/serve's.
//
// The schema (schema/api.graphql) has:
//
//   - table: a generic table of one measure of a dataset (persons,
//     decisions, mean hours, SEK, shares, rates per 10 000), grouped by
//     dimensions and filtered on whole categories, for a year, a quarter or
//     a range. Only cells of the protected structure are answered; a
//     combination outside it is refused (NOT_PUBLISHED).
//   - report(id): a seed table (9:1 … 9:23, ev:1 … ev:6) in its printed
//     layout, every figure computed from the lake: where the version is
//     written (ComputeReports, stored in the version and served from
//     there, storedreports.go), or, for a version that stores none, when
//     first asked.
//   - lake, datasets, dataset(name): versions, sources, periods, measures,
//     dimensions and code lists, for building selectors.
//
// Reports and tables also have csv(dialect), jsonStat and links: the
// open-data files (opendata.go, csv.go, jsonstat.go), which are also
// served at stable URLs (OpenDataPath). They are written from the very
// answers the GraphQL fields resolve from, so no figure takes another path.
// The same tables are PxWebApi 2.0 tables below PxWebPath (pxweb*.go): the
// seed tables and the views of the protected structure, filled from the
// same answers.
//
// A request for one table and nothing else is answered without
// graphql-go's executor, with its bytes (fast.go, cellwrite.go); large
// lists of other requests are written past it (direct.go).
//
// The answers are GraphQL as the spec has it where graphql-go v0.8.1 is
// not (docs/graphql.md): keys in the order of the selection sets on every
// path (collect.go), introspection whose default values are GraphQL
// literals and which has the spec's current fields (introspection.go),
// and validation that accepts inline fragments without a type condition
// (validation.go). A dimension's total has the code "_T" in GraphQL, CSV
// and JSON-stat alike.
//
// Every figure's mark comes from a Disclosure (disclosure.go), built by
// loadDisclosure once per lake version (read on its own goroutine while a
// cold instance reads its first request's datasets): a figure is shown
// only if every count it rests on is published, and one marker, "*",
// stands for every hidden figure. A dataset's year is read column by
// column from its Parquet files straight into the index the table query
// scans (lake.ReadColumns, indexColumns). Lake keeps the version in
// memory and looks for a new manifest at most once per refresh interval
// (a conditional GET).
package api
