#!/usr/bin/env bash
# The libFuzzer targets of this build (when clang could build them): the
# differential target runs a bounded number of mutated inputs from the seed
# corpus without a divergence, leak or sanitizer report; the text target
# runs every seed and spec trace once (no mutation: its checks are
# properties of the parser, and a mutation run belongs in a campaign).
set -u
pagediff=${1:?usage: fuzz_targets.sh PATH-TO-PAGEDIFF}
cd "$(dirname "$0")/../.."
build=$(dirname "$pagediff")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

if [ ! -x "$build/targets/fuzz_diff" ]; then
	echo "fuzz_targets: no libFuzzer targets in $build (gcc, or no libFuzzer runtime): skipped"
	exit 0
fi
if ! ls "$build"/corpus/seeds/*.bin >/dev/null 2>&1; then
	echo "FAIL fuzz_targets: no compiled seeds in $build/corpus/seeds"
	exit 1
fi

mkdir -p "$tmp/corpus"
"$build/targets/fuzz_diff" -seed=1 -runs=300 -max_len=512 -timeout=60 \
	-artifact_prefix="$tmp/" "$tmp/corpus" "$build/corpus/seeds" >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] || grep -q '^DIVERGENCE:' "$tmp/log"; then
	echo "FAIL fuzz_diff -runs=300: exit $rc"
	grep -E '^(DIVERGENCE|==|SUMMARY)' "$tmp/log" | head -20
	fail=1
fi

"$build/targets/fuzz_text" -runs=0 corpus/seeds tests/spec >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL fuzz_text over corpus/seeds and tests/spec: exit $rc"
	grep -E '^(TEXT|==|SUMMARY)' "$tmp/log" | head -20
	fail=1
fi

[ $fail -eq 0 ] && echo "fuzz_targets: ok"
exit $fail
