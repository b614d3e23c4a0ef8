#!/usr/bin/env bash
# Runs every test of insyn on a fresh clone: installs what the tests need
# (versitygw, the npm packages DuckDB and graphql-js), checks formatting and vet, runs all Go
# tests, and prints the reproduction summary of the seed tables.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash infra/tools.sh
# npm install, not npm ci: the lock file cannot list the other platforms'
# DuckDB bindings (the registry mirror here does not serve them), and npm ci
# refuses such a lock; npm install honours it and leaves it unchanged.
if [ -f package-lock.json ]; then
	npm install --no-audit --no-fund --loglevel=error
fi

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
# Short seeded fuzzing of the request paths (long runs: docs/hostile-input.md).
go test -count=1 -run '^$' -fuzz '^FuzzRequest$' -fuzztime 20s ./internal/api
go test -count=1 -run '^$' -fuzz '^FuzzOpenData$' -fuzztime 10s ./internal/api
go test -count=1 -run '^$' -fuzz '^FuzzPxWeb$' -fuzztime 10s ./internal/api
go test -count=1 -run '^$' -fuzz '^FuzzLambdaEvent$' -fuzztime 10s ./internal/serve
# ... and of the zip packages of XLSX uploads (long runs: docs/ingest.md).
go test -count=1 -run '^$' -fuzz '^FuzzXLSXPackage$' -fuzztime 20s ./internal/upload
# The table viewer in headless Chromium, writing its screenshots of a seed
# table, a generic table with suppressed cells and a chart into docs/viewer
# for review.
go test -count=1 -run '^TestBrowser$' ./internal/viewer -args -screenshots
# The independent audit over public answers (docs/attacker-knowledge.md):
# every suppressed count of the sample lake bounded as an attacker can,
# with the narrowest interval printed; exit 1 on any narrower than 3.
go run ./cmd/attack -lake testdata/lake
# The cell-by-cell reproduction of the 29 seed tables, as a readable summary.
go test -count=1 -run 'TestReproduction$' -v ./internal/synth | sed -n '/reproduction of the seed tables/,/^---\|^===\|^ok\|^FAIL/p'
