#!/usr/bin/env bash
# Executions per second of the differential target, on one core (taskset -c CPU):
#
#   libFuzzer, no sanitizer     build/fuzz       (cmake --preset fuzz)
#   libFuzzer, ASan + UBSan     build/fuzz-asan  (cmake --preset fuzz-asan)
#   AFL++ persistent mode       build/afl        (cmake --preset afl), custom mutator on
#
# on three corpora:
#   seeds        the seed corpus (corpus/seeds, 11-25 ops, 8..512 frames)
#   100ops-1k    16 inputs of `pagediff random --seed 1 --ops 100 --frames-log2 10`
#                (~100 ops, 1024 frames)
#   100ops-64k   16 inputs of `pagediff random --seed 1 --ops 100 --frames-log2 16`
#                (~100 ops, 65,536 frames; the target's frames cap raised with
#                PAGEDIFF_FUZZ_FRAMES_LOG2=16)
#
# `target` is the target's own cost: bench_exec_inproc (bench/exec_inproc.c)
# runs the same executions with the inputs in memory, no fuzzer around
# them.  `floor` is bench_exec_floor, the same with nothing compared (an
# engine built with PD_BENCH_NO_COMPARE=1): what the two models, the
# decoder and the runner cost on their own, the most any comparison
# design could reach on this machine.  Two figures for libFuzzer: `run`
# executes the corpus files as they are, repeatedly (-runs=K on the
# files: the target, plus reading each file each time), `fuzz` is
# libFuzzer's average exec/s while mutating from that corpus for SECS
# seconds; `floor-run` and `floor-fuzz` are the same for fuzz_diff_floor,
# the target on the floor's engine.  AFL++'s is execs_per_sec from
# fuzzer_stats after `afl-fuzz -V SECS`.
# "(N% refused, M% new models)": inputs the target refused without running
# them (beyond the config cap), and inputs whose config had no models in
# the pool (a mutated config: both models created and booted, O(frames)).
# AFL++'s own havoc does not know the cap, so its exec/s counts those cheap
# refusals too.
# Every execution runs as fuzzing runs it (docs/fuzzing.md, "What one
# execution compares"): the engine's fast mode, after every op a
# comparison of what the op touched, at the end of the input everything
# touched during it, and one input in 64 (in zones above 4,096 frames one
# in frames/64; PAGEDIFF_FUZZ_FULL_EVERY) ending with the whole-state
# comparison and both models' check(); models are reset between inputs,
# not created.  FULL_EVERY=N in the environment sets the rate (1: every
# input ends with the whole-state comparison, for what that costs).
#
#   bash bench/fuzz_exec.sh [SECS] [CPU]         (default 20 0)
#   SKIP_64K=1 skips the 65,536-frame corpus
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
cpu=${2:-0}
# Corpora and fuzzer output on tmpfs when there is one: a fuzzer writes
# every new corpus entry, and early in a run that is many files; on ext4
# that file creation was a third of libFuzzer's time, which is the disk's
# cost, not the target's.  TMPDIR=... overrides.
dir=${TMPDIR:-}
if [ -z "$dir" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then dir=/dev/shm; fi
tmp=$(mktemp -d -p "${dir:-/tmp}")
trap 'rm -rf "$tmp"' EXIT
pin=(taskset -c "$cpu")
command -v taskset >/dev/null || pin=()

# Always (re)built: an incremental build is quick, and a stale binary
# would measure old code.
for p in fuzz fuzz-asan; do
	[ -f build/$p/build.ninja ] || cmake --preset $p >/dev/null
	cmake --build --preset $p >/dev/null
	cmake --build build/$p --target bench_exec_floor fuzz_diff_floor >/dev/null
done
if command -v afl-fuzz >/dev/null; then
	bash scripts/fuzz.sh build afl >/dev/null
fi
[ -f build/afl/libpagediff_afl_mutator.so ] || { [ -d build/afl ] && bash scripts/fuzz.sh build afl; } || true

pagediff=build/fuzz/pagediff
mkdir -p "$tmp/seeds" "$tmp/100ops-1k" "$tmp/100ops-64k"
cp build/fuzz/corpus/seeds/*.bin "$tmp/seeds/"
$pagediff random --seed 1 --runs 16 --ops 100 --frames-log2 10 --emit "$tmp/100ops-1k" >/dev/null
$pagediff random --seed 1 --runs 16 --ops 100 --frames-log2 16 --emit "$tmp/100ops-64k" >/dev/null
corpora=(seeds 100ops-1k)
[ -n "${SKIP_64K:-}" ] || corpora+=(100ops-64k)

printf '%-10s %-11s %-11s %-5s %s\n' engine sanitizers corpus mode exec/s
row() { printf '%-10s %-11s %-11s %-5s %s\n' "$@"; }

# libFuzzer's -runs: every file K times (read from the file each time), timed.
run_rate() {
	local bin=$1 dir=$2 k=$3 n t0 t1
	n=$(ls "$dir" | wc -l)
	t0=$(date +%s.%N)
	"${pin[@]}" "$bin" -runs="$k" "$dir"/* >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$n $k $t0 $t1" | awk '{ printf "%.3g", $1 * $2 / ($4 - $3) }'
}

# The target alone (bench/exec_inproc.c): the same executions with the
# inputs in memory and no fuzzer around them, median of 5 rounds.
target_rate() {
	"${pin[@]}" "$1" -r 5 -n "$3" "$2"/* | sed -n 's/^median: \([0-9]*\) exec.*/\1/p'
}

