#!/bin/sh
# The arbor check command line, TAP output: exit statuses (0 clean, 1
# unreadable, 2 usage, 3 errors), FILE:LINE:COL diagnostics on stderr,
# "FILE: ok" on stdout, JSON with -o json.
# Usage: test_arbor_check.sh ARBOR CORPUS_DIR

# Absolute, since the checks run from within the corpus to keep the file names short.
arbor=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
corpus=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# ok CONDITION-STATUS DESCRIPTION
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		sed 's/^/# stdout: /' "$tmp/out"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}

# run ARGS...: run arbor, keep its status in $rc and its output in $tmp/out and $tmp/err.
run() {
	"$arbor" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

cd "$corpus" || exit 1

run check good/hello.xml
[ $rc -eq 0 ] && grep -qx 'good/hello.xml: ok' "$tmp/out" && [ ! -s "$tmp/err" ]
ok $? "a good config exits 0 and says FILE: ok"

run check -q good/hello.xml good/report_rom.xml
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ]
ok $? "-q keeps clean files quiet"

run check good/nested_init.xml
[ $rc -eq 0 ] && grep -q '^good/nested_init.xml:10:3: warning: ambiguous RAM-quota definition$' "$tmp/err" &&
	! grep -q ': ok$' "$tmp/out"
ok $? "warnings are printed but do not fail"

run check bad-at-validate/bad_size.xml
[ $rc -eq 3 ] && grep -q '^bad-at-validate/bad_size.xml:5:20: error: invalid size ram="12Q" in <start>' "$tmp/err"
ok $? "a config failing validation exits 3 with FILE:LINE:COL: error: MESSAGE"

run check bad-at-route/dangling_route.xml
[ $rc -eq 3 ] && grep -qx 'bad-at-route/dangling_route.xml:6:34: error: dangling route: no child named "timer"' "$tmp/err"
ok $? "a config failing routing exits 3"

run check bad-at-parse/mismatched_tag.xml
[ $rc -eq 3 ] && grep -q '^bad-at-parse/mismatched_tag.xml:4:4: error: .*found </route>, expected </start>' "$tmp/err"
ok $? "a config failing to parse exits 3"

run check good/hello.xml bad-at-route/no_route.xml good/log_terminal.xml
[ $rc -eq 3 ] && grep -qx 'good/hello.xml: ok' "$tmp/out" && grep -qx 'good/log_terminal.xml: ok' "$tmp/out" &&
	[ "$(wc -l <"$tmp/err")" -eq 1 ]
ok $? "several files: each is checked, one bad one makes it 3"

run check --ram 1M good/hello.xml
[ $rc -eq 3 ] && grep -q 'good/hello.xml:14:2: error: children need 1048576 bytes of RAM but init has only 720896' "$tmp/err"
ok $? "--ram checks the children's sum against init's RAM"

run check --ram 64M --caps 120 good/hello.xml
[ $rc -eq 0 ]
ok $? "--ram and --caps that suffice pass"

run check --caps 100 good/hello.xml
[ $rc -eq 3 ] && grep -q 'children need 100 caps but init has only 80' "$tmp/err"
ok $? "--caps checks the children's caps"

run check -o json good/hello.xml bad-at-validate/unknown_attribute.xml
[ $rc -eq 3 ] && [ "$(head -c 1 "$tmp/out")" = "[" ] && [ "$(tail -n 1 "$tmp/out")" = "]" ] &&
	grep -qF '{"file": "bad-at-validate/unknown_attribute.xml", "line": 6, "column": 24, "severity": "error", "stage": "validate", "message": "unknown attribute \"lable\" in <service>; did you mean \"label\"?"}' "$tmp/out" &&
	! grep -q 'ok$' "$tmp/out" && [ ! -s "$tmp/err" ]
ok $? "-o json prints a JSON array of diagnostics on stdout"

if command -v python3 >/dev/null 2>&1; then
	run check -o json bad-at-validate/missing_binary_name.xml good/nested_init.xml
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d) == 3 and d[2]["severity"] == "warning"))' "$tmp/out"
	ok $? "the JSON parses"
fi

run check - <good/hello.xml
[ $rc -eq 0 ] && grep -qx '<stdin>: ok' "$tmp/out"
ok $? "- reads standard input"

run check no/such/file.xml
[ $rc -eq 1 ] && grep -q '^arbor check: no/such/file.xml: ' "$tmp/err"
ok $? "an unreadable file exits 1"

run check no/such/file.xml bad-at-route/no_route.xml
[ $rc -eq 1 ]
ok $? "an unreadable file outranks errors in others"

run check
[ $rc -eq 2 ] && grep -q '^usage: arbor check' "$tmp/err"
ok $? "no FILE is a usage error"

run check --frobnicate good/hello.xml
[ $rc -eq 2 ] && grep -q 'unknown option "--frobnicate"' "$tmp/err"
ok $? "an unknown option is a usage error"

run check -o yaml good/hello.xml
[ $rc -eq 2 ]
ok $? "an unknown output format is a usage error"

run check --ram lots good/hello.xml
[ $rc -eq 2 ]
ok $? "an invalid --ram is a usage error"

run check --help
[ $rc -eq 0 ] && grep -q '^usage: arbor check' "$tmp/out"
ok $? "arbor check --help"

run help check
[ $rc -eq 0 ] && grep -q '^usage: arbor check' "$tmp/out"
ok $? "arbor help check"

run --help
[ $rc -eq 0 ] && grep -q '^  check ' "$tmp/out"
ok $? "arbor --help lists the verbs"

run frobnicate
[ $rc -eq 2 ] && grep -q 'unknown verb "frobnicate"' "$tmp/err"
ok $? "an unknown verb exits 2"

run
[ $rc -eq 2 ] && grep -q '^usage: arbor VERB' "$tmp/err"
ok $? "no verb exits 2"

echo "1..$n"
exit $failed
