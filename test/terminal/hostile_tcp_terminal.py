#!/usr/bin/env python3
"""hostile_terminal against tcp_terminal, with nc as the peer of both sessions.

hostile_terminal (test/terminal/hostile_terminal.c) opens a "good" and a
"hostile" session; tcp_terminal's policies give each a free port. Once nc is
connected to both, it attacks the hostile session; the good session's peer
must receive a line before the attacks and after each of them, the hostile
session's peer its last line, and hostile_terminal must report nothing
unexpected. Uses the machinery of tcp_terminal_test.py (core under init on
free ports, nc, polling with timeouts). Environment: as tcp_terminal_test.py.
Exit status: 0 passed, 1 failed, 77 skipped.
"""
import shutil
import sys

from tcp_terminal_test import TIMEOUT, Core, Failed, Nc, config, free_ports

# the good session's lines, in order (hostile_terminal.c: still_served())
AFTER = ["nothing yet", "oversized lengths", "wrong payload sizes", "wrong capabilities",
         "truncated messages", "oversized messages", "garbage headers", "wrong payload sizes",
         "unknown opcodes", "wrong fd counts", "wrong fd types", "253 fds",
         "malformed clone requests", "replies never read", "clone flood"]


def main():
    if not shutil.which("nc"):
        print("SKIP: nc (netcat-openbsd) is missing")
        return 77
    good_port, hostile_port = free_ports(2)
    policies = (f'\t\t\t<policy label="hostile_terminal -> good" port="{good_port}"/>\n'
                f'\t\t\t<policy label="hostile_terminal -> hostile" port="{hostile_port}"/>')
    start = ('\t<start name="hostile_terminal" caps="300" ram="4M">\n'
             '\t\t<exit propagate="yes"/>\n\t</start>')
    core = Core(config(policies, start))
    try:
        for label, port in (("good", good_port), ("hostile", hostile_port)):
            core.expect(rf"'hostile_terminal -> {label}' listens on 127\.0\.0\.1:{port}$")
        good, hostile = Nc(good_port), Nc(hostile_port)
        core.expect(r"\[init -> hostile_terminal\] hostile: attacks begin")
        for after in AFTER:
            good.expect(b"good: after %s\n" % after.encode(), timeout=3 * TIMEOUT)
        print("+ the good session's peer got a line before the attacks and after each",
              flush=True)
        hostile.expect(b"hostile: still served\n", timeout=3 * TIMEOUT)
        print("+ the hostile session serves on", flush=True)
        done = core.expect(r"\[init -> hostile_terminal\] hostile: attacks done: ").string
        if not done.endswith(" 0 unexpected"):
            raise Failed(done)
        core.expect(r'\[init\] child "hostile_terminal" exited with exit value 0')
        unexpected = core.count("UNEXPECTED")
        if unexpected:
            raise Failed(f"{unexpected} outcomes were not as designed")
        good.close()
        hostile.close()
    except Failed as e:
        print(f"FAILED: {e}", flush=True)
        return 1
    finally:
        core.stop()
    print("passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
