#!/usr/bin/env bash
# Installs the tools insyn's tests run beyond Go itself: Go tools into
# <repo>/.tools, Debian packages (python3-scipy, chromium) with apt-get.
# Idempotent: a tool already there at the pinned version is left alone.
# CI calls it; developers may too (the tests also install on first use).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
mkdir -p "$tools"

# versitygw: a real S3-protocol server over a local directory
# (internal/testenv/s3server pins the same version).
versitygw_version=v1.8.0
versitygw_module=github.com/versity/versitygw/cmd/versitygw

# `go version -m` reads the module version the Go toolchain stamps into
# every binary it builds, so a stale install is noticed and replaced.
if go version -m "$tools/versitygw" 2>/dev/null |
	grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/versity/versitygw[[:space:]]+$versitygw_version[[:space:]]"; then
	echo "tools.sh: versitygw $versitygw_version already in $tools"
else
	echo "tools.sh: installing versitygw $versitygw_version into $tools (60-80 s on a cold module cache)"
	GOBIN="$tools" go install "$versitygw_module@$versitygw_version"
fi

# python3-scipy: HiGHS, the LP solver of the disclosure audit
# (internal/protect.Audit runs it with Debian's /usr/bin/python3).
if /usr/bin/python3 -c 'import scipy.optimize' 2>/dev/null; then
	echo "tools.sh: python3-scipy already installed"
elif [ "$(id -u)" = 0 ]; then
	echo "tools.sh: installing Debian's python3-scipy (HiGHS for the disclosure audit)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-scipy >/dev/null
else
	echo "tools.sh: python3-scipy is missing; run: sudo apt-get install -y python3-scipy" >&2
	exit 1
fi

# chromium: the explorer's browser test (internal/explorer TestBrowser)
# drives Debian's headless Chromium over the DevTools protocol.
if command -v chromium >/dev/null 2>&1; then
	echo "tools.sh: chromium already installed"
elif [ "$(id -u)" = 0 ]; then
	echo "tools.sh: installing Debian's chromium (the explorer's browser test; about 60 s)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
	echo "tools.sh: chromium is missing; run: sudo apt-get install -y chromium" >&2
	exit 1
fi
