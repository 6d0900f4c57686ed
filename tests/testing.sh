# Sourced by tests/*.test. One helper, BusyBox's shape:
#   testing NAME CMD EXPECTED INFILE STDIN
# runs CMD with eval in a scratch directory where the file "input" holds INFILE, feeds it STDIN,
# and compares its stdout with EXPECTED. EXPECTED, INFILE and STDIN take printf %b escapes (\n).
# `optional FEATURE_X ...` skips the tests after it unless every symbol is built in; `optional`
# alone ends that. `skip_unless COND REASON...` does the same for a shell condition.
# Each case prints PASS:, FAIL: or SKIPPED: (why); tests/runtest counts them.
# The runner sets: OCIBOX (binary under test, absolute), CONFIG_FILE (its .config), SRC (top).

: "${OCIBOX:?run tests through tests/runtest}"
SKIP_REASON=
TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/ocibox-test.XXXXXX")
trap 'rm -rf "$TESTDIR"' EXIT

config_has() { grep -q "^CONFIG_$1=y" "$CONFIG_FILE" 2>/dev/null; }

optional() {
	SKIP_REASON=
	for sym in "$@"; do
		config_has "$sym" || { SKIP_REASON="$sym not built in"; return 0; }
	done
}

# A file that proves the peers rather than ocibox's code, or costs minutes, runs in one tier of
# `make check` only: `tier_only host NAME` ends it with one SKIPPED line in any other tier.
tier_only() {
	[ "${OCIBOX_TEST_TIER:-host}" = "$1" ] && return 0
	echo "SKIPPED: $2 (runs in the $1 tier only, to keep make check short)"
	exit 0
}

skip_unless() {
	SKIP_REASON=
	cond=$1
	shift
	eval "$cond" >/dev/null 2>&1 || SKIP_REASON="$*"
}

testing() {
	[ $# -eq 5 ] || { echo "FAIL: $1 (testing takes 5 arguments, got $#)"; return 1; }
	if [ -n "$SKIP_REASON" ]; then
		echo "SKIPPED: $1 ($SKIP_REASON)"
		return 0
	fi
	rm -rf "$TESTDIR/w" && mkdir "$TESTDIR/w" || return 1
	printf '%b' "$3" > "$TESTDIR/expected"
	printf '%b' "$4" > "$TESTDIR/w/input"
	(cd "$TESTDIR/w" && printf '%b' "$5" | eval "$2") > "$TESTDIR/actual"
	if cmp -s "$TESTDIR/expected" "$TESTDIR/actual"; then
		echo "PASS: $1"
	else
		echo "FAIL: $1"
		diff -u "$TESTDIR/expected" "$TESTDIR/actual" | head -40 | sed 's/^/    /'
		return 1
	fi
}
