#!/usr/bin/env bash
# Install everything pagediff needs on a fresh Debian 12 machine:
# clang 14 with libFuzzer and the sanitizer runtimes, LLVM tools (coverage),
# cmake, ninja, gcc (the standalone driver), AFL++.  Idempotent: only what
# is missing is installed.
set -euo pipefail

PKGS=(clang-14 llvm-14 libclang-rt-14-dev cmake ninja-build gcc make afl++ python3)

missing=()
for p in "${PKGS[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's clang-14 package does not always provide the unversioned names.
for tool in clang llvm-profdata llvm-cov; do
	if ! command -v "$tool" >/dev/null 2>&1 && command -v "$tool-14" >/dev/null 2>&1; then
		SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
		$SUDO ln -sf "$(command -v "$tool-14")" "/usr/local/bin/$tool"
	fi
done
echo "setup: $(clang --version | head -1); $(cmake --version | head -1); ninja $(ninja --version); afl-fuzz $(command -v afl-fuzz >/dev/null && echo present || echo MISSING)"
