#!/usr/bin/env bash
# The merge gate and the newcomer's test command: install what is missing,
# build with ASan+UBSan and -Werror (clang), build the standalone parts with
# gcc -Werror too, and run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build: asan+ubsan, clang, -Werror"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"

echo "== build: gcc, -Werror (no sanitizers)"
cmake -S . -B build/gcc -G Ninja -DCMAKE_C_COMPILER=gcc -DPAGEDIFF_WERROR=ON >/dev/null
cmake --build build/gcc -j "$jobs"

echo "== tests (asan+ubsan build)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build/asan -j "$jobs" --output-on-failure
