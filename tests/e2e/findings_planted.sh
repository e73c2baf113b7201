#!/usr/bin/env bash
# findings_planted.sh - from a planted impl bug to a merged regression, end to end
# (docs/findings.md).  ctest passes the pagediff binary (built with the correct
# impl) as $1 and runs this from the repository root.
#
#   1. build the impl with -DPAGEDIFF_PLANTED_BUG=1 (fork forgets to clear
#      PG_anon_exclusive) and, for emit-c, the correct model libraries, with the
#      same compiler as $1, in build/e2e-findings-<build dir of $1>/ (kept, so
#      that a re-run rebuilds incrementally)
#   2. find a divergent input with `pagediff random --seed 1` (no fuzz engine)
#   3. triage it (plus a text copy of it and a clean trace): one group, shrunk to
#      <= 10 ops; the planted build replays it with the same signature (exit 1),
#      the correct one cleanly (exit 0, and `check` passes it, as ctest will);
#      triage again gives the same bytes; replay --repeat; emit-c built with gcc
#      fails against the planted libraries and passes against the correct ones
#   4. if the libFuzzer target was built: fuzz the planted build with
#      -runs=<bounded> -seed=1 and triage its crash the same way
# No wall-clock assertions.
set -euo pipefail

pd=$(realpath "$1")
bindir=$(dirname "$pd")
root=$(pwd)
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$bindir/CMakeCache.txt" 2>/dev/null || true)
cc=${cc:-cc}
gcc=$(command -v gcc || command -v cc)
work=$root/build/e2e-findings-$(basename "$bindir")
planted=$work/planted
fixed=$work/fixed
run=$work/run
P=$planted/pagediff

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# Ops in a text trace: lines that are not comments, blank or the config line.
nops() { grep -cvE '^[[:space:]]*(#|config |$)' "$1" || true; }
# The signature in a candidate's header.
header_sig() { sed -n 's/^# signature: \([^ ]*\) .*/\1/p' "$1"; }
# The signature on replay's FAIL line.
replay_sig() { sed -n 's/^FAIL [^:]*: //p' "$1" | tail -1; }

step "build: planted bug 1 and the correct model libraries ($cc)"
mkdir -p "$work"
cmake -S . -B "$planted" -G Ninja -DCMAKE_C_COMPILER="$cc" -DPAGEDIFF_PLANTED_BUG=1 \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cmake-planted.log" 2>&1 ||
	{ cat "$work/cmake-planted.log"; fail "configure the planted build"; }
cmake -S . -B "$fixed" -G Ninja -DCMAKE_C_COMPILER="$cc" -DPAGEDIFF_PLANTED_BUG=0 \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cmake-fixed.log" 2>&1 ||
	{ cat "$work/cmake-fixed.log"; fail "configure the correct build"; }
fuzz=no
targets="pagediff"
if ninja -C "$planted" -t targets all 2>/dev/null | grep -q '^fuzz_diff:'; then
	fuzz=yes
	targets="pagediff fuzz_diff fuzz_seeds"
fi
# shellcheck disable=SC2086
ninja -C "$planted" $targets >"$work/ninja-planted.log" 2>&1 ||
	{ tail -30 "$work/ninja-planted.log"; fail "build the planted build"; }
ninja -C "$fixed" pagediff_impl pagediff_oracle >"$work/ninja-fixed.log" 2>&1 ||
	{ tail -30 "$work/ninja-fixed.log"; fail "build the correct libraries"; }

rm -rf "$run"
mkdir -p "$run/crashes"

step "find: pagediff random --seed 1 on the planted build"
set +e
"$P" random --seed 1 --runs 200 --out "$run/crashes" -q >"$run/random.log" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$run/random.log"; fail "random found nothing (exit $rc)"; }
crash=$(ls "$run/crashes" | head -1)
[ -n "$crash" ] || fail "random saved no crash file"
# The same finding as text, and a clean trace: triage must group and skip.
"$P" decode "$run/crashes/$crash" -o "$run/crashes/$crash.txt"
cp tests/spec/B4-alloc-state.trace "$run/crashes/clean.trace"
echo "random: $(grep -c . "$run/random.log") lines of log; crash file $crash"

