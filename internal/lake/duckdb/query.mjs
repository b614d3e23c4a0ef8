// query.mjs runs SQL in DuckDB, a second engine over insyn's Parquet lake.
//
// It reads a JSON array of {"name": ..., "sql": ...} from standard input,
// runs each statement in one in-memory database, and writes a JSON object
// {"duckdb": version, "results": {name: rows}} to standard output, where rows
// is an array of objects with every value as a string (or null), so that
// 64-bit and 128-bit integers survive the trip. Paths in the SQL are
// relative to the working directory. A failing statement ends the run with
// exit status 1 and its name and error on standard error.
//
//   echo '[{"name":"n","sql":"SELECT count(*) AS n FROM read_parquet(\"testdata/lake/aggregates/dataset=kbf/*/*.parquet\", hive_partitioning=true)"}]' \
//     | node internal/lake/duckdb/query.mjs
import { DuckDBInstance, version } from '@duckdb/node-api';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const queries = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const results = {};
for (const { name, sql } of queries) {
  try {
    const reader = await connection.runAndReadAll(sql);
    results[name] = reader.getRowObjectsJS().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])));
  } catch (err) {
    console.error(`query ${name}: ${err.message}\n${sql}`);
    process.exit(1);
  }
}
connection.closeSync();
process.stdout.write(JSON.stringify({ duckdb: version(), results }) + '\n');
