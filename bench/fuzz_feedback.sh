#!/usr/bin/env bash
# Does allocator-state feedback (targets/feedback.c) find a planted impl bug
# sooner?  For each planted bug, builds the libFuzzer target with
# -DPAGEDIFF_PLANTED_BUG=N (build/fuzz-bugN), then runs it from the seed
# corpus with -seed=1..SEEDS, feedback on and off (PAGEDIFF_FUZZ_FEEDBACK),
# and prints the executions until the first crash, per run and the median.
# A run that finds nothing within MAX_RUNS counts as MAX_RUNS.
#
# The runs start from an empty corpus (CORPUS=empty, the default): the seed
# corpus already contains a trace that trips bug 1 at its first execution,
# which measures nothing.  CORPUS=seeds starts from corpus/seeds instead.
# FEEDBACK_MODES="1 0" (the default) says which modes to run, e.g. "0" to run
# the off half on another core.  MAX_LEN (default 256 bytes, ~50 ops) bounds the inputs: both planted bugs
# need fewer than ten ops, and short inputs run many times faster.
# VARIANTS compares builds: a list of LABEL or LABEL:CMAKE-ARGS (commas for
# spaces), e.g. VARIANTS="base tc-impl:-DPAGEDIFF_FUZZ_TRACE_CMP=impl"
# (default "base": the default build).  FUZZ_ARGS adds libFuzzer flags to
# every run (e.g. FUZZ_ARGS=-entropic=0); SEED0=K runs seeds K+1..K+SEEDS.  Does tracing the impl's comparisons
# or covering the engine find a bug in fewer executions?  Each line also
# gives the seconds the run took (noisy; executions are the figure).
#
#   bash bench/fuzz_feedback.sh [SEEDS] [MAX_RUNS] [BUGS...]     (default 7 20000 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-7}
max_runs=${2:-20000}
shift 2 2>/dev/null || shift $#
bugs=("$@")
[ ${#bugs[@]} -gt 0 ] || bugs=(1 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for bug in "${bugs[@]}"; do
for variant in ${VARIANTS:-base}; do
	label=${variant%%:*}
	args=()
	[ "$variant" = "$label" ] || IFS=, read -r -a args <<<"${variant#*:}"
	dir=build/fuzz-bug$bug
	[ "$label" = base ] || dir=build/fuzz-bug$bug-$label
	cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPAGEDIFF_LIBFUZZER=ON -DPAGEDIFF_PLANTED_BUG="$bug" "${args[@]}" >/dev/null
	cmake --build "$dir" --target fuzz_diff fuzz_seeds >/dev/null
	for fb in ${FEEDBACK_MODES:-1 0}; do
		list=()
		tlist=()
		for s in $(seq $((${SEED0:-0} + 1)) $((${SEED0:-0} + seeds))); do
			rm -rf "$tmp/c" && mkdir -p "$tmp/c"
			[ "${CORPUS:-empty}" = empty ] || cp "$dir"/corpus/seeds/*.bin "$tmp/c/"
			t0=$(date +%s.%N)
			PAGEDIFF_FUZZ_FEEDBACK=$fb "$dir/targets/fuzz_diff" ${FUZZ_ARGS:-} -seed="$s" -runs="$max_runs" \
				-max_len="${MAX_LEN:-256}" -dict=targets/pagediff.dict -print_final_stats=1 \
				-artifact_prefix="$tmp/" "$tmp/c" >"$tmp/log" 2>&1 || true
			t=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
			n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | tail -1)
			if grep -q '^DIVERGENCE:' "$tmp/log"; then
				sig=$(sed -n 's/^DIVERGENCE: //p' "$tmp/log" | head -1)
				echo "bug $bug variant=$label feedback=$fb seed $s: crash after $n runs, $t s ($sig)"
				list+=("$n")
			else
				echo "bug $bug variant=$label feedback=$fb seed $s: nothing in $max_runs runs, $t s"
				list+=("$max_runs")
			fi
			tlist+=("$t")
		done
		med=$(printf '%s\n' "${list[@]}" | median)
		tmed=$(printf '%s\n' "${tlist[@]}" | median)
		echo "== bug $bug variant=$label feedback=$fb: median runs to first crash $med (of ${list[*]}; cap $max_runs), median $tmed s"
	done
done
done
