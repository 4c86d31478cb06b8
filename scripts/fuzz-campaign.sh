#!/bin/sh
# The documented fuzzing campaign: builds the libFuzzer targets (make fuzz)
# and runs each for N executions on a scratch copy of its corpus, so that
# new units land in the scratch dir and tests/fuzz/corpus/ is untouched.
# Prints each target's command, its final stats (executions, exec/s, peak
# RSS) and coverage (cov: ft: of the DONE line). One process at a time,
# niced: the campaign shares the machine.
# Usage: sh scripts/fuzz-campaign.sh [N [target...]]
#   N        executions per target (default 10000000)
#   target   fuzz_http, fuzz_stdio_rpc... (default: every tests/fuzz/fuzz_*.c)
# Environment: FUZZ_MAX_LEN (default 1024) longest input libFuzzer makes;
# FUZZ_DIR (default a new /tmp/mcptrace-fuzz.XXXXXX) where scratch corpora,
# logs and crash artifacts go, kept afterwards; FUZZ_MERGE=1 then merges
# each scratch corpus with the committed one, minimised (-set_cover_merge=1
# into a fresh dir: a small set with every feature), and replaces
# tests/fuzz/corpus/<target> with it; keep a corpus under ~400 files, 2 MB.
# Exits 1 if a target found a crash, leak, timeout or OOM (see its log and
# the crash-* / leak-* / timeout-* / oom-* file in FUZZ_DIR).
cd "$(dirname "$0")/.." || exit 1
N=${1:-10000000}
[ $# -gt 0 ] && shift
TARGETS=${*:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)}
MAX_LEN=${FUZZ_MAX_LEN:-1024}
DIR=${FUZZ_DIR:-$(mktemp -d /tmp/mcptrace-fuzz.XXXXXX)}
ROOT=$(pwd)
status=0

make --no-print-directory fuzz || exit 1
for t in $TARGETS; do
	bin=$ROOT/build/fuzz/$t
	corpus=$ROOT/tests/fuzz/corpus/$t
	scratch=$DIR/$t
	mkdir -p "$scratch/corpus" "$scratch/artifacts"
	cp "$corpus"/* "$scratch/corpus/"
	set -- "$bin" -runs="$N" -max_len="$MAX_LEN" -jobs=1 -workers=1 -print_final_stats=1 \
		-artifact_prefix="$scratch/artifacts/" "$scratch/corpus" "$corpus"
	echo "== $t: $(ls "$corpus" | wc -l) committed units"
	echo "nice -n 10 $*"
	# -jobs=1 runs one worker whose output goes to fuzz-0.log in the cwd.
	(cd "$scratch" && nice -n 10 "$@" > outer.log 2>&1)
	grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|^stat::|ERROR|SUMMARY' "$scratch/fuzz-0.log"
	if ls "$scratch/artifacts" | grep -q .; then
		echo "$t: FOUND $(ls "$scratch/artifacts") in $scratch/artifacts" >&2
		status=1
		continue
	fi
	if [ "$FUZZ_MERGE" = 1 ]; then
		rm -rf "$scratch/merged" && mkdir "$scratch/merged"
		nice -n 10 "$bin" -set_cover_merge=1 "$scratch/merged" "$corpus" \
			"$scratch/corpus" > "$scratch/merge.log" 2>&1 || { status=1; continue; }
		rm -f "$corpus"/* && cp "$scratch/merged"/* "$corpus/"
		echo "$t: corpus now $(ls "$corpus" | wc -l) units, $(du -sh "$corpus" | cut -f1)"
	fi
done
echo "scratch corpora and logs: $DIR"
exit $status
