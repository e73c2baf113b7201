#!/usr/bin/env bash
# Exit statuses of the pagediff command: 0 clean, 1 divergence or failed
# expectation, 2 bad input or usage; --help of every subcommand; atomic
# outputs.
set -u
pagediff=${1:?usage: exitcodes.sh PATH-TO-PAGEDIFF}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect STATUS DESCRIPTION -- COMMAND...
expect() {
	local want=$1 what=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL $what: exit $rc, want $want"
		sed 's/^/    out: /' "$tmp/out" | head -5
		sed 's/^/    err: /' "$tmp/err" | head -10
		fail=1
	fi
}

# Output checks on the last command.
out_has() { grep -qF -- "$1" "$tmp/out" || { echo "FAIL: stdout lacks '$1'"; fail=1; }; }
err_has() { grep -qF -- "$1" "$tmp/err" || { echo "FAIL: stderr lacks '$1'"; fail=1; }; }

cat >"$tmp/good.trace" <<'T'
# a clean trace
config frames=64 max_order=3
p0 = spawn
mmap p0 vpage=0 pages=1
write p0 vpage=0 value=0x7
p1 = fork p0
expect page p0 vpage=0 ae=0 mc=2 rc=2
read p1 vpage=0
expect result ok value=0x7
T
cat >"$tmp/wrong.trace" <<'T'
config frames=64 max_order=3
p0 = spawn
mmap p0 vpage=0 pages=1
write p0 vpage=0 value=0x7
expect page p0 vpage=0 mc=3
T

# usage
expect 2 "no command" -- "$pagediff"
expect 2 "unknown command" -- "$pagediff" frobnicate
err_has "unknown command 'frobnicate'"
expect 0 "--help" -- "$pagediff" --help
out_has "usage: pagediff COMMAND"
for cmd in replay check decode encode fmt; do
	expect 0 "$cmd --help" -- "$pagediff" $cmd --help
	out_has "usage: pagediff $cmd"
	expect 2 "$cmd without arguments" -- "$pagediff" $cmd
	expect 2 "$cmd with a bad option" -- "$pagediff" $cmd --bogus "$tmp/good.trace"
done
expect 0 "help replay" -- "$pagediff" help replay
out_has "usage: pagediff replay"
expect 2 "replay: missing file" -- "$pagediff" replay "$tmp/nonexistent.trace"
err_has "nonexistent.trace"
expect 2 "replay: unknown model" -- "$pagediff" replay "$tmp/good.trace" --primary nosuch
err_has "unknown model 'nosuch'"

# clean
expect 0 "replay clean (oracle vs oracle)" -- "$pagediff" replay "$tmp/good.trace" --primary oracle
out_has "OK $tmp/good.trace"
expect 0 "check clean" -- "$pagediff" check "$tmp/good.trace"
out_has "PASS $tmp/good.trace (5 ops, "

# a failed expectation
expect 1 "replay with a failed expectation" -- "$pagediff" replay "$tmp/wrong.trace" --primary oracle
err_has "$tmp/wrong.trace:5: expectation failed on model oracle (primary): page p0 vpage=0 (frame "
err_has "field=mc expected 3 got 1"
expect 0 "replay --no-expect" -- "$pagediff" replay "$tmp/wrong.trace" --primary oracle --no-expect
expect 1 "check with a failed expectation" -- "$pagediff" check "$tmp/wrong.trace"
out_has "FAIL $tmp/wrong.trace"
# bad input outranks a failure
printf 'frob\n' >"$tmp/bad.trace"
expect 2 "check: failing + bad" -- "$pagediff" check "$tmp/wrong.trace" "$tmp/bad.trace" "$tmp/good.trace"
out_has "FAIL $tmp/wrong.trace"
out_has "ERROR $tmp/bad.trace"
out_has "PASS $tmp/good.trace"

# bytes: any bytes decode and replay
head -c 300 /dev/zero | tr '\0' '\1' >"$tmp/ones.bin"
printf '\001\002\003\001\002\002\000\003\017\000\003\014\007\000\000\000\005\006\000\000\003\000\013\000\000\042\000\000\000' >"$tmp/ops.bin"
expect 0 "decode" -- "$pagediff" decode "$tmp/ops.bin"
out_has "p0 = spawn"
expect 0 "replay bytes" -- "$pagediff" replay "$tmp/ops.bin" --primary oracle
expect 0 "replay ones" -- "$pagediff" replay "$tmp/ones.bin" --primary oracle
expect 0 "decode stdin" -- sh -c "'$pagediff' decode - <'$tmp/ones.bin'"

# outputs: -o writes the file (atomically, no temp left behind); a bad directory is an error
expect 0 "encode -o" -- "$pagediff" encode "$tmp/good.trace" -o "$tmp/good.bin"
expect 0 "decode -o" -- "$pagediff" decode "$tmp/good.bin" -o "$tmp/good.txt"
expect 0 "fmt --ops-only" -- "$pagediff" fmt --ops-only "$tmp/good.trace"
cmp -s "$tmp/out" "$tmp/good.txt" || { echo "FAIL: decode -o output differs from fmt --ops-only"; fail=1; }
ls "$tmp" | grep -q '\.tmp\.' && { echo "FAIL: temporary output file left behind"; fail=1; }
expect 2 "encode -o into a missing directory" -- "$pagediff" encode "$tmp/good.trace" -o "$tmp/no/such/dir/x.bin"
expect 2 "encode of malformed text" -- "$pagediff" encode "$tmp/bad.trace"
err_has "$tmp/bad.trace:1:1: unknown op 'frob'"

[ $fail -eq 0 ] && echo "exitcodes: all passed"
exit $fail
