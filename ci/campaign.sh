#!/usr/bin/env bash
# The overnight fuzz campaign (not run by the merge gate): N workers of one
# engine on the differential target for a given time, one shared corpus
# directory, every crash collected in one place and grouped by signature.
#
#   ci/campaign.sh [-e libfuzzer|asan|afl] [-j WORKERS] [-t SECONDS] [-d DIR]
#
#   -e  engine (default libfuzzer): libfuzzer = build/fuzz, asan = build/fuzz-asan,
#       afl = build/afl (persistent mode, op-aware custom mutator; -M/-S workers)
#   -j  workers (default: nproc); with two or more, worker 1 compares the
#       whole state and runs check() on every input (slower, thorough)
#   -t  seconds (default 28800, eight hours)
#   -d  campaign directory (default build/campaign); keep it between nights to
#       keep the corpus: DIR/corpus (libFuzzer) or DIR/afl-out (AFL++),
#       DIR/crashes (every crash input), DIR/logs, DIR/summary.txt
#
# At the end each crash is replayed with the same build's `pagediff replay`
# (no cap needed: the target only ever runs capped inputs) and the signatures are
# counted into DIR/summary.txt.  Shrink and file them with
# `pagediff triage DIR/crashes` (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

engine=libfuzzer
workers=$(nproc 2>/dev/null || echo 2)
secs=28800
dir=build/campaign
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
[ "${1:-}" = --help ] && { usage; exit 0; }
while getopts "e:j:t:d:h" o; do
	case $o in
	e) engine=$OPTARG ;;
	j) workers=$OPTARG ;;
	t) secs=$OPTARG ;;
	d) dir=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
mkdir -p "$dir/corpus" "$dir/crashes" "$dir/logs"

# Worker 1 of several is the thorough one: every input ends with the
# whole-state comparison, and check() runs after every op, so bugs that only
# those see (docs/fuzzing.md, "What one execution compares") are looked for
# at all times; the others run at full speed (one input in 64).
thorough() {
	[ "$1" = 1 ] && [ "$workers" -gt 1 ] && echo PAGEDIFF_FUZZ_FULL_EVERY=1 PAGEDIFF_FUZZ_CHECK_EVERY=1
	return 0
}

case $engine in
libfuzzer|asan)
	preset=fuzz
	[ "$engine" = asan ] && preset=fuzz-asan
	bash scripts/fuzz.sh build "$([ "$engine" = asan ] && echo asan || echo libfuzzer)"
	bin=build/$preset/targets/fuzz_diff
	pids=()
	for i in $(seq 1 "$workers"); do
		# One process per worker, each its own seed; libFuzzer re-reads the
		# shared corpus directory now and then (-reload), so finds spread.
		env $(thorough "$i") "$bin" -seed="$i" -max_total_time="$secs" -max_len=1024 -dict=targets/pagediff.dict \
			-timeout=60 -rss_limit_mb=2048 -reload=300 -print_final_stats=1 \
			-artifact_prefix="$dir/crashes/" "$dir/corpus" "build/$preset/corpus/seeds" \
			>"$dir/logs/worker-$i.log" 2>&1 &
		pids+=($!)
	done
	echo "campaign: $workers x $bin for ${secs}s in $dir"
	# A crash ends one worker; the others go on.  Wait for all.
	for p in "${pids[@]}"; do wait "$p" || true; done
	;;
afl)
	bash scripts/fuzz.sh build afl
	export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
	export AFL_CUSTOM_MUTATOR_LIBRARY=$PWD/build/afl/libpagediff_afl_mutator.so
	in=build/afl/corpus/seeds
	[ -d "$dir/afl-out/w1" ] && in=-   # resume
	pids=()
	for i in $(seq 1 "$workers"); do
		role=(-S "w$i")
		[ "$i" = 1 ] && role=(-M "w$i")
		env $(thorough "$i") afl-fuzz -i "$in" -o "$dir/afl-out" "${role[@]}" -V "$secs" -x targets/pagediff.dict \
			-- build/afl/targets/fuzz_diff_afl >"$dir/logs/worker-$i.log" 2>&1 &
		pids+=($!)
	done
	echo "campaign: $workers x afl-fuzz for ${secs}s in $dir"
	for p in "${pids[@]}"; do wait "$p" || true; done
	for f in "$dir"/afl-out/*/crashes/id:*; do
		[ -e "$f" ] || continue
		cp "$f" "$dir/crashes/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f" | tr ':,' '__')"
	done
	;;
*)
	echo "campaign: unknown engine '$engine'" >&2
	exit 2
	;;
esac

# Group the crashes by signature.
case $engine in
libfuzzer) pd=build/fuzz/pagediff ;;
asan) pd=build/fuzz-asan/pagediff ;;
afl) pd=build/afl/pagediff ;;
esac
: >"$dir/signatures.txt"
for f in "$dir"/crashes/*; do
	[ -f "$f" ] || continue
	sig=$("$pd" replay --bytes "$f" 2>&1 | sed -n 's/^FAIL .*: //p' | tail -1)
	echo "${sig:-no-divergence-on-replay} $f" >>"$dir/signatures.txt"
done
{
	echo "campaign: engine $engine, $workers workers, ${secs}s, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "crashes: $(wc -l <"$dir/signatures.txt")"
	awk '{ n[$1]++ } END { for (s in n) printf "  %6d x %s\n", n[s], s }' "$dir/signatures.txt" | sort -rn
} | tee "$dir/summary.txt"
