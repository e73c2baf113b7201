#!/usr/bin/env bash
# RSS over a million executions of the differential target: runs the
# libFuzzer build (build/fuzz, `cmake --preset fuzz`) for RUNS executions
# and prints libFuzzer's own rss figure at each pulse (#2^k executions) and
# at the end.  Flat RSS means nothing is carried from one input to the next.
#
# To make a million executions take minutes, not hours, inputs are small:
# frames <= 2^FRAMES_LOG2 (default 6, through the target's cap) and
# -max_len=MAX_LEN bytes (default 96: up to ~20 ops).  Models are kept in a
# pool and reset between inputs (docs/fuzzing.md): RSS rises while the pool
# fills (256 configs, 2^20 frames at most at the default cap) and must then
# stay flat.
#
#   bash bench/fuzz_rss.sh [RUNS] [BUILD_DIR]       (default 1000000 build/fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
dir=${2:-build/fuzz}
[ -x "$dir/targets/fuzz_diff" ] || { cmake --preset fuzz >/dev/null; cmake --build --preset fuzz --target fuzz_diff fuzz_seeds >/dev/null; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$dir"/corpus/seeds/*.bin "$tmp/" 2>/dev/null || true
mkdir -p "$tmp/c"
start=$(date +%s)
PAGEDIFF_FUZZ_FRAMES_LOG2=${FRAMES_LOG2:-6} "$dir/targets/fuzz_diff" -seed=1 -runs="$runs" \
	-max_len="${MAX_LEN:-96}" -rss_limit_mb=512 -malloc_limit_mb=512 -print_final_stats=1 \
	-dict=targets/pagediff.dict "$tmp/c" >"$tmp/log" 2>&1 || { tail -30 "$tmp/log"; exit 1; }
end=$(date +%s)
echo "fuzz_diff: $runs executions in $((end - start)) s (frames <= 2^${FRAMES_LOG2:-6}, max_len ${MAX_LEN:-96})"
echo "executions       rss"
grep -E '^#[0-9]+[[:space:]]+(pulse|INITED|DONE)' "$tmp/log" |
	sed -E 's/^#([0-9]+)[[:space:]]+([A-Z]*[a-z]*).* rss: ([0-9]+Mb).*/\1 \2 \3/' |
	awk '{ printf "%10s %-6s %s\n", $1, $2, $3 }'
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$tmp/log"
