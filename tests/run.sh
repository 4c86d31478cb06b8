#!/bin/sh
# Runs every test and prints one closing line, "N passed, N failed".
# Unit tests and fuzz-corpus replays need no root; the integration tests in
# tests/integration/ trace real processes and need root (CI runs as root).
# MT_UNIT_ONLY=1 runs only what needs no root.
OUT=${OUT:-build}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # counts "ok"/"not ok" lines of one test binary's output
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$OUT"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $t"
	"$t" > "$log" 2>&1
	rc=$?
	cat "$log"
	count
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log"; then
		echo "not ok $t exited $rc"
		failed=$((failed + 1))
	fi
done

for fz in "$OUT"/fuzz/fuzz_*; do
	[ -x "$fz" ] || continue
	name=$(basename "$fz")
	corpus=tests/fuzz/corpus/$name
	echo "== replay $corpus"
	if "$fz" -runs=0 "$corpus" > "$log" 2>&1; then
		echo "ok replay $name ($(ls "$corpus" | wc -l) inputs)"
		passed=$((passed + 1))
	else
		tail -20 "$log"
		echo "not ok replay $name"
		failed=$((failed + 1))
	fi
done

if [ -z "$MT_UNIT_ONLY" ]; then
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		echo "== $t"
		sh "$t" > "$log" 2>&1
		rc=$?
		cat "$log"
		count
		if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log"; then
			echo "not ok $t exited $rc"
			failed=$((failed + 1))
		fi
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
