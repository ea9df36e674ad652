#!/bin/sh
# arbor run end to end, TAP output: a scenario from another working
# directory finds the project's components; --until stops at a line (0);
# --timeout stops a scenario that never ends (124); <exit propagate> passes
# a child's exit value on; an invalid configuration stops before anything
# starts (3, FILE:LINE:COL); a child routed nowhere is reported by init.
# Usage: test_arbor_run.sh ARBOR
arbor=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/# /' "$tmp/out"
	fi
}

config() {
	cat >"$tmp/$1.xml" <<EOT
<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>
	$2
</config>
EOT
}

config hello '<start name="hello"/> <start name="second"> <binary name="hello"/> <exit propagate="yes"/> </start>'
(cd / && "$arbor" run "$tmp/hello.xml" >"$tmp/out" 2>&1); rc=$?
ok $(test $rc -eq 0 && grep -q '^\[init -> second\] Hello from a sandboxed component' "$tmp/out"; echo $?) \
	"runs from / with the built components found (exit $rc)"
ok $(grep -q '^\[init\] child "second" exited with exit value 0' "$tmp/out"; echo $?) \
	"init reports the child's exit"

config idle '<start name="idle"/> <start name="hello"/>'
"$arbor" run "$tmp/idle.xml" --until '^\[init -> hello\] Hello from' --timeout 20 >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 0; echo $?) "--until stops at the first matching line (exit $rc)"

"$arbor" run "$tmp/idle.xml" --timeout 1 >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 124; echo $?) "--timeout ends a scenario that never ends with 124 (exit $rc)"

config crash '<start name="crasher"> <exit propagate="yes"/> </start>'
"$arbor" run "$tmp/crash.xml" --timeout 20 >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -ne 0 && test $rc -ne 124 && grep -q 'crashed' "$tmp/out"; echo $?) \
	"a crashing child with <exit propagate> ends the run with a failure (exit $rc)"

config bad '<start name="x" ram="12Q"/>'
"$arbor" run "$tmp/bad.xml" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 3 && grep -q "bad.xml:7:" "$tmp/out"; echo $?) \
	"an invalid configuration is refused with FILE:LINE:COL and exit 3 (exit $rc)"

config noroute '<start name="lonely"> <binary name="hello"/> <route> <service name="LOG"> <child name="nobody"/> </service> <any-service> <parent/> </any-service> </route> </start>'
"$arbor" run "$tmp/noroute.xml" --until 'no route to service "LOG"' --timeout 20 >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 0; echo $?) "a route to a missing child is reported by init (exit $rc)"

# live reconfiguration from the host: a <start> added to the file on disk starts
config live '<start name="idle"/>'
"$arbor" run "$tmp/live.xml" --until '^\[init -> hello\] Hello from' --timeout 20 >"$tmp/out" 2>&1 &
pid=$!
sleep 1
sed -i 's|<start name="idle"/>|<start name="idle"/> <start name="hello"/>|' "$tmp/live.xml"
wait $pid; rc=$?
ok $(test $rc -eq 0; echo $?) "a <start> added to the file while it runs is started (exit $rc)"

echo "1..$n"
