#!/usr/bin/env bash
# `pagediff random`: clean against the correct impl for a fixed seed,
# deterministic (the same seed emits the same inputs), emitted inputs replay
# with plain `pagediff replay`, usage errors exit 2.  Bounded runs only.
set -u
pagediff=${1:?usage: fuzz_random.sh PATH-TO-PAGEDIFF}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

"$pagediff" random --seed 1 --runs 200 --out "$tmp" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { bad "random --seed 1 --runs 200: exit $rc"; head -20 "$tmp/out" "$tmp/err"; }
grep -q ' 0 diverged' "$tmp/out" || bad "random: summary lacks '0 diverged'"
ls "$tmp"/crash-* >/dev/null 2>&1 && bad "random: wrote a crash file on a clean run"

# Fixed op count and frames, as the benchmarks use them.
"$pagediff" random --seed 2 --runs 20 --ops 50 --frames-log2 10 >"$tmp/out" 2>&1 ||
	bad "random --ops 50 --frames-log2 10: exit $?"

# Determinism: the same seed emits byte-identical inputs.
mkdir -p "$tmp/e1" "$tmp/e2"
"$pagediff" random --seed 7 --runs 25 --emit "$tmp/e1" >/dev/null || bad "random --emit: exit $?"
"$pagediff" random --seed 7 --runs 25 --emit "$tmp/e2" >/dev/null || bad "random --emit (again): exit $?"
[ "$(ls "$tmp/e1" | wc -l)" -eq 25 ] || bad "random --emit: want 25 files"
diff -r "$tmp/e1" "$tmp/e2" >/dev/null || bad "random --emit: same seed, different inputs"

# An emitted input replays as bytes with plain replay, and cleanly.
for f in "$tmp"/e1/random-7-0 "$tmp"/e1/random-7-24; do
	"$pagediff" replay "$f" >"$tmp/out" 2>&1 || bad "replay $f: exit $?"
done

# Usage.
"$pagediff" random --help >/dev/null 2>&1 || bad "random --help: exit $?"
"$pagediff" random --runs >/dev/null 2>&1
[ $? -eq 2 ] || bad "random --runs (no value): want exit 2"
"$pagediff" random --bogus 1 >/dev/null 2>&1
[ $? -eq 2 ] || bad "random --bogus: want exit 2"
"$pagediff" random --frames-log2 99 >/dev/null 2>&1
[ $? -eq 2 ] || bad "random --frames-log2 99: want exit 2"

[ $fail -eq 0 ] && echo "fuzz_random: ok"
exit $fail
