# What the TAP test scripts share (sourced): skipping with a reason, a
# scratch directory $tmp (removed at exit), ok and line.

# A plan of 0 with SKIP: meson counts it as skipped (exit 77 would count as an error under TAP).
skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0

# ok STATUS TEXT [LOG]: a test line; a failure shows LOG's last 40 lines, or all of $tmp/out.
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		if [ -n "${3:-}" ]; then tail -n 40 "$3"; else cat "$tmp/out"; fi | sed 's/^/# /'
	fi
}

# line TEXT: 0 when $tmp/out holds TEXT.
line() { grep -qF "$1" "$tmp/out"; echo $?; }
