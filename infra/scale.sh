#!/usr/bin/env bash
# The scale benchmark (README "Scale"): makes the national benchmark lake
# under .tools/national if it is missing (290 municipalities, ~100× the
# sample's microdata, with the certified pattern it serves: about 2 minutes),
# then runs every measurement on its files and prints one Markdown table
# (about 10 minutes on two cores). Not part of CI. Arguments go to
# infra/scale (go run ./infra/scale -h lists them), e.g. -o scale.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

lake=.tools/national
if [ ! -f "$lake/manifest.json" ]; then
	echo "scale.sh: making the national benchmark lake in $lake" >&2
	go run ./testdata/gen -national -out "$lake"
fi
if [ ! -f node_modules/@duckdb/node-api/package.json ]; then
	npm install --no-audit --no-fund --loglevel=error
fi
go run ./infra/scale -lake "$lake" "$@"
