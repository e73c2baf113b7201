#!/usr/bin/env bash
# For every spec and regression trace: encode then decode gives the
# trace's canonical op text (config + ops, as `pagediff fmt --ops-only`
# prints it, and, for a canonically written file, the file itself with
# comment and expect lines removed), and re-encoding the decoded text is
# byte-identical.
set -u
pagediff=${1:?usage: roundtrip.sh PATH-TO-PAGEDIFF}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0 n=0 canon=0
for f in tests/spec/*.trace corpus/regressions/*.trace; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! "$pagediff" encode "$f" -o "$tmp/a.bin" 2>"$tmp/err"; then
		echo "FAIL $f: encode: $(cat "$tmp/err")"
		fail=1
		continue
	fi
	"$pagediff" decode "$tmp/a.bin" -o "$tmp/a.txt" || { echo "FAIL $f: decode"; fail=1; continue; }
	"$pagediff" fmt --ops-only "$f" >"$tmp/ops.txt" || { echo "FAIL $f: fmt"; fail=1; continue; }
	if ! cmp -s "$tmp/a.txt" "$tmp/ops.txt"; then
		echo "FAIL $f: decode(encode(f)) differs from its ops:"
		diff "$tmp/ops.txt" "$tmp/a.txt" | head -10
		fail=1
	fi
	# A canonically written file: its op lines are exactly the decoded text.
	"$pagediff" fmt "$f" >"$tmp/fmt.txt"
	if cmp -s "$tmp/fmt.txt" "$f"; then
		canon=$((canon + 1))
		grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' -e '^expect ' "$f" |
			sed 's/[[:space:]]*#.*$//' | grep -v '^config$' >"$tmp/stripped.txt"
		if ! cmp -s "$tmp/a.txt" "$tmp/stripped.txt"; then
			echo "FAIL $f: decode(encode(f)) differs from the file's op lines:"
			diff "$tmp/stripped.txt" "$tmp/a.txt" | head -10
			fail=1
		fi
	fi
	"$pagediff" encode "$tmp/a.txt" -o "$tmp/b.bin" || { echo "FAIL $f: re-encode"; fail=1; continue; }
	if ! cmp -s "$tmp/a.bin" "$tmp/b.bin"; then
		echo "FAIL $f: re-encoding the decoded text is not byte-identical"
		fail=1
	fi
done
if [ $n -eq 0 ]; then
	echo "FAIL: no traces found"
	fail=1
fi
[ $fail -eq 0 ] && echo "roundtrip: $n traces ($canon canonically written) passed"
exit $fail
