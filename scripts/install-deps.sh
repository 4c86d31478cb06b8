#!/bin/sh
# Installs what building and testing mcptrace needs on Debian 12, and only
# what is missing: the apt packages, then the npm MCP peers of the
# integration tests from their lock file. Run as root.
set -e
cd "$(dirname "$0")/.."

PKGS="make gcc clang llvm libbpf-dev libcjson-dev libsqlite3-dev libssl-dev bpftool libelf-dev zlib1g-dev
libclang-rt-14-dev python3 sqlite3 chromium openssl curl gnutls-bin libnss3-tools
libcapstone-dev libdw-dev golang-go"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
command -v node > /dev/null || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "mcptrace: missing packages:$missing; run this as root to install them" >&2
		exit 1
	fi
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing > /dev/null
fi

lock=tests/integration/package-lock.json
stamp=tests/integration/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
	echo "installing the npm MCP peers from $lock"
	(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
fi
