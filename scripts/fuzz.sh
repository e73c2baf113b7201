#!/usr/bin/env bash
# Build and run one fuzz engine on the differential target (docs/fuzzing.md).
#
#   scripts/fuzz.sh libfuzzer [SECONDS] [libFuzzer flags...]   build/fuzz (preset fuzz)
#   scripts/fuzz.sh asan      [SECONDS] [libFuzzer flags...]   build/fuzz-asan (ASan + UBSan)
#   scripts/fuzz.sh text      [SECONDS] [libFuzzer flags...]   the text parser target
#   scripts/fuzz.sh afl       [SECONDS] [afl-fuzz flags...]    build/afl, persistent mode,
#                                                              with the op-aware custom mutator
#   scripts/fuzz.sh build     [libfuzzer|asan|afl]             build only
#
# SECONDS defaults to 60 (0: until interrupted).  The corpus grows in
# BUILD/corpus/work (text: work-text), seeded from BUILD/corpus/seeds, crashes go to
# BUILD/crashes/ (libFuzzer: crash-<sha1>; AFL++: BUILD/afl-out/default/crashes/).
# Reproduce one with `pagediff replay FILE` (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${1:-libfuzzer}
shift || true

build_preset() {
	cmake --preset "$1" >/dev/null
	cmake --build --preset "$1" >/dev/null
}

# The AFL++ custom mutator with plain cc: no AFL instrumentation in afl-fuzz's process.
build_afl_mutator() {
	local cc=${CC_PLAIN:-cc}
	$cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wno-unused-parameter -shared -fPIC \
		-Iinclude -Iengine -Itargets targets/afl_mutator.c targets/mutator.c \
		targets/bytes_layout.c engine/optab.c -o build/afl/libpagediff_afl_mutator.so
}

run_libfuzzer() {
	local dir=$1 target=$2 secs=$3
	shift 3
	local dict=targets/pagediff.dict seeds=$dir/corpus/seeds work=$dir/corpus/work
	if [ "$target" = fuzz_text ]; then
		dict=targets/text.dict
		seeds=corpus/seeds
		work=$dir/corpus/work-text
	fi
	mkdir -p "$work" "$dir/crashes"
	echo "fuzz: $dir/targets/$target for ${secs}s; corpus $work, crashes $dir/crashes/"
	"$dir/targets/$target" -max_total_time="$secs" -dict="$dict" -max_len=1024 \
		-artifact_prefix="$dir/crashes/" -print_final_stats=1 "$@" "$work" "$seeds"
}

case "$engine" in
libfuzzer|asan|text)
	secs=${1:-60}
	shift || true
	preset=fuzz
	[ "$engine" = asan ] && preset=fuzz-asan
	build_preset "$preset"
	target=fuzz_diff
	[ "$engine" = text ] && target=fuzz_text
	run_libfuzzer "build/$preset" "$target" "$secs" "$@"
	;;
afl)
	secs=${1:-60}
	shift || true
	build_preset afl
	build_afl_mutator
	mkdir -p build/afl/afl-out
	export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
	export AFL_CUSTOM_MUTATOR_LIBRARY=$PWD/build/afl/libpagediff_afl_mutator.so
	limit=()
	[ "$secs" = 0 ] || limit=(-V "$secs")
	echo "fuzz: afl-fuzz build/afl/targets/fuzz_diff_afl for ${secs}s; crashes in build/afl/afl-out/default/crashes/"
	afl-fuzz -i build/afl/corpus/seeds -o build/afl/afl-out "${limit[@]}" \
		-x targets/pagediff.dict "$@" -- build/afl/targets/fuzz_diff_afl
	;;
build)
	what=${1:-libfuzzer}
	case "$what" in
	libfuzzer) build_preset fuzz ;;
	asan) build_preset fuzz-asan ;;
	afl) build_preset afl; build_afl_mutator ;;
	*) echo "usage: scripts/fuzz.sh build [libfuzzer|asan|afl]" >&2; exit 2 ;;
	esac
	;;
*)
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
