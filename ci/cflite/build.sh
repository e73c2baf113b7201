#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of the pagediff fuzz targets.
#
# The base image sets CC, CFLAGS (sanitizer + coverage instrumentation for
# every file), LIB_FUZZING_ENGINE (how a libFuzzer-API target links under
# the chosen engine) and OUT.  Everything is built with those CFLAGS; the
# targets link with $LIB_FUZZING_ENGINE through PAGEDIFF_FUZZ_ENGINE.
# Outputs in $OUT: fuzz_diff, fuzz_text, their .options and dictionaries,
# and fuzz_diff_seed_corpus.zip (corpus/seeds compiled to bytes).
cd "$SRC/pagediff"
cmake -S . -B build/oss-fuzz -G Ninja \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_BUILD_TYPE=Release \
	-DPAGEDIFF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DPAGEDIFF_IMPL_CHECK=ON
cmake --build build/oss-fuzz --target fuzz_diff fuzz_text fuzz_seeds

cp build/oss-fuzz/targets/fuzz_diff build/oss-fuzz/targets/fuzz_text "$OUT/"
cp targets/fuzz_diff.options targets/fuzz_text.options targets/pagediff.dict targets/text.dict "$OUT/"
(cd build/oss-fuzz/corpus/seeds && zip -q -j "$OUT/fuzz_diff_seed_corpus.zip" ./*.bin)
(cd corpus/seeds && zip -q -j "$OUT/fuzz_text_seed_corpus.zip" ./*.trace)
