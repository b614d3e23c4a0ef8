// duckdb.mjs times DuckDB on the queries of insyn's scale benchmark
// (infra/scale), reading the same Parquet files as the API.
//
// It reads {"queries": [{"name": ..., "sql": ...}], "repeat": N} from
// standard input. In one in-memory database and one connection it runs
// each query once (the first, cold-cache run), then N more times, and
// writes {"duckdb": version, "results": {name: {"first_ms": x, "ms": [..],
// "rows": [...]}}} to standard output: the times of the N repeated runs
// and the rows of the first, every value a string (or null). With N = 0
// it runs each query once: what a new process costs, which the benchmark
// times from outside. A failing query ends the run with exit status 1.
import { DuckDBInstance, version } from '@duckdb/node-api';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { queries, repeat } = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const results = {};
for (const { name, sql } of queries) {
  try {
    let start = process.hrtime.bigint();
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJS().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])));
    const first = Number(process.hrtime.bigint() - start) / 1e6;
    const ms = [];
    for (let i = 0; i < repeat; i++) {
      start = process.hrtime.bigint();
      const r = await connection.runAndReadAll(sql);
      r.getRowObjectsJS();
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    results[name] = { first_ms: first, ms, rows };
  } catch (err) {
    console.error(`query ${name}: ${err.message}\n${sql}`);
    process.exit(1);
  }
}
connection.closeSync();
process.stdout.write(JSON.stringify({ duckdb: version(), results }) + '\n');