# libFuzzer mutating from the corpus: executions / wall time, and the share
# of them the cap refused (PAGEDIFF_FUZZ_STATS, targets/fuzz_diff.c).
fuzz_rate() {
	local bin=$1 dir=$2 maxlen n t0 t1
	rm -rf "$tmp/work" "$tmp"/stats.* && mkdir -p "$tmp/work" && cp "$dir"/* "$tmp/work/"
	maxlen=$(ls -l "$dir" | awk 'NR > 1 && $5 > m { m = $5 } END { print m }')
	t0=$(date +%s.%N)
	PAGEDIFF_FUZZ_STATS=$tmp/stats "${pin[@]}" "$bin" -seed=1 -max_total_time="$secs" \
		-max_len="$maxlen" -timeout=600 -print_final_stats=1 -artifact_prefix="$tmp/" \
		"$tmp/work" >"$tmp/log" 2>&1 || true
	t1=$(date +%s.%N)
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
	echo "${n:-0} $t0 $t1" | awk '{ printf "%.3g", $1 / ($3 - $2) }'
	refused
}

# " (N% refused, M% new models)" from the stats files.
refused() {
	ls "$tmp"/stats.* >/dev/null 2>&1 || return 0
	cat "$tmp"/stats.* | awk '{ r += $2; f += $4; h += $6; m += $8 }
		END { if (r + f) printf " (%.0f%% refused", 100 * f / (r + f)
		      if (h + m) printf ", %.1f%% new models", 100 * m / (h + m)
		      if (r + f) printf ")" }'
}

if [ -n "${FULL_EVERY:-}" ]; then export PAGEDIFF_FUZZ_FULL_EVERY=$FULL_EVERY; else unset PAGEDIFF_FUZZ_FULL_EVERY; fi
for c in "${corpora[@]}"; do
	export PAGEDIFF_FUZZ_FRAMES_LOG2=12
	k=2000
	if [ "$c" = 100ops-64k ]; then
		export PAGEDIFF_FUZZ_FRAMES_LOG2=16
		k=2000
	fi
	[ "$c" = 100ops-1k ] && k=1000
	row '(none)' none "$c" target "$(target_rate build/fuzz/targets/bench_exec_inproc "$tmp/$c" $((k * 16)))"
	row '(none)' asan+ubsan "$c" target "$(ASAN_OPTIONS=detect_leaks=0 target_rate build/fuzz-asan/targets/bench_exec_inproc "$tmp/$c" $((k * 4)))"
	row '(none)' none "$c" floor "$(target_rate build/fuzz/targets/bench_exec_floor "$tmp/$c" $((k * 16)))"
	row '(none)' asan+ubsan "$c" floor "$(ASAN_OPTIONS=detect_leaks=0 target_rate build/fuzz-asan/targets/bench_exec_floor "$tmp/$c" $((k * 4)))"
	row libFuzzer none "$c" run "$(run_rate build/fuzz/targets/fuzz_diff "$tmp/$c" $k)"
	row libFuzzer none "$c" fuzz "$(fuzz_rate build/fuzz/targets/fuzz_diff "$tmp/$c")"
	row libFuzzer none "$c" floor-run "$(run_rate build/fuzz/targets/fuzz_diff_floor "$tmp/$c" $k)"
	row libFuzzer none "$c" floor-fuzz "$(fuzz_rate build/fuzz/targets/fuzz_diff_floor "$tmp/$c")"
	row libFuzzer asan+ubsan "$c" run "$(ASAN_OPTIONS=detect_leaks=0 run_rate build/fuzz-asan/targets/fuzz_diff "$tmp/$c" $k)"
	row libFuzzer asan+ubsan "$c" fuzz "$(ASAN_OPTIONS=detect_leaks=0 fuzz_rate build/fuzz-asan/targets/fuzz_diff "$tmp/$c")"
	if [ -x build/afl/targets/fuzz_diff_afl ]; then
		rm -rf "$tmp/afl-out" "$tmp"/stats.*
		PAGEDIFF_FUZZ_STATS=$tmp/stats AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_FAST_CAL=1 \
		AFL_NO_AFFINITY=1 AFL_CUSTOM_MUTATOR_LIBRARY=$PWD/build/afl/libpagediff_afl_mutator.so \
			"${pin[@]}" afl-fuzz -i "$tmp/$c" -o "$tmp/afl-out" -V "$secs" -t 600000 \
			-- build/afl/targets/fuzz_diff_afl >"$tmp/afl.log" 2>&1 || true
		rate=$(sed -n 's/^execs_per_sec *: *//p' "$tmp/afl-out/default/fuzzer_stats" 2>/dev/null)
		row AFL++ none "$c" fuzz "${rate:-n/a}$(refused)"
	fi
done