triage_and_check() {  # DIR OUT
	local dir=$1 out=$2 rc cand sig n
	set +e
	"$P" triage "$dir" --out "$out" --date 2000-01-01 >"$out.table" 2>"$out.log"
	rc=$?
	set -e
	cat "$out.table"
	[ "$rc" = 1 ] || { cat "$out.log"; fail "triage $dir: exit $rc, expected 1"; }
	for cand in "$out"/*.trace; do
		[ -f "$cand" ] || fail "triage wrote no candidate"
		sig=$(header_sig "$cand")
		n=$(nops "$cand")
		echo "candidate $(basename "$cand"): $n ops, $sig"
		[ -n "$sig" ] || fail "$cand: no signature in its header"
		[ "$(basename "$cand")" = "$(echo "$sig" | tr -c 'A-Za-z0-9._\n-' '_').trace" ] ||
			fail "$cand: not named after $sig"
		[ "$n" -ge 1 ] && [ "$n" -le 10 ] || { cat "$cand"; fail "$cand: $n ops, expected 1..10"; }
		set +e
		"$P" replay "$cand" >/dev/null 2>"$cand.planted"
		rc=$?
		set -e
		[ "$rc" = 1 ] || fail "planted replay of $cand: exit $rc, expected 1"
		[ "$(replay_sig "$cand.planted")" = "$sig" ] ||
			fail "planted replay of $cand: signature $(replay_sig "$cand.planted"), expected $sig"
		"$pd" replay "$cand" >/dev/null || fail "correct replay of $cand diverges"
		"$pd" check "$cand" >/dev/null || fail "pagediff check $cand fails on the correct impl"
	done
}

step "triage the random finding"
triage_and_check "$run/crashes" "$run/regressions"
grep -q ' 2 .* (written)$' "$run/regressions.table" ||
	fail "expected one group of 2 files (the crash and its text copy)"
grep -q '3 files: 2 diverged (1 signature), 1 clean, 0 errors' "$run/regressions.table" ||
	fail "triage summary"
cand=$(ls "$run/regressions"/*.trace | head -1)
cat "$cand"

step "determinism: triage again, same bytes"
"$P" triage "$run/crashes" --out "$run/regressions2" --date 2000-01-01 >/dev/null 2>&1 || true
for f in "$run/regressions"/*.trace; do
	cmp "$f" "$run/regressions2/$(basename "$f")" || fail "triage is not deterministic"
done
# An existing candidate is kept.
"$P" triage "$run/crashes" --out "$run/regressions" --date 2000-01-02 >"$run/again.table" 2>&1 || true
grep -q '(exists)$' "$run/again.table" || fail "an existing candidate was not kept"

step "replay --repeat"
set +e
"$P" replay "$cand" --repeat 3 >"$run/repeat.out" 2>/dev/null
rc=$?
set -e
cat "$run/repeat.out"
[ "$rc" = 1 ] || fail "repeat on the planted build: exit $rc"
grep -q "^reliability: in-process 3/3, fresh-process 3/3, after-random-prefix 3/3, fuzzer-pooled 3/3 (signature $(header_sig "$cand"))$" \
	"$run/repeat.out" || fail "repeat output"
"$pd" replay "$cand" --repeat 2 >"$run/repeat-ok.out" 2>&1 || fail "repeat on the correct build failed"
grep -q "^reliability: in-process 0/2, fresh-process 0/2, after-random-prefix 0/2, fuzzer-pooled 0/2 (no divergence)$" \
	"$run/repeat-ok.out" || { cat "$run/repeat-ok.out"; fail "repeat output (correct build)"; }

step "emit-c: a standalone test, built with $gcc"
set +e
"$P" emit-c "$cand" -o "$run/t.c" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "emit-c: exit $rc"
"$gcc" -std=c11 -Wall -Wextra -Werror -Iinclude "$run/t.c" \
	"$planted/libpagediff_impl.a" "$planted/libpagediff_oracle.a" -o "$run/t-planted"
"$gcc" -std=c11 -Wall -Wextra -Werror -Iinclude "$run/t.c" \
	"$fixed/libpagediff_impl.a" "$fixed/libpagediff_oracle.a" -o "$run/t-fixed"
set +e
"$run/t-planted" 2>"$run/t-planted.log"
rc=$?
set -e
cat "$run/t-planted.log"
[ "$rc" = 1 ] || fail "the emitted test passes against the planted impl (exit $rc)"
"$run/t-fixed" || fail "the emitted test fails against the correct impl"

if [ "$fuzz" = yes ]; then
	step "libFuzzer: fuzz_diff -runs=100000 -seed=1 on the planted build"
	mkdir -p "$run/fuzz-corpus" "$run/fuzz-crashes"
	cp "$planted"/corpus/seeds/*.bin "$run/fuzz-corpus/" 2>/dev/null || true
	set +e
	"$planted/targets/fuzz_diff" -runs=100000 -seed=1 -artifact_prefix="$run/fuzz-crashes/" \
		"$run/fuzz-corpus" >"$run/fuzz.log" 2>&1
	rc=$?
	set -e
	grep -m1 '^DIVERGENCE: ' "$run/fuzz.log" || { tail -20 "$run/fuzz.log"; fail "libFuzzer found nothing (exit $rc)"; }
	[ -n "$(ls "$run/fuzz-crashes")" ] || fail "libFuzzer wrote no crash file"
	triage_and_check "$run/fuzz-crashes" "$run/fuzz-regressions"
else
	step "libFuzzer: no fuzz_diff target in this build ($cc); skipped"
fi
echo "PASS findings_planted"
