#!/bin/sh
# Run every test suite (or the ones named) and close with one summary line:
# "N passed, N failed, N skipped".
set -u
build=${1:-build}
shift 2>/dev/null || true

meson test -C "$build" --print-errorlogs --no-rebuild "$@"
status=$?

log="$build/meson-logs/testlog.json"
if [ -f "$log" ]; then
	python3 - "$log" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "EXPECTEDFAIL": 0, "UNEXPECTEDPASS": 0}
for line in open(sys.argv[1]):
    result = json.loads(line).get("result", "ERROR")
    counts[result] = counts.get(result, 0) + 1
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["ERROR"] + counts["UNEXPECTEDPASS"]
print(f"{passed} passed, {failed} failed, {counts['SKIP']} skipped")
PY
fi
exit $status
