# Sourced by the integration tests that drive real MCP peers from npm, from
# the top of the tree: sets MT (the binary under test), IT (this folder),
# fails and say_fail, and stops with one "not ok" line unless the run can
# go ahead: root, a built mcptrace, node and python3, the npm peers.
MT=${MT:-build/mcptrace}
IT=tests/integration
fails=0

say_fail() { echo "not ok $*"; fails=$((fails + 1)); }

if [ "$(id -u)" != 0 ]; then
	echo "*** mcptrace integration tests need root (eBPF): run as root or with sudo ***" >&2
	echo "not ok integration tests need root (eBPF): run as root or with sudo"
	exit 1
fi
if [ ! -x "$MT" ]; then
	echo "not ok $MT is not built (run make)"
	exit 1
fi
if ! command -v node > /dev/null || ! command -v python3 > /dev/null; then
	echo "not ok integration tests need node and python3"
	exit 1
fi
if [ ! -d "$IT/node_modules/@modelcontextprotocol/server-everything" ] ||
	[ ! -d "$IT/node_modules/@modelcontextprotocol/client" ]; then
	if ! (cd "$IT" && npm ci --no-audit --no-fund --loglevel=error > /dev/null 2>&1); then
		echo "not ok npm ci in $IT failed"
		exit 1
	fi
fi
