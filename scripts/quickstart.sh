#!/usr/bin/env bash
# The README's first command: install what is missing (scripts/setup.sh),
# build the release preset, and run a short differential fuzz run: RUNS
# random inputs (default 20000, seed SEED, default 1) through impl against
# the oracle with `pagediff random`.  A few minutes on 2 cores.  Prints
# CLEAN or the divergences found (and where their inputs are), and exits
# 0 clean / 1 divergence, like pagediff.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== build: release preset (build/release)"
cmake --preset release >/dev/null
cmake --build --preset release

runs=${RUNS:-20000}
seed=${SEED:-1}
out=build/release/crashes
mkdir -p "$out"
echo "== differential fuzz run: impl against oracle, $runs random inputs, seed $seed"
set +e
build/release/pagediff random --seed "$seed" --runs "$runs" --out "$out" -q
rc=$?
set -e
echo
case $rc in
0)
	echo "quickstart: CLEAN: impl and oracle agreed on all $runs inputs."
	echo "Next: coverage-guided fuzzing with 'bash scripts/fuzz.sh libfuzzer 600' (docs/fuzzing.md)."
	;;
1)
	echo "quickstart: DIVERGENCE: impl and oracle disagree (signatures above)."
	echo "Each signature's input is in $out/; see one with:"
	for f in "$out"/crash-*; do
		echo "    build/release/pagediff replay $f"
		break
	done
	;;
*)
	echo "quickstart: pagediff random failed (exit $rc)"
	;;
esac
exit $rc
