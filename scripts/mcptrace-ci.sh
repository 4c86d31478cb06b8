#!/bin/sh
# mcptrace-ci.sh: a latency-regression gate for CI. Runs a workload (the
# tests that drive your MCP host or server) traced by `mcptrace run`, then
# compares the new trace with a baseline trace by `mcptrace diff`, prints the
# table, adds it as Markdown to $GITHUB_STEP_SUMMARY when that is set, and
# exits with diff's status: 0 no regression, 1 a regression, 2 anything that
# kept the comparison from being made (usage, no baseline, a workload that
# failed, a DB that could not be read).
#
# Usage: mcptrace-ci.sh --baseline BASE.db [--db HEAD.db] [--update-baseline]
#                       [DIFF_OPTIONS...] -- WORKLOAD_CMD [ARGS...]
# DIFF_OPTIONS are passed to `mcptrace diff` as they are (see mcptrace diff
# --help): --max-p95-increase 20% --min-delta 5ms --max-error-rate-increase 5%
# --min-calls N --format text|markdown|json --junit FILE --fail-on-missing.
# --update-baseline traces the workload and copies HEAD over BASE instead of
# comparing (the first run, or after an accepted slowdown).
# Tracing needs root (eBPF): run it as root, or with sudo -E (which keeps
# GITHUB_STEP_SUMMARY). $MCPTRACE names the binary (default: mcptrace on the
# PATH, else build/mcptrace beside this script).
me=mcptrace-ci

usage() { # the Usage paragraph of the comment above
	sed -n '/^# Usage:/,/^# PATH/{s/^# \{0,1\}//;p;}' "$0"
	exit 0
}
die() {
	echo "$me: $*" >&2
	exit 2
}

base= head=mcptrace-head.db update=0 have_cmd=0
# Diff options are kept in the positional parameters, behind the workload
# (sh has no arrays): collect them first, then rebuild "$@".
diff_opts=
while [ $# -gt 0 ]; do
	case $1 in
	--baseline) [ $# -ge 2 ] || die "--baseline needs a file"; base=$2; shift 2 ;;
	--baseline=*) base=${1#*=}; shift ;;
	--db) [ $# -ge 2 ] || die "--db needs a file"; head=$2; shift 2 ;;
	--db=*) head=${1#*=}; shift ;;
	--update-baseline) update=1; shift ;;
	-h | --help) usage ;;
	--) shift; have_cmd=1; break ;;
	*)
		# quoted for a later eval, so values with spaces or quotes survive
		q=$(printf '%s' "$1" | sed "s/'/'\\\\''/g")
		diff_opts="$diff_opts '$q'"
		shift
		;;
	esac
done
[ -n "$base" ] || die "give --baseline BASE.db (see --help)"
[ "$have_cmd" = 1 ] && [ $# -gt 0 ] || die "give the workload after --: $me --baseline BASE.db -- CMD..."
[ "$base" != "$head" ] || die "--db must not be the baseline itself ($base)"

if [ -z "$MCPTRACE" ]; then
	if command -v mcptrace > /dev/null; then
		MCPTRACE=mcptrace
	else
		MCPTRACE=$(dirname "$0")/../build/mcptrace
	fi
fi
[ -x "$MCPTRACE" ] || command -v "$MCPTRACE" > /dev/null || die "mcptrace not found (set MCPTRACE)"
if [ "$update" = 0 ] && [ ! -f "$base" ]; then
	die "no baseline $base; create it with: $me --baseline $base --update-baseline -- CMD..."
fi

# A fresh HEAD each time: mcptrace run appends to an existing DB.
rm -f "$head" "$head-wal" "$head-shm" || die "cannot remove the old $head"
echo "$me: tracing: $*" >&2
"$MCPTRACE" run --quiet --db "$head" -- "$@"
wrc=$?
if [ $wrc -ne 0 ]; then
	echo "$me: the workload exited $wrc; its trace is in $head" >&2
fi
[ -f "$head" ] || die "mcptrace run wrote no $head"

if [ "$update" = 1 ]; then
	[ $wrc -eq 0 ] || die "not updating the baseline from a failed workload"
	# the run has closed the DB, so its WAL is checkpointed into the file
	cp "$head" "$base.tmp.$$" && mv "$base.tmp.$$" "$base" || die "cannot write $base"
	rm -f "$base-wal" "$base-shm"
	echo "$me: baseline $base updated from $head" >&2
	exit 0
fi

eval "set -- $diff_opts"
"$MCPTRACE" diff "$@" -- "$base" "$head"
rc=$?
if [ -n "$GITHUB_STEP_SUMMARY" ] && [ $rc -le 1 ]; then
	# the same comparison as Markdown; a later --format wins over the user's
	"$MCPTRACE" diff "$@" --format markdown -- "$base" "$head" >> "$GITHUB_STEP_SUMMARY"
fi
if [ $wrc -ne 0 ]; then
	exit 2
fi
exit $rc
