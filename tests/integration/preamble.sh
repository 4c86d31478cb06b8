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

# Helpers for the tests that source this file (newer tests use them; older
# ones keep their own copies for now).

# free_port: a TCP port on 127.0.0.1 nobody listens on right now
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_line FILE PATTERN PID: until FILE has a line matching PATTERN (20 s),
# or PID is gone; true when the line came. What a process says once it is
# ready ("mcptrace: tracing", "listening") is waited for, never slept on.
wait_line() {
	i=0
	while ! grep -q "$2" "$1" && [ $i -lt 200 ] && kill -0 "$3" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "$2" "$1"
}

# run_check NAME OUT CMD...: runs a checker that prints ok/not ok lines into
# OUT and shows them; a checker that fails without a "not ok" line crashed.
run_check() {
	n=$1 o=$2
	shift 2
	if "$@" > "$o" 2>&1; then
		cat "$o"
	else
		cat "$o"
		grep -q "^not ok" "$o" || echo "not ok $n: its checker crashed"
		fails=$((fails + 1))
	fi
}
