#!/usr/bin/env bash
# findings_badinput.sh - exit statuses and messages of shrink, triage, emit-c and
# replay --repeat on bad input and on clean input (docs/findings.md).  $1 is the
# pagediff binary (correct impl: nothing diverges); run from the repository root.
set -euo pipefail

pd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect STATUS PATTERN CMD...: CMD exits STATUS and its stderr matches PATTERN.
expect() {
	local want=$1 pat=$2 rc
	shift 2
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	if [ "$rc" != "$want" ] || { [ -n "$pat" ] && ! grep -qE -- "$pat" "$tmp/err"; }; then
		echo "FAIL: $* -> exit $rc (want $want), stderr:" >&2
		cat "$tmp/err" >&2
		fails=$((fails + 1))
	fi
}

clean=tests/spec/B4-alloc-state.trace

# Bad input or usage: 2, with a message naming the problem.
expect 2 'nonexistent: No such file' "$pd" shrink "$tmp/nonexistent"
expect 2 'bad-number.trace:4:24: bad number' "$pd" shrink tests/bad/bad-number.trace
expect 2 'usage: pagediff shrink' "$pd" shrink
expect 2 "unknown model 'nope'" "$pd" shrink "$clean" --primary nope
expect 2 "bad --max-runs" "$pd" shrink "$clean" --max-runs 0
expect 2 'cannot be a reference' "$pd" shrink "$clean" --reference impl
expect 2 'nonexistent: No such file' "$pd" triage "$tmp/nonexistent"
expect 2 'Not a directory' "$pd" triage "$clean"
expect 2 'usage: pagediff triage' "$pd" triage
expect 2 'ERROR tests/bad/not-live.trace: bad input' "$pd" triage tests/bad --out "$tmp/out-bad"
expect 2 'bad --date' "$pd" triage tests/bad --date ""
expect 2 'not-live.trace:4:6: p0 is not live' "$pd" emit-c tests/bad/not-live.trace
expect 2 'usage: pagediff emit-c' "$pd" emit-c
expect 2 'repeat needs 1' "$pd" replay "$clean" --repeat 0
expect 2 'repeat needs 1' "$pd" replay "$clean" --repeat x
expect 2 'bad-number.trace:4:24' "$pd" replay tests/bad/bad-number.trace --repeat 3

# Clean input: 0, nothing written.
expect 0 'no divergence .*nothing to shrink' "$pd" shrink "$clean" -o "$tmp/shrunk.trace"
[ ! -e "$tmp/shrunk.trace" ] || { echo "FAIL: shrink wrote a clean trace" >&2; fails=$((fails + 1)); }
expect 0 'no divergence.*nothing to emit' "$pd" emit-c "$clean" -o "$tmp/t.c"
[ ! -e "$tmp/t.c" ] || { echo "FAIL: emit-c wrote a test of a clean trace" >&2; fails=$((fails + 1)); }
mkdir -p "$tmp/crashes"
cp "$clean" tests/spec/cow-basic-fork.trace "$tmp/crashes/"
head -c 300 /dev/zero >"$tmp/crashes/zeros"      # bytes: decodes to a clean trace
expect 0 '' "$pd" triage "$tmp/crashes" --out "$tmp/regressions" --date 2000-01-01
grep -q '^3 files: 0 diverged (0 signatures), 3 clean, 0 errors$' "$tmp/out" ||
	{ echo "FAIL: triage summary:" >&2; cat "$tmp/out" >&2; fails=$((fails + 1)); }
[ ! -e "$tmp/regressions" ] || { echo "FAIL: triage made an output dir for nothing" >&2; fails=$((fails + 1)); }
mkdir -p "$tmp/empty"
expect 0 '' "$pd" triage "$tmp/empty" --out "$tmp/regressions"
expect 0 '' "$pd" replay "$clean" --repeat 2
grep -q '^reliability: in-process 0/2, fresh-process 0/2, after-random-prefix 0/2, fuzzer-pooled 0/2 (no divergence)$' "$tmp/out" ||
	{ echo "FAIL: repeat output:" >&2; cat "$tmp/out" >&2; fails=$((fails + 1)); }
# stdin works with --repeat (fresh processes read a temporary copy).
set +e
"$pd" replay - --repeat 2 <"$clean" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 0 ] && grep -q 'fresh-process 0/2' "$tmp/out" ||
	{ echo "FAIL: replay - --repeat: exit $rc" >&2; cat "$tmp/out" "$tmp/err" >&2; fails=$((fails + 1)); }

# Every subcommand has --help (exit 0).
for c in shrink triage emit-c; do
	"$pd" "$c" --help >/dev/null || { echo "FAIL: $c --help" >&2; fails=$((fails + 1)); }
done

if [ "$fails" != 0 ]; then
	echo "$fails failures" >&2
	exit 1
fi
echo "PASS findings_badinput"
