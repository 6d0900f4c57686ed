# shellcheck shell=sh
# Sourced by the shell tests that run in the VM (busybox sh): `. /vm/lib.sh` after setting AREA,
# the prefix of their test names. run-in-vm puts this file at /vm/lib.sh.
# Each check prints PASS:/FAIL: AREA/NAME (a FAIL with an indented reason); `vm_done` ends the
# script with status 1 if anything failed.
fails=0
: "${AREA:?set AREA before sourcing /vm/lib.sh}"
ok() { echo "PASS: $AREA/$1"; }
bad() {
	echo "FAIL: $AREA/$1"
	fails=$((fails + 1))
	shift
	[ $# -gt 0 ] && echo "    $*"
	return 0
}
skip() { echo "SKIPPED: $AREA/$1 ($2)"; }
expect() { # NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "expected '$2', got '$3'"; fi
}
# Passes when CMD succeeds; WHY says what was seen otherwise.
check() { # NAME WHY CMD...
	_n=$1 _w=$2
	shift 2
	if "$@"; then ok "$_n"; else bad "$_n" "$_w"; fi
}
# Passes when the grep -E pattern matches a line of the text.
expect_line() { # NAME PATTERN TEXT
	check "$1" "no line matching '$2'" _matches "$2" "$3"
}
_matches() { printf '%s\n' "$2" | grep -qE "$1"; }
has() { grep -qw "$1" "$2" 2>/dev/null; }
# The value of KEY in a flat-keyed file such as memory.events.
key() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
vm_done() { [ "$fails" -eq 0 ]; }
