#!/usr/bin/env bash
# Reproduces the vendored GraphiQL assets in this directory from pinned npm
# versions: `npm pack` fetches each package's tarball (npm checks it against
# the registry's integrity hash), the built files and the LICENSE are copied
# here, and VERSIONS records package, version, tarball integrity and each
# file's SHA-256 (TestVendoredAssets checks the files against it).
#
# GraphiQL 3.x is the last line with a UMD build (graphiql.min.js, React as
# globals); 4 and later are ES modules only and need a bundler. React 18 is
# the newest React that GraphiQL 3 supports and that ships UMD builds.
#
# Run from anywhere: bash internal/explorer/assets/update.sh
set -euo pipefail

graphiql_version=3.9.0
react_version=18.3.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# vendor PACKAGE VERSION DIR FILE... copies FILEs (paths inside the
# package) and LICENSE into DIR and appends their lines to VERSIONS.
vendor() {
	local pkg=$1 version=$2 dir=$3
	shift 3
	local integrity
	integrity=$(cd "$tmp" && npm pack "$pkg@$version" --json --silent | sed -n 's/^ *"integrity": "\(.*\)",*$/\1/p')
	if [ -z "$integrity" ]; then
		echo "update.sh: npm pack $pkg@$version gave no integrity" >&2
		exit 1
	fi
	mkdir -p "$tmp/$pkg" "$here/$dir"
	tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp/$pkg"
	rm -rf "${here:?}/$dir"/*
	for f in "$@" LICENSE; do
		cp "$tmp/$pkg/package/$f" "$here/$dir/$(basename "$f")"
		echo "$pkg $version $integrity $dir/$(basename "$f") $(sha256sum "$here/$dir/$(basename "$f")" | cut -d' ' -f1)" >>"$tmp/VERSIONS"
	done
}

vendor graphiql "$graphiql_version" graphiql graphiql.min.js graphiql.min.css
vendor react "$react_version" react umd/react.production.min.js
vendor react-dom "$react_version" react-dom umd/react-dom.production.min.js

{
	echo "# Written by update.sh: package version npm-integrity file sha256"
	cat "$tmp/VERSIONS"
} >"$here/VERSIONS"
echo "update.sh: vendored graphiql $graphiql_version, react and react-dom $react_version into $here"
