#!/usr/bin/env bash
# fuzz_coverage.sh - the libFuzzer build instruments what it should and no more
# (docs/fuzzing.md, "CMake settings").  ctest passes the pagediff binary as $1;
# its build's compiler builds fuzz_diff and fuzz_text with PAGEDIFF_LIBFUZZER=ON
# in build/e2e-fuzzcov-<build dir of $1>/ (kept: a re-run is incremental), and:
#   - the engine's objects carry no coverage counters, the models' do
#     (PAGEDIFF_FUZZ_HARNESS_COVERAGE=OFF, the default)
#   - fuzz_text, which fuzzes the engine's parser, sees it: cov >= 100 on the seeds
#   - fuzz_diff from an empty corpus keeps fuzzing (an input the entry refuses
#     must still show coverage, or libFuzzer stops: "no interesting inputs")
# Bounded runs, no wall-clock assertions.  Without clang and its libFuzzer
# runtime (the gcc build) there is nothing to check: it says so and passes.
set -euo pipefail

pd=$(realpath "$1")
bindir=$(dirname "$pd")
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$bindir/CMakeCache.txt" 2>/dev/null || true)
work=$(pwd)/build/e2e-fuzzcov-$(basename "$bindir")

fail() { echo "FAIL: $*" >&2; exit 1; }
# libFuzzer's "cov: N" on its last status line.
cov() { sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$1" | tail -1; }

case "$(basename "${cc:-cc}")" in
clang*) ;;
*) echo "fuzz_coverage: compiler ${cc:-unknown} is not clang; nothing to check"; exit 0 ;;
esac

cmake -S . -B "$work" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPAGEDIFF_LIBFUZZER=ON >"$work.cmake.log" 2>&1 || { cat "$work.cmake.log"; fail "configure"; }
if ! ninja -C "$work" -t targets all 2>/dev/null | grep -q '^fuzz_diff:'; then
	echo "fuzz_coverage: clang cannot link libFuzzer here; nothing to check"
	exit 0
fi
ninja -C "$work" fuzz_diff fuzz_text >"$work.ninja.log" 2>&1 ||
	{ tail -30 "$work.ninja.log"; fail "build fuzz_diff and fuzz_text"; }

echo "== coverage counters: in the models, not in the engine"
# (grep -c reads all of objdump's output: grep -q could end it with SIGPIPE.)
has_cov() { [ "$(objdump -h "$1" | grep -c '__sancov_cntrs')" -gt 0 ]; }
for o in "$work"/CMakeFiles/pagediff_engine.dir/engine/*.o; do
	! has_cov "$o" || fail "$(basename "$o") of the engine carries coverage counters"
done
has_cov "$work"/CMakeFiles/pagediff_impl.dir/impl/buddy.c.o || fail "impl/buddy.c has no coverage"
has_cov "$work"/CMakeFiles/pagediff_oracle.dir/oracle/zone.c.o || fail "oracle/zone.c has no coverage"
has_cov "$work"/CMakeFiles/pagediff_engine_cov.dir/engine/text.c.o ||
	fail "the engine copy fuzz_text links has no coverage"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== fuzz_text on the seeds"
mkdir "$tmp/text"
cp corpus/seeds/*.trace "$tmp/text/"
"$work/targets/fuzz_text" -runs=2000 -seed=1 "$tmp/text" >"$tmp/text.log" 2>&1 ||
	{ tail -20 "$tmp/text.log"; fail "fuzz_text"; }
n=$(cov "$tmp/text.log")
echo "fuzz_text: cov ${n:-none}"
[ "${n:-0}" -ge 100 ] || fail "fuzz_text sees ${n:-no} coverage: is the parser instrumented?"

echo "== fuzz_diff from an empty corpus"
mkdir "$tmp/diff"
"$work/targets/fuzz_diff" -runs=500 -seed=1 -max_len=256 "$tmp/diff" >"$tmp/diff.log" 2>&1 ||
	{ tail -20 "$tmp/diff.log"; fail "fuzz_diff"; }
! grep -q 'no interesting inputs' "$tmp/diff.log" || fail "fuzz_diff stopped: no interesting inputs"
grep -q '^#500[[:space:]]*DONE' "$tmp/diff.log" || { tail -5 "$tmp/diff.log"; fail "fuzz_diff did not run 500 inputs"; }
n=$(cov "$tmp/diff.log")
echo "fuzz_diff: cov ${n:-none}"
[ "${n:-0}" -ge 100 ] || fail "fuzz_diff sees ${n:-no} coverage"
echo "fuzz_coverage: ok"
