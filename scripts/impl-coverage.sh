#!/usr/bin/env bash
# impl-coverage.sh - line and region coverage of impl/ by the spec traces and
# the impl unit tests (clang source-based coverage, llvm-cov-14).
#
#   scripts/impl-coverage.sh            build in build/coverage, run, report
#   scripts/impl-coverage.sh --show     also print uncovered lines per file
#
# Needs clang, llvm-profdata-14 and llvm-cov-14 (Debian: llvm-14).
set -euo pipefail

cd "$(dirname "$0")/.."
B=build/coverage
PROFDATA=${LLVM_PROFDATA:-llvm-profdata-14}
COV=${LLVM_COV:-llvm-cov-14}

cmake -S . -B "$B" -G Ninja -DCMAKE_C_COMPILER=clang -DPAGEDIFF_COVERAGE=ON >/dev/null
ninja -C "$B" pagediff test_impl >/dev/null

rm -rf "$B/profraw"
mkdir -p "$B/profraw"
LLVM_PROFILE_FILE="$PWD/$B/profraw/unit-%p.profraw" "$B/tests/test_impl" >/dev/null
LLVM_PROFILE_FILE="$PWD/$B/profraw/spec-%p.profraw" "$B/pagediff" check tests/spec/*.trace >/dev/null || {
	echo "impl-coverage: some spec traces failed (coverage still reported)" >&2
}
shopt -s nullglob
regressions=(corpus/regressions/*.trace)
if ((${#regressions[@]})); then
	LLVM_PROFILE_FILE="$PWD/$B/profraw/reg-%p.profraw" "$B/pagediff" check "${regressions[@]}" >/dev/null || true
fi

"$PROFDATA" merge -sparse "$B"/profraw/*.profraw -o "$B/impl.profdata"
"$COV" report "$B/pagediff" -object "$B/tests/test_impl" \
	-instr-profile="$B/impl.profdata" impl/*.c
if [[ "${1:-}" == "--show" ]]; then
	"$COV" show "$B/pagediff" -object "$B/tests/test_impl" \
		-instr-profile="$B/impl.profdata" -show-line-counts-or-regions \
		-region-coverage-lt=100 impl/*.c
fi
