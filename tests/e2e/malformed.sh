#!/usr/bin/env bash
# Every tests/bad/*.trace is rejected with exit status 2 and the exact
# "FILE:LINE:COL: message" of its "# expect-error: LINE:COL: message" line,
# by every subcommand that reads text.
set -u
pagediff=${1:?usage: malformed.sh PATH-TO-PAGEDIFF}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0 n=0
for f in tests/bad/*.trace; do
	want=$(sed -n '1s/^# expect-error: //p' "$f")
	if [ -z "$want" ]; then
		echo "FAIL $f: no '# expect-error:' first line"
		fail=1
		continue
	fi
	for cmd in check replay encode fmt; do
		"$pagediff" $cmd "$f" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		n=$((n + 1))
		if [ $rc -ne 2 ]; then
			echo "FAIL $f: pagediff $cmd exited $rc, want 2"
			fail=1
		elif ! grep -qxF "$f:$want" "$tmp/err"; then
			echo "FAIL $f: pagediff $cmd: stderr lacks '$f:$want':"
			sed 's/^/    /' "$tmp/err"
			fail=1
		fi
	done
done
# Bad input through stdin names "-".
printf 'p0 = spawn\nfrob\n' | "$pagediff" encode - >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -qxF -- "-:2:1: unknown op 'frob'" "$tmp/err"; then
	echo "FAIL stdin: exit $rc, stderr: $(cat "$tmp/err")"
	fail=1
fi
if [ $n -lt 40 ]; then
	echo "FAIL: only $n checks ran (fixtures missing?)"
	fail=1
fi
[ $fail -eq 0 ] && echo "malformed: $n checks passed"
exit $fail
