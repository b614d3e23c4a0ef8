#!/usr/bin/env bash
# Builds the two Lambda functions as template.yaml deploys them
# (provided.al2023): build/api/bootstrap and build/ingest/bootstrap, each
# zipped alone as build/api.zip and build/ingest.zip (template.yaml's
# CodeUri). Static, stripped binaries without the RPC mode of
# aws-lambda-go (-tags lambda.norpc), which provided.al2023 does not use.
#
#   bash infra/build.sh           # arm64, as template.yaml declares
#   GOARCH=amd64 bash infra/build.sh
#
# BUILD_DIR changes the output directory (default <repo>/build).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${BUILD_DIR:-$root/build}"
arch="${GOARCH:-arm64}"
cd "$root"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# The zip's entries are written with a fixed time, so unchanged binaries
# give byte-identical zips (and sam deploy uploads nothing new); zip
# stores local time, hence a fixed time zone.
export TZ=UTC
zip_one() { # zip_one DIR ZIP: DIR/bootstrap alone, mode 0755, into ZIP
	local dir="$1" zipfile="$2"
	rm -f "$zipfile"
	touch -t 198001010000 "$dir/bootstrap"
	if command -v zip >/dev/null; then
		(cd "$dir" && zip -q -X "$zipfile" bootstrap)
	elif command -v python3 >/dev/null; then
		# No zip(1): Python's zipfile keeps the file's mode just as well.
		python3 - "$dir/bootstrap" "$zipfile" <<-'EOF'
			import sys, zipfile
			src, dst = sys.argv[1], sys.argv[2]
			info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
			info.external_attr = (0o100755 << 16)
			info.create_system = 3  # Unix, so the mode is honoured
			info.compress_type = zipfile.ZIP_DEFLATED
			with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
			    z.writestr(info, f.read())
		EOF
	else
		echo "build.sh: neither zip nor python3 is installed; install one (apt-get install zip)" >&2
		return 1
	fi
}

for fn in api ingest; do
	mkdir -p "$out/$fn"
	CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o "$out/$fn/bootstrap" "./functions/$fn"
	chmod 0755 "$out/$fn/bootstrap"
	zip_one "$out/$fn" "$out/$fn.zip"
	echo "build.sh: $out/$fn.zip ($arch, $(wc -c <"$out/$fn.zip") bytes)"
done
