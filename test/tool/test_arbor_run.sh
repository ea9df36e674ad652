#!/bin/sh
# arbor run end to end, TAP output: a scenario from another working
# directory finds the project's components; --until stops at a line (0);
# --timeout stops a scenario that never ends (124); <exit propagate> passes
# a child's exit value on; an invalid configuration stops before anything
# starts (3, FILE:LINE:COL); a child routed nowhere is reported by init.
# Usage: test_arbor_run.sh ARBOR SOURCE_DIR
arbor=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
source_dir=$2
. "$(dirname "$0")/../tap.sh"

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

# the demo of `make demo`: timer, report_rom, a LOG server, a nested init
"$arbor" run "$source_dir/run/demo.xml" --until 'name="ticker" binary="ticker" exited="0"' \
	--timeout 60 >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 0 &&
     grep -q '^\[init -> log_server\] \[subsystem -> client\] hello from the subsystem' "$tmp/out" &&
     grep -q '^\[init -> subsystem -> ticker\] tick 5 at' "$tmp/out" &&
     grep -q "^\[init -> report_rom\] report 'subsystem -> state'" "$tmp/out"; echo $?) \
	"run/demo.xml: sessions across a nested init, its state as a report (exit $rc)"

# arbor ps / arbor show on a running instance
config ps '<start name="idle"/> <start name="hello"/>'
"$arbor" run "$tmp/ps.xml" --timeout 20 >"$tmp/run.out" 2>&1 &
pid=$!
sleep 0.3
core_pid=$(pgrep -P $pid arbor-core)    # this instance only: other tests may run beside
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.5
	"$arbor" ps --core "$core_pid" >"$tmp/out" 2>&1 && grep -q '^  idle  *running' "$tmp/out" && break
done
ok $(grep -q '^init  *running' "$tmp/out" && grep -q '^  idle  *running .*\[' "$tmp/out"; echo $?) \
	"arbor ps shows the tree with states and quota bars"
for i in 1 2 3 4 5 6; do
	"$arbor" show hello --core "$core_pid" >"$tmp/out" 2>&1 && grep -q 'state:  exited 0' "$tmp/out" && break
	sleep 0.5
done
ok $(grep -q '^label:  init -> hello' "$tmp/out" && grep -q 'state:  exited 0' "$tmp/out"; echo $?) \
	"arbor show names a component's label, state and exit code"
for i in 1 2 3 4 5 6; do
	"$arbor" show idle --core "$core_pid" >"$tmp/out" 2>&1 && grep -q '^  PD  *OK  *idle' "$tmp/out" && break
	sleep 0.5
done
ok $(grep -q '^  LOG  *OK  *idle' "$tmp/out" && grep -q '^  ROM  *OK  *idle' "$tmp/out"; echo $?) \
	"arbor show lists a child's sessions (from the root init's state report)"
"$arbor" ps -o json --core "$core_pid" >"$tmp/out" 2>&1
ok $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(c["label"]=="init -> idle" for c in d["components"])' "$tmp/out"; echo $?) \
	"arbor ps -o json is JSON with every component"
kill -INT $pid; wait $pid
"$arbor" show nobody --core "$core_pid" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -ne 0; echo $?) "arbor show fails without a running instance or component (exit $rc)"

# arbor test: a runtime with expected lines in order, <fail> patterns, a time limit
runtime() {
	cat >"$tmp/$1.runtime" <<EOT
<runtime>
	<fail after_seconds="$2"/>
	<succeed>$3</succeed>
	<fail>Error: </fail>
	<config>
		<parent-provides>
			<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		</parent-provides>
		<default-route> <any-service> <parent/> </any-service> </default-route>
		<default caps="100" ram="$4"/>
		$5
	</config>
</runtime>
EOT
}
runtime pass 20 '[init -> hello] Hello from*
		[init] child "hello" exited with exit value 0' 1M '<start name="hello"/>'
"$arbor" test "$tmp/pass.runtime" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 0 && grep -q 'passed (2 expected lines in order)' "$tmp/out"; echo $?) \
	"arbor test passes when the lines appear in order (exit $rc)"

runtime order 20 '[init] child "hello" exited*
		[init -> hello] Hello from' 1M '<start name="hello"> <exit propagate="yes"/> </start>'
"$arbor" test "$tmp/order.runtime" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 1 && grep -q 'ended (status 0) before' "$tmp/out"; echo $?) \
	"lines out of order fail when the scenario ends (exit $rc)"

runtime failpat 20 'never seen' 1M '<start name="crasher"/>'
"$arbor" test "$tmp/failpat.runtime" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 1 && grep -q 'matches <fail>Error:</fail>' "$tmp/out"; echo $?) \
	"a line matching <fail> fails the test at once (exit $rc)"

runtime slow 1 'never seen' 1M '<start name="idle"/>'
"$arbor" test "$tmp/slow.runtime" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 124 && grep -q 'timed out after 1 s waiting for: never seen' "$tmp/out"; echo $?) \
	"<fail after_seconds> ends a test with 124 (exit $rc)"

runtime invalid 20 'x' 1Q '<start name="idle"/>'
"$arbor" test "$tmp/invalid.runtime" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 3 && grep -q 'invalid.runtime:10:' "$tmp/out"; echo $?) \
	"an invalid config is reported at its line in the runtime file (exit $rc)"

echo "1..$n"
