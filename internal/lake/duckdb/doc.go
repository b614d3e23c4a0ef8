// Package duckdb checks that a second engine reads insyn's lake: its test
// runs DuckDB (the npm package @duckdb/node-api, pinned in the repository's
// package.json) over testdata/lake through query.mjs, and compares what
// DuckDB sees with what package lake reads and with totals printed in the
// seed reports. Query, its only Go code besides the test, runs query.mjs
// for this test and for internal/workload's.
package duckdb
